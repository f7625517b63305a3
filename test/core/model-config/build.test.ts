// buildModelConfig (stack spec → Triton config) and autoCompleteFromOnnx (triton-contract.md §3.1).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ModelConfigSchema } from "../../../src/config/schema";
import {
  autoCompleteFromOnnx,
  buildModelConfig,
  parseModelVersion,
  withPinnedVersion,
  type ModelServingSpec,
  type TritonModelConfig,
} from "../../../src/core/model-config";
import { readOnnxSignature, type TensorSignature } from "../../../src/core/onnx";
import { batchableModel, irisModel, twoInputModel } from "../../support/onnx/fixtures";

const irisSpec: ModelServingSpec = {
  name: "iris",
  maxBatchSize: 0,
  inputs: [{ name: "input", dataType: "TYPE_FP32", dims: [1, 4] }],
  outputs: [{ name: "probabilities", dataType: "TYPE_FP32", dims: [1, 3] }],
  instanceGroup: { kind: "KIND_CPU", count: 2 },
};

const irisConfig: TritonModelConfig = {
  name: "iris",
  platform: "onnxruntime_onnx",
  max_batch_size: 0,
  version_policy: { specific: { versions: [13] } },
  input: [{ name: "input", data_type: "TYPE_FP32", dims: [1, 4] }],
  output: [{ name: "probabilities", data_type: "TYPE_FP32", dims: [1, 3] }],
  instance_group: [{ kind: "KIND_CPU", count: 2 }],
};

void describe("buildModelConfig", () => {
  void test("maps the stack spec field by field and pins the version", () => {
    assert.deepEqual(buildModelConfig(irisSpec, { version: "13" }), irisConfig);
  });

  void test("maps reshape, dynamic batching and a GPU instance group", () => {
    const spec: ModelServingSpec = {
      name: "ranker",
      maxBatchSize: 16,
      inputs: [{ name: "q", dataType: "TYPE_INT64", dims: [1], reshape: [] }],
      outputs: [{ name: "score", dataType: "TYPE_FP32", dims: [-1] }],
      instanceGroup: { kind: "KIND_GPU", count: 1 },
      dynamicBatching: { preferredBatchSize: [4, 8], maxQueueDelayMicroseconds: 500 },
    };
    assert.deepEqual(buildModelConfig(spec, { version: 2 }), {
      name: "ranker",
      platform: "onnxruntime_onnx",
      max_batch_size: 16,
      version_policy: { specific: { versions: [2] } },
      input: [{ name: "q", data_type: "TYPE_INT64", dims: [1], reshape: { shape: [] } }],
      output: [{ name: "score", data_type: "TYPE_FP32", dims: [-1] }],
      instance_group: [{ kind: "KIND_GPU", count: 1 }],
      dynamic_batching: { preferred_batch_size: [4, 8], max_queue_delay_microseconds: 500 },
    });
  });

  void test("serves under another name when asked (a staging model)", () => {
    assert.equal(
      buildModelConfig(irisSpec, { version: 13, name: "iris.staging" }).name,
      "iris.staging",
    );
  });

  void test("a model parsed by the stack schema is a ModelServingSpec as it is", () => {
    const parsed = ModelConfigSchema.parse({
      name: "iris",
      registeredModel: "iris-classifier",
      alias: "champion",
      inputs: [{ name: "input", dataType: "TYPE_FP32", dims: [1, 4] }],
      outputs: [{ name: "probabilities", dataType: "TYPE_FP32", dims: [1, 3] }],
    });
    assert.deepEqual(buildModelConfig(parsed, { version: "13" }), {
      ...irisConfig,
      instance_group: [{ kind: "KIND_CPU", count: 1 }],
    });
  });

  void test("takes missing inputs and outputs from the ONNX signature", () => {
    const spec: ModelServingSpec = { ...irisSpec, inputs: [], outputs: undefined };
    assert.deepEqual(
      buildModelConfig(spec, { version: 13, signature: readOnnxSignature(irisModel()) }),
      irisConfig,
    );
  });

  void test("refuses missing inputs or outputs without a signature", () => {
    assert.throws(() => buildModelConfig({ ...irisSpec, outputs: [] }, { version: 1 }), {
      name: "ModelConfigError",
      message:
        "model 'iris': the stack config lists no outputs, and no ONNX signature was given to take them from",
    });
    assert.throws(() => buildModelConfig({ ...irisSpec, inputs: [] }, { version: 1 }), {
      message:
        "model 'iris': the stack config lists no inputs, and no ONNX signature was given to take them from",
    });
  });

  void test("withPinnedVersion re-pins a config", () => {
    assert.deepEqual(withPinnedVersion(irisConfig, "12").version_policy, {
      specific: { versions: [12] },
    });
  });
});

void describe("parseModelVersion", () => {
  for (const [input, expected] of [
    ["13", 13],
    [13, 13],
    ["9007199254740991", 9007199254740991],
  ] as const) {
    void test(`${JSON.stringify(input)} → ${expected}`, () => {
      assert.equal(parseModelVersion(input), expected);
    });
  }
  // Triton skips version directories with leading zeros (§2.4), and int64 beyond 2^53 would be
  // rounded by JSON numbers.
  for (const input of ["0", "013", "abc", "13.failed_x", "-1", "", 1.5, "9007199254740993"]) {
    void test(`${JSON.stringify(input)} is refused`, () => {
      assert.throws(() => parseModelVersion(input), {
        name: "ModelConfigError",
        message: `model version ${JSON.stringify(input)} is not usable as a Triton version: expected a positive integer without leading zeros, at most 9007199254740991`,
      });
    });
  }
});

void describe("autoCompleteFromOnnx (triton-contract.md §3.1)", () => {
  const empty: TritonModelConfig = { ...irisConfig, input: [], output: [] };
  const t = (
    name: string,
    dims: (number | string)[],
    elemType: TensorSignature["elemType"] = "FLOAT",
  ) => ({
    name,
    elemType,
    dims,
  });

  void test("a config with inputs and outputs is left exactly as it is, even when wrong", () => {
    const wrong: TritonModelConfig = {
      ...irisConfig,
      input: [{ name: "input", data_type: "TYPE_FP32", dims: [4] }],
    };
    assert.equal(autoCompleteFromOnnx(wrong, readOnnxSignature(batchableModel())), wrong);
  });

  void test("a model that cannot batch: full dims, max_batch_size stays 0", () => {
    assert.deepEqual(autoCompleteFromOnnx(empty, readOnnxSignature(irisModel())), irisConfig);
  });

  void test("a model that can batch: max_batch_size 0 becomes 4, the batch dim is dropped, dynamic_batching added", () => {
    assert.deepEqual(autoCompleteFromOnnx(empty, readOnnxSignature(batchableModel())), {
      ...irisConfig,
      max_batch_size: 4,
      input: [{ name: "input", data_type: "TYPE_FP32", dims: [4] }],
      output: [{ name: "probabilities", data_type: "TYPE_FP32", dims: [3] }],
      dynamic_batching: { preferred_batch_size: [], max_queue_delay_microseconds: 0 },
    });
  });

  void test("a symbolic batch dim counts as -1", () => {
    const completed = autoCompleteFromOnnx(
      empty,
      readOnnxSignature(batchableModel({ batchDim: "batch_size" })),
    );
    assert.equal(completed.max_batch_size, 4);
    assert.deepEqual(completed.input[0]?.dims, [4]);
  });

  void test("defaultMaxBatchSize 1: batching without a dynamic batcher", () => {
    const completed = autoCompleteFromOnnx(empty, readOnnxSignature(batchableModel()), {
      defaultMaxBatchSize: 1,
    });
    assert.equal(completed.max_batch_size, 1);
    assert.equal(completed.dynamic_batching, undefined);
  });

  void test("defaultMaxBatchSize 0: no batching, the -1 stays in dims", () => {
    const completed = autoCompleteFromOnnx(empty, readOnnxSignature(batchableModel()), {
      defaultMaxBatchSize: 0,
    });
    assert.equal(completed.max_batch_size, 0);
    assert.deepEqual(completed.input[0]?.dims, [-1, 4]);
    assert.equal(completed.dynamic_batching, undefined);
  });

  void test("a configured max_batch_size and dynamic batching are kept", () => {
    const configured: TritonModelConfig = {
      ...empty,
      max_batch_size: 32,
      dynamic_batching: { preferred_batch_size: [8], max_queue_delay_microseconds: 100 },
    };
    const completed = autoCompleteFromOnnx(configured, readOnnxSignature(batchableModel()));
    assert.equal(completed.max_batch_size, 32);
    assert.deepEqual(completed.dynamic_batching, {
      preferred_batch_size: [8],
      max_queue_delay_microseconds: 100,
    });
  });

  void test("max_batch_size > 0 for a model that cannot batch is Triton's autofill error", () => {
    assert.throws(
      () => autoCompleteFromOnnx({ ...empty, max_batch_size: 4 }, readOnnxSignature(irisModel())),
      {
        name: "ModelConfigError",
        message:
          "autofill failed for model 'iris': model does not support batching while non-zero max_batch_size is specified",
      },
    );
  });

  void test("only the missing side is filled", () => {
    const onlyInputs: TritonModelConfig = {
      ...empty,
      input: [{ name: "input", data_type: "TYPE_FP32", dims: [1, 4] }],
    };
    assert.deepEqual(autoCompleteFromOnnx(onlyInputs, readOnnxSignature(irisModel())), irisConfig);
  });

  void test("element types are mapped (FLOAT → TYPE_FP32, INT64 → TYPE_INT64), in graph order", () => {
    assert.deepEqual(autoCompleteFromOnnx(empty, readOnnxSignature(twoInputModel())).input, [
      { name: "x", data_type: "TYPE_FP32", dims: [1, 4] },
      { name: "offset", data_type: "TYPE_INT64", dims: [1, 4] },
    ]);
  });

  void test("scalars: dims [1], plus reshape [] when batching", () => {
    const plain = autoCompleteFromOnnx(empty, { inputs: [t("s", [])], outputs: [t("y", [1])] });
    assert.deepEqual(plain.input, [{ name: "s", data_type: "TYPE_FP32", dims: [1] }]);
    const batched = autoCompleteFromOnnx(empty, {
      inputs: [t("s", [-1])],
      outputs: [t("y", [-1, 2])],
    });
    assert.deepEqual(batched.input, [
      { name: "s", data_type: "TYPE_FP32", dims: [1], reshape: { shape: [] } },
    ]);
  });

  void test("a tensor Triton cannot serve is refused by name", () => {
    assert.throws(
      () =>
        autoCompleteFromOnnx(empty, { inputs: [t("c", [1], "COMPLEX64")], outputs: [t("y", [1])] }),
      {
        name: "ModelConfigError",
        message:
          "model 'iris': input 'c' has ONNX element type COMPLEX64, which Triton cannot serve",
      },
    );
  });
});
