// triton-contract.md §4: restricted APIs (--http-restricted-api).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startTritonServer } from "../../support/triton/server";
import { http, irisInferBody, irisRepo, serveExplicit, tempRepo } from "./helpers";

const RESTRICT = ["model-repository,model-config:admin-key=s3cret"];

describe("§4 restricted APIs", () => {
  test("without the header, or with another value: 403 'This API is restricted, expecting header …'", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"], { httpRestrictedApi: RESTRICT });
    const expected = { error: "This API is restricted, expecting header 'admin-key'" };
    for (const [method, path] of [
      ["POST", "/v2/repository/index"],
      ["POST", "/v2/repository/models/iris/load"],
      ["POST", "/v2/repository/models/iris/unload"],
      ["GET", "/v2/models/iris/config"],
    ] as const) {
      const missing = await http(method, `${h.httpUrl}${path}`);
      assert.deepEqual([missing.status, missing.json()], [403, expected], `${method} ${path}`);
      const wrong = await http(method, `${h.httpUrl}${path}`, { headers: { "admin-key": "nope" } });
      assert.deepEqual(
        [wrong.status, wrong.json()],
        [403, expected],
        `${method} ${path} (wrong value)`,
      );
    }
    const ok = await http("POST", `${h.httpUrl}/v2/repository/index`, {
      headers: { "admin-key": "s3cret" },
    });
    assert.equal(ok.status, 200);
    const cfg = await http("GET", `${h.httpUrl}/v2/models/iris/config`, {
      headers: { "admin-key": "s3cret" },
    });
    assert.equal(cfg.status, 200);
  });

  test("the restriction is checked before the method: GET on load without the header is 403, not 405", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"], { httpRestrictedApi: RESTRICT });
    assert.equal((await http("GET", `${h.httpUrl}/v2/repository/models/iris/load`)).status, 403);
    const withKey = await http("GET", `${h.httpUrl}/v2/repository/models/iris/load`, {
      headers: { "admin-key": "s3cret" },
    });
    assert.equal(withKey.status, 405);
  });

  test("unrestricted categories stay open (health for probes, inference, metadata); the metrics port has no restriction", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"], { httpRestrictedApi: RESTRICT });
    assert.equal((await http("GET", `${h.httpUrl}/v2/health/ready`)).status, 200);
    assert.equal((await http("GET", `${h.httpUrl}/v2/models/iris/ready`)).status, 200);
    assert.equal((await http("GET", `${h.httpUrl}/v2/models/iris`)).status, 200);
    assert.equal(
      (await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: irisInferBody() })).status,
      200,
    );
    assert.equal((await http("GET", `${h.metricsUrl!}/metrics`)).status, 200);
  });

  test("restricting health covers /v2/models/{m}/ready too (probes then get 403)", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"], { httpRestrictedApi: ["health:k=v"] });
    assert.equal((await http("GET", `${h.httpUrl}/v2/health/live`)).status, 403);
    assert.equal((await http("GET", `${h.httpUrl}/v2/models/iris/ready`)).status, 403);
    assert.equal(
      (await http("GET", `${h.httpUrl}/v2/health/live`, { headers: { k: "v" } })).status,
      200,
    );
  });

  test("flag errors: an unknown category, a category in two groups", async (t) => {
    const root = tempRepo(t);
    await assert.rejects(
      startTritonServer({ modelRepository: root, httpRestrictedApi: ["admin:k=v"] }),
      {
        message: "unknown restricted api 'admin' ",
      },
    );
    await assert.rejects(
      startTritonServer({
        modelRepository: root,
        httpRestrictedApi: ["health:a=1", "metadata,health:b=2"],
      }),
      { message: "restricted api 'health' can not be specified in multiple config groups" },
    );
  });
});
