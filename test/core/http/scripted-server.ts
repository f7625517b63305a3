// A loopback HTTP server whose answers a test scripts request by request, for testing the request
// layer without either test server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface ScriptedServer {
  url: string;
  /** Every request seen: method, url, headers, body. */
  requests: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[];
  close(): Promise<void>;
}

/** `handlers[i]` answers request i; the last one answers all later requests. */
export async function startScriptedServer(handlers: Handler[]): Promise<ScriptedServer> {
  const requests: ScriptedServer["requests"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const index = requests.length;
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const handler = handlers[Math.min(index, handlers.length - 1)];
      if (handler) handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function reply(status: number, body = "", headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return reply(status, JSON.stringify(body), { "content-type": "application/json", ...headers });
}

/** A clock that never sleeps: it records each wait and moves time forward by it. */
export function fakeClock(start = Date.UTC(2026, 0, 1), random = 0.5) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    advance: (ms: number) => {
      now += ms;
    },
    clock: {
      now: () => now,
      sleep: (ms: number) => {
        sleeps.push(ms);
        now += ms;
        return Promise.resolve();
      },
      random: () => random,
    },
  };
}
