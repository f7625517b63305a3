// The metrics port (triton-contract.md §5.1): GET only (other methods 405); the path must fully
// match `/metrics/?`; any other path answers 200 with an empty body; text/plain; charset=utf-8.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerCore } from "./server-core";

export function createMetricsHandler(core: () => ServerCore) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    req.on("end", () => {
      if (req.method !== "GET") {
        const body = JSON.stringify({ error: "Method Not Allowed" });
        res.writeHead(405, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        });
        res.end(body);
        return;
      }
      const path = (req.url ?? "/").split("?")[0]!;
      const body = /^\/metrics\/?$/.test(path) ? core().registry.render() : "";
      res.writeHead(200, {
        "content-type": "text/plain; charset=utf-8",
        "content-length": Buffer.byteLength(body),
      });
      res.end(body);
    });
  };
}
