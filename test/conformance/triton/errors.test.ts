// triton-contract.md §0 and §8.1: the error envelope and the status mapping.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { join } from "node:path";
import { irisModel } from "../../support/onnx/fixtures";
import { writeVersion } from "../../support/triton/repository-fixture";
import { http, irisInferBody, irisRepo, load, serve, serveExplicit } from "./helpers";

describe("§0 error envelope and status mapping (≥ 24.01)", () => {
  test('an unknown path is 404 {"error":"Not Found"}, including a trailing slash and a non-numeric version', async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    for (const path of [
      "/v2/notapi",
      "/v2/repository/models/iris/load/",
      "/v2/models/iris/versions/latest",
      "/v2/models/iris/versions/1/bogus",
    ]) {
      const res = await http("POST", `${h.httpUrl}${path}`);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.json(), { error: "Not Found" }, path);
      assert.equal(res.headers["content-type"], "application/json", path);
    }
  });

  test('a wrong method is 405 {"error":"Method Not Allowed"}', async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    const cases: [string, "GET" | "POST"][] = [
      ["/v2/repository/index", "GET"],
      ["/v2/repository/models/iris/load", "GET"],
      ["/v2/models/iris/infer", "GET"],
      ["/v2/health/ready", "POST"],
      ["/v2/models/iris", "POST"],
    ];
    for (const [path, method] of cases) {
      const res = await http(method, `${h.httpUrl}${path}`);
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.deepEqual(res.json(), { error: "Method Not Allowed" });
    }
  });

  test("an unknown model is 404 with the GetModel text; a version not ready is 503", async (t) => {
    const root = irisRepo(t);
    const h = await serveExplicit(t, root, ["iris"]);
    const unknown = await http("GET", `${h.httpUrl}/v2/models/nope`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json(), { error: "Request for unknown model: 'nope' is not found" });
    h.failLoad("iris", 2, { code: "INTERNAL", message: "boom" });
    writeVersion(join(root, "iris"), 2, irisModel());
    assert.equal((await load(h, "iris")).status, 400);
    const notReady = await http("GET", `${h.httpUrl}/v2/models/iris/versions/2`);
    assert.equal(notReady.status, 503);
    assert.deepEqual(notReady.json(), {
      error: "Request for unknown model: 'iris' version 2 is not at ready state",
    });
  });

  test("malformed JSON is 500 'failed to parse the request JSON buffer: … at <offset>'", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    const res = await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: '{"inputs": [' });
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), {
      error: "failed to parse the request JSON buffer: Invalid value. at 12",
    });
    const idx = await http("POST", `${h.httpUrl}/v2/repository/index`, { body: "{" });
    assert.equal(idx.status, 500);
    assert.deepEqual(idx.json(), {
      error: "failed to parse the request JSON buffer: Missing a name for object member. at 1",
    });
  });

  test("a structural request error inside the frontend is 500 ('Unable to parse …')", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    const res = await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: { outputs: [] } });
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), {
      error: "Unable to parse 'inputs': attempt to access non-existing object member 'inputs'",
    });
  });

  test("bad input is 400 and a repository name in the path is 501", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    const bad = await http("POST", `${h.httpUrl}/v2/models/iris/infer`, {
      body: { inputs: [{ name: "input", shape: [4], datatype: "FP32", data: [1, 2, 3, 4] }] },
    });
    assert.equal(bad.status, 400);
    const repo = await http("POST", `${h.httpUrl}/v2/repository/other/models/iris/load`);
    assert.equal(repo.status, 501);
    assert.deepEqual(repo.json(), { error: "'repository_name' specification is not supported" });
  });
});

describe("§0 pre-24.01 mode (legacyStatusCodes): every core error is 400", () => {
  test("unknown model, load under none, internal errors all answer 400 with the same texts", async (t) => {
    const root = irisRepo(t);
    const h = await serve(t, { modelRepository: root, legacyStatusCodes: true });
    const unknown = await http("GET", `${h.httpUrl}/v2/models/nope`);
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.json(), { error: "Request for unknown model: 'nope' is not found" });
    const l = await load(h, "iris");
    assert.equal(l.status, 400);
    assert.deepEqual(l.json(), {
      error: "explicit model load / unload is not allowed if polling is enabled",
    });
    const parse = await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: "[" });
    assert.equal(parse.status, 400);
    // Frontend-level statuses are not core errors: they keep their codes.
    assert.equal((await http("GET", `${h.httpUrl}/v2/notapi`)).status, 404);
    assert.equal((await http("GET", `${h.httpUrl}/v2/models/iris/infer`)).status, 405);
    const ok = await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: irisInferBody() });
    assert.equal(ok.status, 200);
  });
});
