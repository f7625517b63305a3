// Servers that close the connection after every response body: a Node http server answering
// `Connection: close`, and `python3 -m http.server` (HTTP/1.0, one request per connection). With
// undici 7.30 a download from such a server crashed the whole process with an uncatchable
// `AssertionError: assert(!this.paused)` (client-h1.js Parser.finish) whenever the body was
// paused by backpressure (our disk writes) when the FIN arrived — nodejs/undici#5360, fixed in
// undici 8 (#5389). Each download here must complete with the exact bytes, attempt 1, no retry.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { HttpClient, resolveRetryPolicy, systemClock } from "../../../src/core/http";
import { downloadFile } from "../../../src/core/mlflow/download";

// Large enough that the body is still being written to disk when the server closes.
const BODY = randomBytes(8 * 1024 * 1024);
const DIGEST = createHash("sha256").update(BODY).digest("hex");
const DOWNLOADS = 6;

async function downloadFrom(baseUrl: string, dir: string, n: number) {
  const attempts: number[] = [];
  const file = await downloadFile({
    http: new HttpClient({ baseUrl, timeoutMs: 10_000, retry: { maxAttempts: 1 } }),
    source: {
      description: baseUrl,
      list: () => Promise.resolve([]),
      fileCall: (path) => ({ method: "GET", path: `/${path}` }),
    },
    remotePath: "weights.bin",
    localPath: join(dir, `copy-${n}.bin`),
    name: `copy-${n}.bin`,
    expectedSize: BODY.length,
    fileIndex: 1,
    fileCount: 1,
    // One attempt: a crash or a failure must show, not be retried away.
    attempts: 1,
    retry: resolveRetryPolicy({ maxAttempts: 1 }),
    clock: systemClock(),
    timeoutMs: 10_000,
    onProgress: (p) => {
      if (p.done) attempts.push(p.attempt);
    },
  });
  return { file, attempts };
}

void describe("downloads from servers that close the connection after each body", () => {
  let dir: string;
  let node: Server;
  let nodeUrl: string;
  let nodeConnections = 0;
  let python: ChildProcess;
  let pythonUrl: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "conn-close-"));
    await writeFile(join(dir, "weights.bin"), BODY);
    node = createServer((_req, res) => {
      res.writeHead(200, { "content-length": BODY.length, connection: "close" });
      res.end(BODY);
    });
    node.on("connection", () => nodeConnections++);
    await new Promise<void>((resolve) => node.listen(0, "127.0.0.1", resolve));
    nodeUrl = `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
    python = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    pythonUrl = await new Promise<string>((resolve, reject) => {
      let out = "";
      python.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const port = /port (\d+)/.exec(out)?.[1];
        if (port !== undefined) resolve(`http://127.0.0.1:${port}`);
      });
      python.on("exit", (code) => reject(new Error(`python3 -m http.server exited ${code}`)));
    });
  });
  after(async () => {
    python.kill("SIGTERM");
    await new Promise<void>((resolve) => node.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  void test(`a Node server with Connection: close: ${DOWNLOADS} downloads, one connection each`, async () => {
    for (let n = 0; n < DOWNLOADS; n++) {
      const { file, attempts } = await downloadFrom(nodeUrl, dir, n);
      assert.deepEqual(file, { path: `copy-${n}.bin`, sizeBytes: BODY.length, sha256: DIGEST });
      assert.deepEqual(attempts, [1]);
    }
    assert.equal(nodeConnections, DOWNLOADS);
  });

  void test(`python3 -m http.server: ${DOWNLOADS} downloads`, async () => {
    for (let n = 0; n < DOWNLOADS; n++) {
      const { file, attempts } = await downloadFrom(pythonUrl, dir, n);
      assert.deepEqual(file, { path: `copy-${n}.bin`, sizeBytes: BODY.length, sha256: DIGEST });
      assert.deepEqual(attempts, [1]);
    }
  });
});
