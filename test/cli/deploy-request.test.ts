// The CLI's request for the core: a stack model that leaves `inputs`/`outputs` out sends none
// (the core reads them from the ONNX graph), never an empty list.
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { deployRequestFor } from "../../src/cli/model";
import { readStackConfig } from "../../src/config/stack-file";

const PROJECT_DIR = resolve(__dirname, "../..");

void test("a model without inputs/outputs gives a request without them", () => {
  const model = readStackConfig(PROJECT_DIR, "dev").models[0]!;
  const { inputs: _i, outputs: _o, ...withoutTensors } = model;
  const request = deployRequestFor(withoutTensors, "13", "A", "run-13");
  assert.equal("inputs" in request, false);
  assert.equal("outputs" in request, false);
  assert.deepEqual(deployRequestFor(model, "13", "A", "run-13").outputs, [
    { name: "probabilities", dataType: "TYPE_FP32", dims: [3] },
  ]);
});
