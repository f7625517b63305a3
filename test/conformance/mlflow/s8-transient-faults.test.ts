// mlflow-contract.md §8 "Transient faults" and "Integrity" (with §5's retried statuses and
// §2.4's silent truncation): 429 + Retry-After, 502/503/504, slow responses, a reset or close
// mid-body, a truncated 200 without Content-Length, a corrupted byte; an alias re-pointed
// between two reads; and the test-control API that injects them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Agent, request } from "undici";
import { publishOnnxModel, startMlflowServer, type MlflowHandle } from "../../support/mlflow";
import { API, ARTIFACTS, bytes, call, client, sha256, type Client } from "./helpers";

describe("§8 transient faults", () => {
  let server: MlflowHandle;
  let http: Client;
  const model = bytes(200_000, 11);
  let modelPath: string;
  let runId: string;

  before(async () => {
    server = await startMlflowServer();
    http = client(server);
    const published = await publishOnnxModel(server.url, {
      name: "iris",
      layout: "run-artifacts",
      files: { "model.onnx": model },
      alias: "champion",
      sha256Tag: true,
    });
    runId = published.runId;
    modelPath = `${ARTIFACTS}/0/${runId}/artifacts/model/model.onnx`;
    await publishOnnxModel(server.url, {
      name: "iris",
      layout: "run-artifacts",
      files: { "model.onnx": bytes(10, 2) },
    });
  });
  after(() => server.close());

  describe("status faults", () => {
    test("429 with Retry-After for the next N matching requests, then the real answer", async () => {
      server.faults.add({
        path: "/registered-models/alias",
        status: 429,
        retryAfter: 3,
        times: 2,
        kind: "status",
      });
      const statuses: number[] = [];
      let retryAfter: unknown;
      for (let i = 0; i < 3; i++) {
        const res = await http.get(`${API}/registered-models/alias?name=iris&alias=champion`);
        statuses.push(res.status);
        if (i === 0) {
          retryAfter = res.headers["retry-after"];
          assert.equal(res.text, "429 Too Many Requests");
        }
      }
      assert.deepEqual(statuses, [429, 429, 200]);
      assert.equal(retryAfter, "3");
      assert.deepEqual(server.faults.list(), []);
    });

    test("502, 503 and 504, each once", async () => {
      for (const status of [502, 503, 504]) {
        server.faults.add({ kind: "status", path: "/model-versions/get\\?", status });
        const failed = await http.get(`${API}/model-versions/get?name=iris&version=1`);
        const next = await http.get(`${API}/model-versions/get?name=iris&version=1`);
        assert.deepEqual([failed.status, next.status], [status, 200]);
      }
    });

    test("rules match by method and path; other requests are untouched", async () => {
      server.faults.add({
        kind: "status",
        path: "/registered-models/alias",
        method: "POST",
        status: 503,
      });
      const get = await http.get(`${API}/registered-models/alias?name=iris&alias=champion`);
      assert.equal(get.status, 200);
      const other = await http.get(`${API}/registered-models/get?name=iris`);
      assert.equal(other.status, 200);
      const post = await http.post(`${API}/registered-models/alias`, {
        name: "iris",
        alias: "champion",
        version: "1",
      });
      assert.equal(post.status, 503);
      const entry = await server.waitForRequest((e) => e.method === "POST" && e.status === 503);
      assert.equal(entry.fault, "status");
    });
  });

  describe("slow responses", () => {
    test("headers delayed past the client's timeout → the client times out", async () => {
      server.faults.add({ kind: "delay", path: "/registered-models/alias", delayMs: 5000 });
      const started = Date.now();
      await assert.rejects(
        request(`${server.url}${API}/registered-models/alias?name=iris&alias=champion`, {
          headersTimeout: 200,
        }),
        { code: "UND_ERR_HEADERS_TIMEOUT" },
      );
      assert.ok(Date.now() - started < 3000);
    });

    test("a body that stalls after N bytes → the client's body timeout fires", async () => {
      server.faults.add({
        kind: "delay",
        path: "/model/model\\.onnx",
        delayMs: 5000,
        afterBytes: 1000,
      });
      const res = await request(`${server.url}${modelPath}`, { bodyTimeout: 200 });
      assert.equal(res.statusCode, 200);
      await assert.rejects(res.body.arrayBuffer(), { code: "UND_ERR_BODY_TIMEOUT" });
    });

    test("a short delay only slows the answer down", async () => {
      server.faults.add({ kind: "delay", path: "/registered-models/alias", delayMs: 150 });
      const started = Date.now();
      const res = await http.get(`${API}/registered-models/alias?name=iris&alias=champion`);
      assert.equal(res.status, 200);
      assert.ok(Date.now() - started >= 140);
    });
  });

  describe("broken bodies", () => {
    async function readAll(
      path: string,
      dispatcher?: Agent,
    ): Promise<{ status: number; received: number; error?: unknown }> {
      const res = await request(`${server.url}${path}`, dispatcher ? { dispatcher } : {});
      let received = 0;
      try {
        for await (const chunk of res.body) received += (chunk as Buffer).length;
        return { status: res.statusCode, received };
      } catch (error) {
        return { status: res.statusCode, received, error };
      }
    }

    test("connection reset mid-body (chunked download) → the body read fails", async () => {
      server.faults.add({ kind: "reset", path: "/model/model\\.onnx", afterBytes: 70_000 });
      const agent = new Agent();
      try {
        const outcome = await readAll(modelPath, agent);
        assert.equal(outcome.status, 200);
        assert.ok(outcome.error instanceof Error, "the body must fail");
        assert.ok(outcome.received < model.length);
      } finally {
        await agent.close();
      }
    });

    test("connection closed mid-body on a Content-Length download (/get-artifact) → fails", async () => {
      server.faults.add({ kind: "close", path: "^/get-artifact", afterBytes: 50_000 });
      const outcome = await readAll(`/get-artifact?path=model/model.onnx&run_id=${runId}`);
      assert.equal(outcome.status, 200);
      assert.ok(outcome.error instanceof Error, "the body must fail");
      assert.ok(outcome.received <= 50_000);
    });

    test("truncated 200 with no Content-Length: the client sees success with fewer bytes", async () => {
      server.faults.add({ kind: "truncate", path: "/model/model\\.onnx", afterBytes: 123_456 });
      const res = await http.get(modelPath);
      assert.equal(res.status, 200);
      assert.equal(res.headers["content-length"], undefined);
      assert.equal(res.body.length, 123_456);
      // Only the listed size and the published digest reveal it.
      const listed = await http.get(`${API}/artifacts/list?run_id=${runId}&path=model`);
      assert.equal(listed.json.files[0].file_size, model.length);
      assert.notEqual(sha256(res.body), sha256(model));
    });

    test("a truncated /get-artifact drops its Content-Length too", async () => {
      server.faults.add({ kind: "truncate", path: "^/get-artifact", afterBytes: 10 });
      const res = await http.get(`/get-artifact?path=model/model.onnx&run_id=${runId}`);
      assert.deepEqual(
        [res.status, res.headers["content-length"], res.body.length],
        [200, undefined, 10],
      );
    });

    test("a corrupted byte: same length, one byte flipped, the sha256 tag no longer matches", async () => {
      server.faults.add({ kind: "corrupt", path: "/model/model\\.onnx", offset: 65_537 });
      const res = await http.get(modelPath);
      assert.equal(res.status, 200);
      assert.equal(res.body.length, model.length);
      const differing = [...res.body].flatMap((b, i) => (b !== model[i] ? [i] : []));
      assert.deepEqual(differing, [65_537]);
      assert.equal(res.body[65_537], model[65_537]! ^ 0xff);
      const mv = await http.get(`${API}/model-versions/get?name=iris&version=1`);
      assert.deepEqual(mv.json.model_version.tags, [{ key: "sha256", value: sha256(model) }]);
      assert.notEqual(sha256(res.body), sha256(model));
      const clean = await http.get(modelPath);
      assert.equal(sha256(clean.body), sha256(model));
    });
  });

  describe("alias re-pointed between two reads", () => {
    test("a set-alias rule re-points the alias right after the matching read", async () => {
      server.faults.add({
        kind: "set-alias",
        path: "/registered-models/alias\\?name=iris&alias=champion",
        method: "GET",
        name: "iris",
        alias: "champion",
        version: "2",
      });
      const first = await http.get(`${API}/registered-models/alias?name=iris&alias=champion`);
      const second = await http.get(`${API}/registered-models/alias?name=iris&alias=champion`);
      assert.deepEqual(
        [first.json.model_version.version, second.json.model_version.version],
        ["1", "2"],
      );
      await http.post(`${API}/registered-models/alias`, {
        name: "iris",
        alias: "champion",
        version: "1",
      });
    });

    test("an in-process hook runs after the matching request is answered", async () => {
      const seen: string[] = [];
      server.faults.add({
        kind: "hook",
        path: "/model-versions/get-download-uri",
        run: (entry) => {
          seen.push(`${entry.status} ${entry.path}`);
        },
      });
      await http.get(`${API}/model-versions/get-download-uri?name=iris&version=1`);
      await server.waitForRequest((e) => e.path.includes("get-download-uri"));
      assert.deepEqual(seen, [`200 ${API}/model-versions/get-download-uri?name=iris&version=1`]);
    });
  });

  describe("test-control HTTP API (not on MLflow's paths)", () => {
    test("POST/GET/DELETE faults drive the same rules", async () => {
      const control = (method: string, path: string, json?: unknown) =>
        call(server.controlUrl, method, path, json === undefined ? {} : { json });
      const added = await control("POST", "/faults", {
        kind: "status",
        path: "/runs/get",
        status: 504,
        times: 2,
      });
      assert.equal(added.status, 200);
      assert.equal(typeof added.json.id, "string");
      const listed = await control("GET", "/faults");
      assert.deepEqual(listed.json.faults, [
        { id: added.json.id, kind: "status", path: "/runs/get", remaining: 2, hits: 0 },
      ]);
      const hit = await http.get(`${API}/runs/get?run_id=${runId}`);
      assert.equal(hit.status, 504);
      assert.equal((await control("GET", "/faults")).json.faults[0].remaining, 1);
      assert.equal((await control("DELETE", "/faults")).status, 200);
      assert.equal((await http.get(`${API}/runs/get?run_id=${runId}`)).status, 200);
    });

    test("bad rules and switches are refused with 400 naming the problem", async () => {
      const badKind = await call(server.controlUrl, "POST", "/faults", {
        json: { kind: "explode", path: "x" },
      });
      assert.equal(badKind.status, 400);
      assert.match(badKind.json.error, /"kind" must be one of/);
      const badSwitch = await call(server.controlUrl, "PATCH", "/switches", {
        json: { latestAlias: "sometimes" },
      });
      assert.equal(badSwitch.status, 400);
      assert.match(badSwitch.json.error, /latestAlias/);
    });

    test("switches and version statuses over HTTP", async () => {
      const patched = await call(server.controlUrl, "PATCH", "/switches", {
        json: { int64AsStrings: true },
      });
      assert.equal(patched.json.switches.int64AsStrings, true);
      const mv = await http.get(`${API}/model-versions/get?name=iris&version=1`);
      assert.equal(typeof mv.json.model_version.creation_timestamp, "string");
      await call(server.controlUrl, "PATCH", "/switches", { json: { int64AsStrings: false } });
      const status = await call(server.controlUrl, "POST", "/model-version-status", {
        json: { name: "iris", version: "2", status: "FAILED_REGISTRATION", status_message: "boom" },
      });
      assert.equal(status.status, 200);
      const failed = await http.get(`${API}/model-versions/get?name=iris&version=2`);
      assert.deepEqual(
        [failed.json.model_version.status, failed.json.model_version.status_message],
        ["FAILED_REGISTRATION", "boom"],
      );
      server.setModelVersionStatus("iris", "2", "READY");
    });

    test("the request log over HTTP lists MLflow requests only", async () => {
      await call(server.controlUrl, "DELETE", "/requests");
      await http.get("/health");
      await call(server.controlUrl, "GET", "/faults");
      const log = await call(server.controlUrl, "GET", "/requests");
      assert.deepEqual(
        log.json.requests.map((e: { method: string; path: string; status: number }) => [
          e.method,
          e.path,
          e.status,
        ]),
        [["GET", "/health", 200]],
      );
    });
  });
});
