// A local HTTP server standing in for Slack and PagerDuty: Alertmanager's Slack and PagerDuty
// integrations POST JSON to a URL, so recording those POSTs shows exactly what was notified where.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedPost {
  readonly path: string;
  readonly body: unknown;
  readonly at: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly posts: readonly ReceivedPost[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const posts: ReceivedPost[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the raw text
      }
      posts.push({ path: req.url ?? "", body, at: Date.now() });
      // Slack answers 200 "ok"; PagerDuty's Events API v2 answers 202.
      const pager = (req.url ?? "").startsWith("/pager");
      res.writeHead(pager ? 202 : 200, { "content-type": "application/json" });
      res.end(pager ? '{"status":"success","message":"Event processed"}' : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
