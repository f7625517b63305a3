// Each step failing in turn: every failure leaves invariants 1 and 2 true (current.json unchanged
// byte for byte, Triton serving the committed version), the candidate quarantined as
// failed_<v>_<UTC>, a history line, and the exact error message.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  DeploymentError,
  deployModel,
  readHistory,
  type DeployRequest,
  type DeploymentStep,
} from "../../../src/core";
import {
  batchableModel,
  corruptModel,
  expectedIrisOutput,
  irisModel,
  outputShapeChangedModel,
} from "../../support/onnx/fixtures";
import {
  currentBytes,
  irisRequest,
  listDir,
  MODEL,
  publish,
  readyVersions,
  startBench,
  type Bench,
} from "./harness";

const AT = new Date("2026-11-22T01:02:03.000Z");
const clock = () => AT;
const GOLDEN_INPUT = [5.1, 3.5, 1.4, 0.2];
// The value onnxruntime computes differs from the JS reference in the last float32 bits.
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

void describe("deployModel: each step failing in turn rolls back", () => {
  let bench: Bench;
  let committed: string;
  let endpoint: string;

  before(async () => {
    bench = await startBench({ readyMs: 1500 });
    endpoint = bench.tritons[0]!.httpUrl;
    const v1 = await publish(bench, irisModel({ variant: 1 }));
    committed = v1.version;
    await deployModel(bench.env, irisRequest(committed));
  });
  after(async () => {
    await bench.close();
  });

  /** Deploy, expect a rollback at `step` with exactly `message`, and check the invariants. */
  async function expectRollback(
    request: DeployRequest,
    step: DeploymentStep,
    cause: string | RegExp,
    options: { quarantined?: boolean; onProgress?: Parameters<typeof deployModel>[2] } = {},
  ): Promise<void> {
    const currentBefore = await currentBytes(bench.root);
    const historyBefore = (await readHistory(bench.env, MODEL)).length;
    const error = await deployModel(bench.env, request, { clock, ...options.onProgress }).then(
      () => assert.fail("the deployment should have failed"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof DeploymentError, String(error));
    assert.equal(error.step, step);
    const tail = ` — rolled back; committed version ${committed}; serving ${endpoint}: version ${committed}`;
    const head = `deploy of model '${MODEL}' version ${request.version} failed at step '${step}': `;
    if (typeof cause === "string") {
      assert.equal(error.message, `${head}${cause}${tail}`);
    } else {
      assert.ok(error.message.startsWith(head) && error.message.endsWith(tail), error.message);
      assert.match(error.message.slice(head.length, -tail.length), cause);
    }
    assert.equal(error.rollbackFailed, false);
    assert.equal(error.result?.outcome, "rolled_back");
    // Invariant 1: current.json untouched; invariant 2: the committed version serves.
    assert.equal(await currentBytes(bench.root), currentBefore);
    assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(committed)]);
    assert.deepEqual(readyVersions(bench.tritons[0]!, `${MODEL}.staging`), []);
    assert.deepEqual(await listDir(bench.root), [MODEL], "no staging directory left");
    const quarantine = `failed_${request.version}_20261122T010203Z`;
    const entries = await listDir(join(bench.root, MODEL));
    assert.equal(entries.includes(request.version), false, "no candidate version directory");
    if (options.quarantined ?? true) {
      assert.ok(entries.includes(quarantine), `${quarantine} in ${entries.join(", ")}`);
      assert.equal(error.result?.quarantinedAs, quarantine);
    }
    const history = await readHistory(bench.env, MODEL);
    assert.equal(history.length, historyBefore + 1);
    const last = history.at(-1)!;
    assert.equal(last.outcome, "rolled_back");
    assert.equal(last.step, step);
    if (typeof cause === "string") assert.equal(last.reason, cause);
    else assert.match(last.reason ?? "", cause);
    assert.equal(last.from_version, committed);
    assert.equal(last.to_version, request.version);
  }

  void test("truncated download → materialize", async () => {
    const v = await publish(bench, irisModel({ variant: 4 }));
    bench.mlflow.faults.add({
      path: "model\\.onnx",
      method: "GET",
      kind: "truncate",
      afterBytes: 40,
      times: 2,
    });
    try {
      await expectRollback(
        irisRequest(v.version),
        "materialize",
        `model.onnx: the body ended after 40 of 347 bytes (truncated download from mlflow-artifacts:/0/${v.runId}/artifacts/model via the MLflow artifact proxy) (after 2 attempts)`,
      );
    } finally {
      bench.mlflow.faults.clear();
    }
  });

  void test("checksum mismatch with the version's sha256 tag → materialize", async () => {
    const v = await publish(bench, irisModel({ variant: 5 }), { sha256Tag: "0".repeat(64) });
    await expectRollback(
      irisRequest(v.version),
      "materialize",
      `model.onnx: sha256 is ${sha256(irisModel({ variant: 5 }))} but the model version's "sha256" tag says ${"0".repeat(64)} (downloaded twice from the start, both times with a wrong digest)`,
    );
  });

  void test("corrupt ONNX → validate", async () => {
    const v = await publish(bench, corruptModel());
    await expectRollback(
      irisRequest(v.version),
      "validate",
      "model.onnx is not a valid ONNX model: protobuf decoding failed (index out of range)",
    );
  });

  void test("config dims mismatch → validate, with both shapes", async () => {
    const v = await publish(bench, irisModel({ variant: 6 }));
    await expectRollback(
      irisRequest(v.version, { inputs: [{ name: "input", dataType: "TYPE_FP32", dims: [4] }] }),
      "validate",
      "model 'iris', tensor 'input': the model expects 2 dimensions (shape [1,4]) but the model configuration specifies 1 dimensions (shape [4])",
    );
  });

  void test("load answered 400 (backend failure) → load", async () => {
    const v = await publish(bench, irisModel({ variant: 7 }));
    bench.tritons[0]!.failLoad(`${MODEL}.staging`, Number(v.version), {
      code: "INTERNAL",
      message: "GPU instances not supported",
    });
    try {
      await expectRollback(
        irisRequest(v.version),
        "load",
        `Triton load of model "iris.staging" failed: HTTP 400: load failed for model 'iris.staging': version ${v.version} is at UNAVAILABLE state: Internal: GPU instances not supported; (POST ${endpoint}/v2/repository/models/iris.staging/load)`,
      );
    } finally {
      bench.tritons[0]!.resetControls();
    }
  });

  void test("load answered 500 (config Triton rejects) → load", async () => {
    const v = await publish(bench, batchableModel({ variant: 2 }));
    await expectRollback(
      irisRequest(v.version, {
        maxBatchSize: 4,
        inputs: [{ name: "input", dataType: "TYPE_FP32", dims: [4] }],
        outputs: [{ name: "probabilities", dataType: "TYPE_FP32", dims: [3] }],
        dynamicBatching: { preferredBatchSize: [8], maxQueueDelayMicroseconds: 0 },
      }),
      "load",
      `Triton load of model "iris.staging" failed: HTTP 500: failed to load 'iris.staging', failed to poll from model repository (POST ${endpoint}/v2/repository/models/iris.staging/load)`,
    );
  });

  void test("never ready (a load slower than the ready timeout) → ready", async () => {
    const v = await publish(bench, irisModel({ variant: 8 }));
    bench.tritons[0]!.setLoadDelay(`${MODEL}.staging`, Number(v.version), 2500);
    try {
      await expectRollback(
        irisRequest(v.version),
        "ready",
        `model 'iris.staging' version ${v.version} on ${endpoint} was not ready within 1500 ms`,
      );
    } finally {
      bench.tritons[0]!.resetControls();
    }
  });

  void test("smoke: wrong output shape against the golden expectation", async () => {
    const v = await publish(bench, outputShapeChangedModel());
    await expectRollback(
      irisRequest(v.version, {
        outputs: [{ name: "probabilities", dataType: "TYPE_FP32", dims: [1, 5] }],
        smoke: {
          requests: 2,
          golden: {
            inputs: [{ name: "input", shape: [1, 4], data: GOLDEN_INPUT }],
            outputs: [
              {
                name: "probabilities",
                shape: [1, 3],
                data: [...expectedIrisOutput(GOLDEN_INPUT, 1)],
              },
            ],
          },
        },
      }),
      "smoke",
      `model 'iris.staging' version ${v.version} on ${endpoint}: output 'probabilities' has shape [1,5]; expected [1,3]`,
    );
  });

  void test("smoke: wrong values (different weights) against the golden expectation", async () => {
    const v = await publish(bench, irisModel({ variant: 3 }));
    await expectRollback(
      irisRequest(v.version, {
        smoke: {
          requests: 2,
          golden: {
            inputs: [{ name: "input", shape: [1, 4], data: GOLDEN_INPUT }],
            outputs: [{ name: "probabilities", data: [...expectedIrisOutput(GOLDEN_INPUT, 1)] }],
            tolerance: 1e-5,
          },
        },
      }),
      "smoke",
      new RegExp(
        `^model 'iris\\.staging' version ${v.version} on ${escape(endpoint)}: output 'probabilities' value \\[0\\] is 0\\.96600\\d*; expected ${escape(String(expectedIrisOutput(GOLDEN_INPUT, 1)[0]))} ± 0\\.00001$`,
      ),
    );
  });

  void test("smoke: wrong output dtype against the golden expectation", async () => {
    const v = await publish(bench, irisModel({ variant: 9 }));
    await expectRollback(
      irisRequest(v.version, {
        smoke: {
          requests: 1,
          golden: {
            inputs: [{ name: "input", shape: [1, 4], data: GOLDEN_INPUT }],
            outputs: [
              {
                name: "probabilities",
                datatype: "FP64",
                data: [...expectedIrisOutput(GOLDEN_INPUT, 9)],
              },
            ],
          },
        },
      }),
      "smoke",
      `model 'iris.staging' version ${v.version} on ${endpoint}: output 'probabilities' has datatype FP32; expected FP64`,
    );
  });

  void test("smoke: p95 latency over the budget", async () => {
    const v = await publish(bench, irisModel({ variant: 10 }));
    bench.tritons[0]!.setLatency(`${MODEL}.staging`, undefined, 60);
    try {
      await expectRollback(
        irisRequest(v.version, { smoke: { requests: 3, p95BudgetMs: 20 } }),
        "smoke",
        // Only the measured latency varies: about the 60 ms the server adds (>= 50 allows timer slack).
        new RegExp(
          `^model 'iris\\.staging' version ${v.version} on ${escape(endpoint)}: p95 latency (?:[5-9]\\d|\\d{3,})\\.\\d ms over 3 requests; expected at most 20 ms$`,
        ),
      );
    } finally {
      bench.tritons[0]!.resetControls();
    }
  });

  void test("promote: the served model fails to load the verified version → reloaded committed", async () => {
    const v = await publish(bench, irisModel({ variant: 11 }));
    bench.tritons[0]!.failLoad(MODEL, Number(v.version), {
      code: "INTERNAL",
      message: "out of memory",
    });
    try {
      await expectRollback(
        irisRequest(v.version),
        "promote",
        `Triton load of model "iris" failed: HTTP 400: load failed for model 'iris': version ${v.version} is at UNAVAILABLE state: Internal: out of memory; (POST ${endpoint}/v2/repository/models/iris/load)`,
      );
    } finally {
      bench.tritons[0]!.resetControls();
    }
  });

  void test("the staging directory vanishing before load → load 500", async () => {
    const v = await publish(bench, irisModel({ variant: 12 }));
    await expectRollback(
      irisRequest(v.version),
      "load",
      `Triton load of model "iris.staging" failed: HTTP 500: failed to load 'iris.staging', failed to poll from model repository (POST ${endpoint}/v2/repository/models/iris.staging/load)`,
      {
        quarantined: false,
        onProgress: {
          onProgress: (e) => {
            if (e.step === "validate" && e.phase === "done") {
              rmSync(join(bench.root, `${MODEL}.staging`), { recursive: true, force: true });
            }
          },
        },
      },
    );
  });
});
