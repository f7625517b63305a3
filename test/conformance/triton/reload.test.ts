// triton-contract.md §2.2 and §8.6: a failed reload keeps the old version serving (and flips
// strict readiness); a successful reload has no gap for version-less requests; unload+load does.
import assert from "node:assert/strict";
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { corruptModel, expectedIrisOutput, irisModel } from "../../support/onnx/fixtures";
import { writeVersion } from "../../support/triton/repository-fixture";
import type { TritonHandle } from "../../support/triton/server";
import {
  IRIS_INPUT,
  assertClose,
  http,
  index,
  irisInferBody,
  irisRepo,
  load,
  serveExplicit,
  unload,
  until,
} from "./helpers";

async function infer(h: TritonHandle, version?: number) {
  const path =
    version === undefined ? "/v2/models/iris/infer" : `/v2/models/iris/versions/${version}/infer`;
  return http("POST", `${h.httpUrl}${path}`, { body: irisInferBody() });
}

/** Fires version-less requests back to back until `done` settles; returns every response. */
async function hammer(
  h: TritonHandle,
  done: Promise<unknown>,
): Promise<{ status: number; version?: string }[]> {
  const results: { status: number; version?: string }[] = [];
  let finished = false;
  void done.finally(() => (finished = true));
  const worker = async () => {
    while (!finished) {
      const res = await infer(h);
      results.push({
        status: res.status,
        version: res.status === 200 ? res.json().model_version : undefined,
      });
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return results;
}

describe("§2.2 a failed reload", () => {
  test("of a new version: 400, the old version stays READY and serves, the failed one is UNAVAILABLE, ready is 400", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    h.failLoad("iris", 2, { code: "INTERNAL", message: "GPU instances not supported" });
    writeVersion(join(root, "iris"), 2, irisModel({ variant: 2 }));
    const res = await load(h, "iris");
    assert.equal(res.status, 400);
    assert.deepEqual(res.json(), {
      error:
        "load failed for model 'iris': version 2 is at UNAVAILABLE state: Internal: GPU instances not supported;\n",
    });
    assert.deepEqual(await index(h), [
      { name: "iris", version: "1", state: "READY" },
      {
        name: "iris",
        version: "2",
        state: "UNAVAILABLE",
        reason: "Internal: GPU instances not supported",
      },
    ]);
    const served = await infer(h);
    assert.equal(served.status, 200);
    assert.equal(served.json().model_version, "1");
    assertClose(served.json().outputs[0].data, expectedIrisOutput(IRIS_INPUT, 1));
    assert.equal((await http("GET", `${h.httpUrl}/v2/health/ready`)).status, 400);
  });

  test("of a new version whose file is corrupt: the ORT error is the reason", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    writeVersion(join(root, "iris"), 2, corruptModel());
    const res = await load(h, "iris");
    assert.equal(res.status, 400);
    assert.match(
      res.json().error,
      /^load failed for model 'iris': version 2 is at UNAVAILABLE state: Internal: onnx runtime error \d+: .+;\n$/,
    );
    assert.equal((await infer(h)).json().model_version, "1");
  });

  test("of the READY version itself: the old instance keeps serving and readiness is unaffected", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    const file = join(root, "iris", "1", "model.onnx");
    writeFileSync(file, corruptModel());
    utimesSync(file, new Date(), new Date(Date.now() + 60_000));
    assert.equal((await load(h, "iris")).status, 400);
    assert.deepEqual(await index(h), [{ name: "iris", version: "1", state: "READY" }]);
    assertClose((await infer(h)).json().outputs[0].data, expectedIrisOutput(IRIS_INPUT, 1));
    assert.equal((await http("GET", `${h.httpUrl}/v2/health/ready`)).status, 200);
  });
});

describe("§2.2 a successful reload", () => {
  test("adding a version: version-less requests see no 404/503 window; they move from 1 to 2 once", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    h.setLoadDelay("iris", 2, 300);
    writeVersion(join(root, "iris"), 2, irisModel({ variant: 2 }));
    h.clearRequestLog();
    const loading = load(h, "iris");
    const results = await hammer(h, loading);
    assert.equal((await loading).status, 200);
    const after = await infer(h);
    assert.equal(after.json().model_version, "2");
    assert.ok(results.length > 10, `only ${results.length} requests during the reload`);
    assert.deepEqual(
      results.filter((r) => r.status !== 200),
      [],
      "no request failed during the reload",
    );
    const versions = results.map((r) => r.version);
    const firstTwo = versions.indexOf("2");
    assert.ok(versions.slice(0, firstTwo === -1 ? undefined : firstTwo).every((v) => v === "1"));
    if (firstTwo !== -1) assert.ok(versions.slice(firstTwo).every((v) => v === "2"));
    // The request log tells the same story, server-side.
    const log = h.requestLog();
    assert.equal(log.length, results.length + 1);
    assert.ok(log.every((e) => e.status === 200 && e.requestedVersion === undefined));
    assert.deepEqual(await index(h), [
      { name: "iris", version: "1", state: "UNAVAILABLE", reason: "unloaded" },
      { name: "iris", version: "2", state: "READY" },
    ]);
  });

  test("of the same version: built in the background, the old instance serves until the swap", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    h.setLoadDelay("iris", 1, 300);
    const file = join(root, "iris", "1", "model.onnx");
    writeFileSync(file, irisModel({ variant: 5 }));
    utimesSync(file, new Date(), new Date(Date.now() + 60_000));
    const loading = load(h, "iris");
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await index(h), [{ name: "iris", version: "1", state: "READY" }]);
    assertClose((await infer(h)).json().outputs[0].data, expectedIrisOutput(IRIS_INPUT, 1));
    const results = await hammer(h, loading);
    assert.deepEqual(
      results.filter((r) => r.status !== 200),
      [],
    );
    assert.equal((await loading).status, 200);
    assertClose((await infer(h)).json().outputs[0].data, expectedIrisOutput(IRIS_INPUT, 5));
  });

  test("a request pinned to the superseded version gets 503", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    writeVersion(join(root, "iris"), 2, irisModel({ variant: 2 }));
    assert.equal((await load(h, "iris")).status, 200);
    await until(async () => (await index(h))[0]?.state === "UNAVAILABLE");
    const pinned = await infer(h, 1);
    assert.equal(pinned.status, 503);
    assert.deepEqual(pinned.json(), {
      error: "Request for unknown model: 'iris' version 1 is not at ready state",
    });
    assert.deepEqual(h.requestLog().at(-1), {
      atMs: h.requestLog().at(-1)!.atMs,
      model: "iris",
      requestedVersion: 1,
      servedVersion: undefined,
      status: 503,
    });
  });
});

describe("§2.2 unload followed by load is not atomic", () => {
  test("between the two calls version-less requests get 404", async (t) => {
    const h = await serveExplicit(t, irisRepo(t, [1]), ["iris"]);
    assert.equal((await unload(h, "iris")).status, 200);
    await until(async () => (await infer(h)).status === 404);
    const gap = await infer(h);
    assert.deepEqual(gap.json(), {
      error: "Request for unknown model: 'iris' has no available versions",
    });
    assert.equal((await load(h, "iris")).status, 200);
    assert.equal((await infer(h)).status, 200);
  });
});
