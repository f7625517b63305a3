// triton-contract.md §1.7 and §8.4: the repository index.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { irisModel } from "../../support/onnx/fixtures";
import { onnxConfig, writeModelDir } from "../../support/triton/repository-fixture";
import {
  http,
  index,
  irisRepo,
  load,
  serve,
  serveExplicit,
  tempRepo,
  unload,
  until,
} from "./helpers";

describe("§1.7 POST /v2/repository/index", () => {
  test("every subdirectory appears; never-loaded ones as {name} only; loaded ones per version without an empty reason", async (t) => {
    const root = irisRepo(t, [1]);
    mkdirSync(join(root, "not_a_model"));
    writeModelDir(root, "other", { config: onnxConfig("other"), versions: { "1": irisModel() } });
    const h = await serveExplicit(t, root, ["iris"]);
    const res = await http("POST", `${h.httpUrl}/v2/repository/index`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), [
      { name: "iris", version: "1", state: "READY" },
      { name: "not_a_model" },
      { name: "other" },
    ]);
  });

  test('{"ready":true} keeps READY entries only; a non-boolean is 400; GET is 405', async (t) => {
    const root = irisRepo(t, [1]);
    writeModelDir(root, "other", { config: onnxConfig("other"), versions: { "1": irisModel() } });
    const h = await serveExplicit(t, root, ["iris"]);
    assert.deepEqual(await index(h, { ready: true }), [
      { name: "iris", version: "1", state: "READY" },
    ]);
    const bad = await http("POST", `${h.httpUrl}/v2/repository/index`, { body: { ready: "yes" } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json(), { error: "Invalid value for 'ready': expected a boolean" });
    assert.equal((await http("GET", `${h.httpUrl}/v2/repository/index`)).status, 405);
  });

  test("reason is 'unloaded' after an unload (UNLOADING first, then UNAVAILABLE)", async (t) => {
    const h = await serveExplicit(t, irisRepo(t, [1]), ["iris"]);
    await unload(h, "iris");
    await until(async () => (await index(h))[0]?.state === "UNAVAILABLE");
    assert.deepEqual(await index(h), [
      { name: "iris", version: "1", state: "UNAVAILABLE", reason: "unloaded" },
    ]);
  });

  test("reason is '<Code>: <msg>' after a failed load", async (t) => {
    const root = tempRepo(t);
    writeModelDir(root, "m", {
      config: onnxConfig("m", { inputDims: [4] }),
      versions: { "1": irisModel() },
    });
    const h = await serveExplicit(t, root, []);
    assert.equal((await load(h, "m")).status, 400);
    assert.deepEqual(await index(h), [
      {
        name: "m",
        version: "1",
        state: "UNAVAILABLE",
        reason:
          "Invalid argument: model 'm', tensor 'input': the model expects 2 dimensions (shape [1,4]) but the model configuration specifies 1 dimensions (shape [4])",
      },
    ]);
  });

  test("a model in two repositories shows the duplicate reason and no version", async (t) => {
    const a = irisRepo(t, [1]);
    const b = irisRepo(t, [1]);
    const h = await serve(t, { modelRepository: [a, b], modelControlMode: "explicit" });
    assert.deepEqual(await index(h), [
      { name: "iris", state: "UNAVAILABLE", reason: "model appears in two or more repositories" },
    ]);
    const res = await load(h, "iris");
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), {
      error: "failed to load 'iris', failed to poll from model repository",
    });
  });

  test("a model loaded only through a file: override, with no directory, never appears", async (t) => {
    const root = tempRepo(t);
    const h = await serveExplicit(t, root, []);
    const config = JSON.stringify({
      name: "ghost",
      backend: "onnxruntime",
      input: [{ name: "input", data_type: "TYPE_FP32", dims: [1, 4] }],
      output: [{ name: "probabilities", data_type: "TYPE_FP32", dims: [1, 3] }],
    });
    const res = await load(h, "ghost", {
      parameters: { config, "file:1/model.onnx": Buffer.from(irisModel()).toString("base64") },
    });
    assert.equal(res.status, 200);
    assert.equal((await http("GET", `${h.httpUrl}/v2/models/ghost/ready`)).status, 200);
    assert.deepEqual(await index(h), []);
  });
});
