// The readiness probe script, run for real with python3 (as the -py3 Triton image would) against
// an HTTP server on loopback standing in for Triton: a pod is ready when every configured model
// that has a committed version (current.json) serves exactly that version; a model never
// deployed does not block it (design.md, "Triton facts").
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { readinessProbeCommand } from "../../src/components/triton-readiness-probe";

/** Status per path; a path mapped to "hang" never answers. */
let answers: Record<string, number | "hang"> = {};
let requested: string[] = [];
let server: Server;
let baseUrl = "";
let root = "";

before(async () => {
  server = createServer((req, res) => {
    requested.push(req.url ?? "");
    const answer = answers[req.url ?? ""] ?? 404;
    if (answer === "hang") return;
    res.writeHead(answer).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  rmSync(root, { recursive: true, force: true });
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  answers = {};
  requested = [];
  if (root) rmSync(root, { recursive: true, force: true });
  root = mkdtempSync(join(tmpdir(), "readiness-"));
});

function commit(model: string, pointer: unknown): void {
  mkdirSync(join(root, model), { recursive: true });
  writeFileSync(
    join(root, model, "current.json"),
    typeof pointer === "string" ? pointer : JSON.stringify(pointer),
  );
}

function probe(models: string[], opts: { url?: string; timeout?: number } = {}) {
  const [cmd, ...args] = readinessProbeCommand({
    repositoryRoot: root,
    httpBaseUrl: opts.url ?? baseUrl,
    timeoutSeconds: opts.timeout ?? 5,
    models,
  });
  return new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(cmd!, args, (err, _stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stderr: stderr.trim() });
    });
  });
}

describe("Triton readiness probe", () => {
  test("models never deployed do not block readiness, and nothing is asked", async () => {
    assert.deepEqual(await probe(["iris", "resnet"]), { code: 0, stderr: "" });
    assert.deepEqual(requested, []);
  });

  test("a committed version that is ready: ready, asked for exactly that version", async () => {
    commit("iris", { active_version: "3", run_id: "r" });
    answers["/v2/models/iris/versions/3/ready"] = 200;
    assert.deepEqual(await probe(["iris"]), { code: 0, stderr: "" });
    assert.deepEqual(requested, ["/v2/models/iris/versions/3/ready"]);
  });

  test("the old platform's numeric active_version is read too", async () => {
    commit("iris", { active_version: 4 });
    answers["/v2/models/iris/versions/4/ready"] = 200;
    assert.equal((await probe(["iris"])).code, 0);
    assert.deepEqual(requested, ["/v2/models/iris/versions/4/ready"]);
  });

  test("a committed version that is not ready: not ready, with the reason", async () => {
    commit("iris", { active_version: "3" });
    answers["/v2/models/iris/versions/3/ready"] = 503;
    assert.deepEqual(await probe(["iris"]), {
      code: 1,
      stderr: "not ready: iris version 3: HTTP Error 503: Service Unavailable",
    });
  });

  test("one deployed-and-ready model and one never deployed: ready", async () => {
    commit("iris", { active_version: "2" });
    answers["/v2/models/iris/versions/2/ready"] = 200;
    assert.equal((await probe(["resnet", "iris"])).code, 0);
    assert.deepEqual(requested, ["/v2/models/iris/versions/2/ready"]);
  });

  test("any committed model not serving its version: not ready", async () => {
    commit("iris", { active_version: "2" });
    commit("resnet", { active_version: "7" });
    answers["/v2/models/iris/versions/2/ready"] = 200;
    answers["/v2/models/resnet/versions/7/ready"] = 404;
    assert.deepEqual(await probe(["iris", "resnet"]), {
      code: 1,
      stderr: "not ready: resnet version 7: HTTP Error 404: Not Found",
    });
  });

  test("an unreadable current.json: not ready, naming the file", async () => {
    commit("iris", "{ truncated");
    const result = await probe(["iris"]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(`^not ready: ${join(root, "iris", "current.json")} unreadable: `),
    );
  });

  test("Triton not answering in time: not ready within the timeout", async () => {
    commit("iris", { active_version: "1" });
    answers["/v2/models/iris/versions/1/ready"] = "hang";
    const result = await probe(["iris"], { timeout: 0.3 });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^not ready: iris version 1: .*timed out/);
  });

  test("Triton not listening: not ready", async () => {
    commit("iris", { active_version: "1" });
    const probeServer = createServer();
    await new Promise<void>((resolve) => probeServer.listen(0, "127.0.0.1", resolve));
    const closedPort = (probeServer.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probeServer.close(() => resolve()));
    const result = await probe(["iris"], { url: `http://127.0.0.1:${closedPort}` });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^not ready: iris version 1: .*Connection refused/);
  });
});
