// A model may leave `inputs`/`outputs` out: the deployment core then takes them from the ONNX
// graph, as Triton's auto-complete would (triton-contract.md §3.1). Left out must stay left out
// (undefined), never become an empty list, which is a different config.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseStackConfig } from "../../src/config/parse";
import { stackFileValues } from "../program/harness/run-stack";

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- edited by path

function devWithModel(edit: (model: Values) => void) {
  const values: Values = stackFileValues("dev");
  const model: Values = { ...values.models[0] };
  edit(model);
  return parseStackConfig({ ...values, models: [model] }, "test");
}

void test("a model without inputs and outputs parses, and they stay absent", () => {
  const config = devWithModel((m) => {
    delete m.inputs;
    delete m.outputs;
  });
  const model = config.models[0];
  assert.ok(model);
  assert.equal(model.inputs, undefined);
  assert.equal(model.outputs, undefined);
  assert.equal("inputs" in model, false);
  assert.equal("outputs" in model, false);
  assert.equal(model.name, "iris-classifier");
  assert.equal(model.maxBatchSize, 8);
});

void test("inputs alone may be given; outputs then come from the graph", () => {
  const config = devWithModel((m) => {
    delete m.outputs;
  });
  assert.deepEqual(config.models[0]?.inputs, [
    { name: "float_input", dataType: "TYPE_FP32", dims: [4] },
  ]);
  assert.equal(config.models[0]?.outputs, undefined);
});

void test("golden tensor names are not checked against left-out inputs/outputs (the graph names them)", () => {
  const golden = {
    inputs: [{ name: "float_input", shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }],
    outputs: [{ name: "probabilities", data: [1, 0, 0] }],
  };
  const config = devWithModel((m) => {
    delete m.inputs;
    delete m.outputs;
    m.smoke = { ...m.smoke, golden };
  });
  assert.deepEqual(config.models[0]?.smoke.golden, { ...golden, tolerance: 1e-4 });
});
