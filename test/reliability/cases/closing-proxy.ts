// A reverse proxy in front of the MLflow-compatible server that answers every response with
// `Connection: close` and closes the connection after it, as some corporate proxies and
// `python3 -m http.server` do. undici 7.30 crashed the process on such servers when a body was
// paused by backpressure at the moment the server closed (nodejs/undici#5360).
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ClosingProxy {
  url: string;
  /** Connections the proxy accepted (one per request when it works as intended). */
  connections(): number;
  close(): Promise<void>;
}

export async function startClosingProxy(target: string): Promise<ClosingProxy> {
  const upstream = new URL(target);
  let connections = 0;
  const server: Server = createServer((req, res) => {
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, connection: "close" });
        answer.pipe(res);
      },
    );
    forwarded.on("error", () => res.destroy());
    req.pipe(forwarded);
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
