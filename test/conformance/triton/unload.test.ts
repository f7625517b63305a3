// triton-contract.md §1.9 and §8.7: unload.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  http,
  index,
  irisInferBody,
  irisRepo,
  metricsText,
  modelSeries,
  serveExplicit,
  unload,
  until,
} from "./helpers";

describe("§1.9 POST …/unload", () => {
  test("returns 200 right away without waiting for in-flight requests: UNLOADING, then UNAVAILABLE/unloaded", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    h.setLatency("iris", undefined, 400);
    const inflight = http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: irisInferBody() });
    await until(() => h.inflightRequests("iris") === 1);
    const res = await unload(h, "iris");
    assert.equal(res.status, 200);
    assert.equal(res.text, "");
    assert.deepEqual(await index(h), [{ name: "iris", version: "1", state: "UNLOADING" }]);
    assert.equal(
      (await http("GET", `${h.httpUrl}/v2/health/ready`)).status,
      400,
      "UNLOADING is not ready",
    );
    const after = await http("POST", `${h.httpUrl}/v2/models/iris/infer`, {
      body: irisInferBody(),
    });
    assert.equal(after.status, 404, "new requests are refused while draining");
    assert.equal((await inflight).status, 200, "the in-flight request completes");
    await until(async () => (await index(h))[0]?.state === "UNAVAILABLE");
    assert.deepEqual(await index(h), [
      { name: "iris", version: "1", state: "UNAVAILABLE", reason: "unloaded" },
    ]);
    assert.equal((await http("GET", `${h.httpUrl}/v2/health/ready`)).status, 200);
  });

  test("an unknown or never-loaded model: 200", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), []);
    assert.equal((await unload(h, "nope")).status, 200);
    assert.equal((await unload(h, "iris")).status, 200);
    assert.deepEqual(await index(h), [{ name: "iris" }]);
  });

  test("the version's metrics series disappear", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    assert.notDeepEqual(modelSeries(await metricsText(h), "iris"), []);
    await unload(h, "iris");
    await until(async () => modelSeries(await metricsText(h), "iris").length === 0);
    assert.deepEqual(modelSeries(await metricsText(h), "iris"), []);
  });

  test("unload_dependents is accepted as a boolean; any other value is 500", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    const bad = await unload(h, "iris", { parameters: { unload_dependents: "yes" } });
    assert.equal(bad.status, 500);
    assert.deepEqual(bad.json(), {
      error: "Unable to parse 'unload_dependents': attempt to access JSON non-boolean as boolean",
    });
    assert.equal(
      (await unload(h, "iris", { parameters: { unload_dependents: true } })).status,
      200,
    );
  });
});
