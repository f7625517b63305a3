// Shapes and data type names as Triton's clients see them (triton-contract.md §1.3, §3.2).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  expectedOutputs,
  metadataShape,
  requestShape,
  tritonProtocolDataType,
  TRITON_DATA_TYPES,
  type TritonModelConfig,
} from "../../../src/core/model-config";

const base: TritonModelConfig = {
  name: "m",
  platform: "onnxruntime_onnx",
  max_batch_size: 0,
  version_policy: { specific: { versions: [1] } },
  input: [{ name: "x", data_type: "TYPE_FP32", dims: [1, 4] }],
  output: [
    { name: "probabilities", data_type: "TYPE_FP32", dims: [1, 3] },
    { name: "label", data_type: "TYPE_STRING", dims: [-1] },
  ],
  instance_group: [{ kind: "KIND_CPU", count: 1 }],
};
const batched: TritonModelConfig = {
  ...base,
  max_batch_size: 8,
  input: [{ name: "x", data_type: "TYPE_FP32", dims: [4] }],
  output: [
    { name: "probabilities", data_type: "TYPE_INT64", dims: [3], reshape: { shape: [1, 3] } },
  ],
};

void describe("shapes", () => {
  void test("max_batch_size 0: metadata and requests use dims as they are", () => {
    const x = base.input[0]!;
    assert.deepEqual(metadataShape(base, x), [1, 4]);
    assert.deepEqual(requestShape(base, x, 5), [1, 4]);
  });

  void test("max_batch_size > 0: metadata prepends -1, a request prepends its batch size", () => {
    const x = batched.input[0]!;
    assert.deepEqual(metadataShape(batched, x), [-1, 4]);
    assert.deepEqual(requestShape(batched, x), [1, 4]);
    assert.deepEqual(requestShape(batched, x, 3), [3, 4]);
  });

  void test("expectedOutputs: protocol datatypes (TYPE_STRING is BYTES), full shapes, -1 kept, reshape ignored", () => {
    assert.deepEqual(expectedOutputs(base), [
      { name: "probabilities", datatype: "FP32", shape: [1, 3] },
      { name: "label", datatype: "BYTES", shape: [-1] },
    ]);
    assert.deepEqual(expectedOutputs(batched, 2), [
      { name: "probabilities", datatype: "INT64", shape: [2, 3] },
    ]);
  });

  void test("every TYPE_* has its protocol name", () => {
    assert.deepEqual(TRITON_DATA_TYPES.map(tritonProtocolDataType), [
      "BOOL",
      "UINT8",
      "UINT16",
      "UINT32",
      "UINT64",
      "INT8",
      "INT16",
      "INT32",
      "INT64",
      "FP16",
      "FP32",
      "FP64",
      "BF16",
      "BYTES",
    ]);
  });
});
