// A stack model that leaves `inputs`/`outputs` out reaches the core with them absent (the core
// then reads them from the ONNX graph), never as an empty list: through the program's resource
// inputs, the provider's check, and the request the provider hands the core.
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { readStackConfig } from "../../src/config/stack-file";
import { checkInputs } from "../../src/provider/check-and-diff";
import { requestFor } from "../../src/provider/core-bridge";
import { modelDeploymentInputs } from "../../src/provider/deploy-models";
import { sampleInputs } from "./fixtures";

const PROJECT_DIR = resolve(__dirname, "../..");

function inputsWithoutTensors() {
  const config = readStackConfig(PROJECT_DIR, "dev");
  const { inputs: _i, outputs: _o, ...model } = config.models[0]!;
  return modelDeploymentInputs(config, model, { version: "13", runId: "run-13" });
}

void test("the resource inputs of a model without inputs/outputs leave both keys out", () => {
  const inputs = inputsWithoutTensors();
  assert.deepEqual(inputs.tritonConfig, {
    maxBatchSize: 8,
    instanceGroup: { kind: "KIND_CPU", count: 1 },
    dynamicBatching: { preferredBatchSize: [], maxQueueDelayMicroseconds: 100 },
  });
  assert.deepEqual(checkInputs({ ...inputs }), []);
});

void test("the request for the core leaves inputs/outputs out too", () => {
  const request = requestFor(inputsWithoutTensors());
  assert.equal("inputs" in request, false);
  assert.equal("outputs" in request, false);
  assert.equal(request.maxBatchSize, 8);
  // Given ones are passed as they are.
  assert.deepEqual(requestFor(sampleInputs()).inputs, [
    { name: "input", dataType: "TYPE_FP32", dims: [1, 4] },
  ]);
});

void test("check refuses an empty list (a different config from a left-out one)", () => {
  const base = sampleInputs();
  const news = { ...base, tritonConfig: { ...base.tritonConfig, inputs: [], outputs: [] } };
  assert.deepEqual(checkInputs(news), [
    {
      property: "tritonConfig",
      reason: "inputs: Too small: expected array to have >=1 items (got [])",
    },
    {
      property: "tritonConfig",
      reason: "outputs: Too small: expected array to have >=1 items (got [])",
    },
  ]);
});
