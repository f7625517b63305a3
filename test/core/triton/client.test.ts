import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { TritonClient, TritonError, waitForModelReady } from "../../../src/core/triton";
import {
  onnxConfig,
  startTritonServer,
  writeModelDir,
  type TritonHandle,
} from "../../support/triton";
import { expectedIrisOutput, irisModel } from "../../support/onnx/fixtures";
import { fakeClock } from "../http/scripted-server";

const KEY = { header: "admin-key", value: "s3cret-value" };
const FEATURES = [5.1, 3.5, 1.4, 0.2];

/** The load override for iris pinned to one version (protobuf-JSON field names). */
function irisConfig(version: number): Record<string, unknown> {
  return {
    name: "iris",
    platform: "onnxruntime_onnx",
    max_batch_size: 0,
    input: [{ name: "input", data_type: "TYPE_FP32", dims: [1, 4] }],
    output: [{ name: "probabilities", data_type: "TYPE_FP32", dims: [1, 3] }],
    version_policy: { specific: { versions: [version] } },
  };
}

async function rejection(p: Promise<unknown>): Promise<TritonError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof TritonError, `expected a TritonError, got ${String(err)}`);
  return err;
}

function assertClose(actual: unknown[] | undefined, expected: ArrayLike<number>): void {
  assert.ok(actual);
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) =>
    assert.ok(Math.abs(Number(v) - (expected[i] ?? NaN)) < 1e-5, `element ${i}: ${String(v)}`),
  );
}

interface Rig {
  server: TritonHandle;
  client: TritonClient;
  repo: string;
}

async function rig(legacyStatusCodes: boolean): Promise<Rig> {
  const repo = mkdtempSync(join(tmpdir(), "triton-client-"));
  writeModelDir(repo, "iris", {
    config: onnxConfig("iris"),
    versions: { "1": irisModel({ variant: 1 }), "2": irisModel({ variant: 2 }) },
  });
  const server = await startTritonServer({
    modelRepository: repo,
    modelControlMode: "explicit",
    httpRestrictedApi: [`model-repository,model-config:${KEY.header}=${KEY.value}`],
    legacyStatusCodes,
  });
  const client = new TritonClient({ baseUrl: server.httpUrl, timeoutMs: 5000, restrictedApi: KEY });
  return { server, client, repo };
}

async function teardown(r: Rig): Promise<void> {
  await r.client.close();
  await r.server.stop();
  rmSync(r.repo, { recursive: true, force: true });
}

void describe("TritonClient against the Triton test server (24.01+ status codes)", () => {
  let r: Rig;
  before(async () => {
    r = await rig(false);
  });
  after(async () => {
    await teardown(r);
  });

  void test("health and server metadata", async () => {
    assert.equal(await r.client.isLive(), true);
    assert.equal(await r.client.isReady(), true);
    const meta = await r.client.serverMetadata();
    assert.equal(meta.name, "triton");
    assert.ok(meta.extensions.includes("model_repository"));
  });

  void test("the restricted API needs the header; the secret never shows in the error", async () => {
    const bare = new TritonClient({ baseUrl: r.server.httpUrl, timeoutMs: 5000 });
    try {
      const err = await rejection(bare.load("iris"));
      assert.equal(err.code, "RESTRICTED");
      assert.equal(err.status, 403);
      assert.equal(err.tritonMessage, "This API is restricted, expecting header 'admin-key'");
      assert.equal(
        err.message,
        `Triton load of model "iris" failed: HTTP 403: This API is restricted, expecting header 'admin-key' (POST ${r.server.httpUrl}/v2/repository/models/iris/load); the restricted API needs the admin header's value: set TRITON_API_KEY (the stack's secret tritonApiKey) to the key this Triton was started with`,
      );
      assert.doesNotMatch(err.message, /s3cret/);
      assert.equal((await rejection(bare.repositoryIndex())).code, "RESTRICTED");
      assert.equal((await rejection(bare.modelConfig("iris"))).code, "RESTRICTED");
      // Health stays open for probes.
      assert.equal(await bare.isLive(), true);
    } finally {
      await bare.close();
    }
  });

  void test("index, load with a config override, version readiness, metadata, config, infer", async () => {
    assert.deepEqual(await r.client.repositoryIndex(), [{ name: "iris" }]);

    await r.client.load("iris", { config: irisConfig(1) });
    assert.deepEqual(await r.client.repositoryIndex({ ready: true }), [
      { name: "iris", version: "1", state: "READY" },
    ]);
    assert.equal(await r.client.modelReady("iris"), true);
    assert.equal(await r.client.modelReady("iris", 1), true);
    assert.equal(await r.client.modelReady("iris", 2), false);
    assert.deepEqual(await r.client.modelReadiness("iris", 2), {
      ready: false,
      status: 404,
      reason: "Request for unknown model: 'iris' version 2 is not found",
    });

    assert.deepEqual(await r.client.modelMetadata("iris"), {
      name: "iris",
      versions: ["1"],
      platform: "onnxruntime_onnx",
      inputs: [{ name: "input", datatype: "FP32", shape: [1, 4] }],
      outputs: [{ name: "probabilities", datatype: "FP32", shape: [1, 3] }],
    });
    const config = await r.client.modelConfig("iris", 1);
    assert.equal(config.name, "iris");
    assert.equal(config.max_batch_size, 0);
    assert.deepEqual(config.version_policy, { specific: { versions: [1] } });

    const result = await r.client.infer(
      "iris",
      1,
      [{ name: "input", datatype: "FP32", shape: [1, 4], data: FEATURES }],
      {
        id: "smoke-1",
      },
    );
    assert.equal(result.modelName, "iris");
    assert.equal(result.modelVersion, "1");
    assert.equal(result.id, "smoke-1");
    assert.equal(result.outputs.length, 1);
    assert.equal(result.outputs[0]?.name, "probabilities");
    assert.equal(result.outputs[0]?.datatype, "FP32");
    assert.deepEqual(result.outputs[0]?.shape, [1, 3]);
    assertClose(result.outputs[0]?.data, expectedIrisOutput(FEATURES, 1));

    // A reload pinned to version 2 swaps versions; an unversioned request is answered by 2.
    await r.client.load("iris", { config: irisConfig(2) });
    const swapped = await r.client.infer("iris", undefined, [
      { name: "input", datatype: "FP32", shape: [1, 4], data: FEATURES },
    ]);
    assert.equal(swapped.modelVersion, "2");
    assertClose(swapped.outputs[0]?.data, expectedIrisOutput(FEATURES, 2));
  });

  void test("inference errors carry Triton's text", async () => {
    await r.client.load("iris", { config: irisConfig(2) });
    await r.client.load("iris", { config: irisConfig(1) });
    const shape = await rejection(
      r.client.infer("iris", 1, [{ name: "input", datatype: "FP32", shape: [4], data: FEATURES }]),
    );
    assert.equal(shape.code, "INVALID_ARG");
    assert.equal(shape.status, 400);
    assert.equal(
      shape.tritonMessage,
      "[request id: <id_unknown>] unexpected shape for input 'input' for model 'iris'. Expected [1,4], got [4]. ",
    );
    const notReady = await rejection(
      r.client.infer("iris", 2, [
        { name: "input", datatype: "FP32", shape: [1, 4], data: FEATURES },
      ]),
    );
    // Version 2 was served before the reload pinned 1: it exists, so it is "not ready", not unknown.
    assert.equal(notReady.code, "UNAVAILABLE");
    assert.equal(notReady.status, 503);
    assert.equal(
      notReady.tritonMessage,
      "Request for unknown model: 'iris' version 2 is not at ready state",
    );
    const never = await rejection(
      r.client.infer("iris", 7, [
        { name: "input", datatype: "FP32", shape: [1, 4], data: FEATURES },
      ]),
    );
    assert.equal(never.code, "NOT_FOUND");
    assert.equal(never.status, 404);
    assert.equal(never.tritonMessage, "Request for unknown model: 'iris' version 7 is not found");
  });

  void test("load failures: backend 400 with Triton's text, missing directory 500", async () => {
    r.server.failLoad("iris", 2, {
      code: "INVALID_ARG",
      message: "the model expects 2 dimensions",
    });
    try {
      const err = await rejection(r.client.load("iris", { config: irisConfig(2) }));
      assert.equal(err.code, "INVALID_ARG");
      assert.equal(err.status, 400);
      assert.match(
        err.tritonMessage ?? "",
        /^load failed for model 'iris': version 2 is at UNAVAILABLE state: Invalid argument: the model expects 2 dimensions;/,
      );
      // Strict readiness (Triton's default): one failed new version makes the server unready.
      assert.equal(await r.client.isReady(), false);
    } finally {
      r.server.resetControls();
    }
    const missing = await rejection(r.client.load("nope"));
    assert.equal(missing.code, "INTERNAL");
    assert.equal(missing.status, 500);
    assert.equal(
      missing.tritonMessage,
      "failed to load 'nope', failed to poll from model repository",
    );
  });

  void test("file overrides need a config; bad names and versions never reach the server", async () => {
    await assert.rejects(r.client.load("iris", { files: { "1/model.onnx": irisModel() } }), {
      message:
        'loading "iris" with file overrides needs a config too: Triton rejects file: parameters without one (triton-contract.md §1.8)',
    });
    await assert.rejects(r.client.modelReady("a/b"), {
      message: 'invalid Triton model name "a/b": it must be non-empty and contain no "/"',
    });
    await assert.rejects(r.client.modelReady("iris", "v1"), {
      message: 'invalid Triton model version "v1" for "iris": expected digits',
    });
  });

  void test("a load from file overrides serves those bytes", async () => {
    await r.client.load("iris_override", {
      config: { ...irisConfig(1), name: "iris_override" },
      files: { "1/model.onnx": irisModel({ variant: 3 }) },
    });
    const result = await r.client.infer("iris_override", 1, [
      { name: "input", datatype: "FP32", shape: [1, 4], data: FEATURES },
    ]);
    assertClose(result.outputs[0]?.data, expectedIrisOutput(FEATURES, 3));
    await r.client.unload("iris_override");
  });

  void test("unload, then waitForModelReady gives up at its deadline with Triton's last answer", async () => {
    await r.client.load("iris", { config: irisConfig(1) });
    await r.client.unload("iris");
    const fake = fakeClock();
    const err = await rejection(
      waitForModelReady(r.client, "iris", 1, {
        timeoutMs: 1000,
        intervalMs: 250,
        clock: fake.clock,
      }),
    );
    assert.equal(err.code, "UNAVAILABLE");
    assert.equal(
      err.message,
      `model "iris" version 1 was not ready on ${r.server.httpUrl}/ within 1000 ms after 5 polls (last answer: HTTP ${err.status} ${err.tritonMessage})`,
    );
    assert.deepEqual(fake.sleeps, [250, 250, 250, 250]);
    assert.match(err.tritonMessage ?? "", /^Request for unknown model: 'iris'/);
  });

  void test("waitForModelReady returns once a slow load finishes", async () => {
    r.server.setLoadDelay("iris", undefined, 300);
    try {
      const loading = r.client.load("iris", { config: irisConfig(1) });
      const waited = await waitForModelReady(r.client, "iris", 1, {
        timeoutMs: 5000,
        intervalMs: 25,
      });
      assert.ok(waited.polls > 1, `expected several polls, got ${waited.polls}`);
      await loading;
    } finally {
      r.server.resetControls();
    }
  });

  void test("every call has a timeout: a load slower than its timeout fails with TIMEOUT", async () => {
    r.server.setLoadDelay("iris", undefined, 2000);
    try {
      const err = await rejection(r.client.load("iris", { config: irisConfig(2), timeoutMs: 150 }));
      assert.equal(err.code, "TIMEOUT");
      assert.equal(
        err.message,
        `Triton load of model "iris" failed: POST ${r.server.httpUrl}/v2/repository/models/iris/load timed out after 150 ms`,
      );
    } finally {
      r.server.resetControls();
    }
  });
});

void describe("TritonClient against a pre-24.01 server (every core error is 400)", () => {
  let r: Rig;
  before(async () => {
    r = await rig(true);
  });
  after(async () => {
    await teardown(r);
  });

  void test("errors are classified by their text", async () => {
    const unknown = await rejection(r.client.modelMetadata("nope"));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.code, "NOT_FOUND");

    const missingDir = await rejection(r.client.load("nope"));
    assert.equal(missingDir.status, 400);
    assert.equal(missingDir.code, "INTERNAL");
    assert.equal(
      missingDir.tritonMessage,
      "failed to load 'nope', failed to poll from model repository",
    );

    await r.client.load("iris", { config: irisConfig(1) });
    r.server.setLoadDelay("iris", 2, 1000);
    const loading = r.client.load("iris", {
      config: { ...irisConfig(2), version_policy: { specific: { versions: [1, 2] } } },
    });
    try {
      // While version 2 loads it exists but is not ready: 503 after 24.01, 400 before.
      let readiness = await r.client.modelReadiness("iris", 2);
      for (let i = 0; i < 100 && readiness.status === 404; i++) {
        readiness = await r.client.modelReadiness("iris", 2);
      }
      assert.equal(readiness.ready, false);
      assert.equal(readiness.status, 400);
      assert.equal(
        readiness.reason,
        "Request for unknown model: 'iris' version 2 is not at ready state",
      );
      const notReady = await rejection(
        r.client.infer("iris", 2, [
          { name: "input", datatype: "FP32", shape: [1, 4], data: FEATURES },
        ]),
      );
      assert.equal(notReady.status, 400);
      assert.equal(notReady.code, "UNAVAILABLE");
    } finally {
      await loading;
      r.server.resetControls();
    }
    assert.equal(await r.client.modelReady("iris", 2), true);
  });
});
