// validateAgainstOnnx: one table row per rule of triton-contract.md §3.2, each with Triton's exact
// message, then the same check on the real ONNX fixtures.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  assertConfigMatchesOnnx,
  validateAgainstOnnx,
  type ConfigProblem,
  type TritonModelConfig,
  type TritonTensorConfig,
} from "../../../src/core/model-config";
import { readOnnxSignature, type TensorSignature } from "../../../src/core/onnx";
import {
  batchableModel,
  irisModel,
  outputShapeChangedModel,
  twoInputModel,
} from "../../support/onnx/fixtures";

function config(
  maxBatchSize: number,
  input: TritonTensorConfig[],
  output: TritonTensorConfig[],
): TritonModelConfig {
  return {
    name: "m",
    platform: "onnxruntime_onnx",
    max_batch_size: maxBatchSize,
    version_policy: { specific: { versions: [1] } },
    input,
    output,
    instance_group: [{ kind: "KIND_CPU", count: 1 }],
  };
}

const fp32 = (name: string, dims: number[], reshape?: number[]): TritonTensorConfig =>
  reshape === undefined
    ? { name, data_type: "TYPE_FP32", dims }
    : { name, data_type: "TYPE_FP32", dims, reshape: { shape: reshape } };
const onnx = (
  name: string,
  dims: (number | string)[],
  elemType: TensorSignature["elemType"] = "FLOAT",
): TensorSignature => ({ name, elemType, dims });

interface Row {
  readonly why: string;
  readonly config: TritonModelConfig;
  readonly inputs: TensorSignature[];
  readonly outputs: TensorSignature[];
  readonly problems: ConfigProblem[];
}

const Y = [onnx("Y", [1, 3])];
const yConfig = [fp32("Y", [1, 3])];

const rows: Row[] = [
  // ---- max_batch_size 0: same rank, equal dims -------------------------------------------------
  {
    why: "the classic failure: ONNX [1,4] vs dims [4] with max_batch_size 0",
    config: config(0, [fp32("X", [4])], yConfig),
    inputs: [onnx("X", [1, 4])],
    outputs: Y,
    problems: [
      {
        rule: "dims",
        io: "input",
        tensor: "X",
        message:
          "model 'm', tensor 'X': the model expects 2 dimensions (shape [1,4]) but the model configuration specifies 1 dimensions (shape [4])",
      },
    ],
  },
  {
    why: "dims [1,4] for ONNX [1,4] with max_batch_size 0 works",
    config: config(0, [fp32("X", [1, 4])], yConfig),
    inputs: [onnx("X", [1, 4])],
    outputs: Y,
    problems: [],
  },
  {
    why: "same rank, one dim differs",
    config: config(0, [fp32("X", [1, 5])], yConfig),
    inputs: [onnx("X", [1, 4])],
    outputs: Y,
    problems: [
      {
        rule: "dims",
        io: "input",
        tensor: "X",
        message:
          "model 'm', tensor 'X': the model expects 2 dimensions (shape [1,4]) but the model configuration specifies 2 dimensions (shape [1,5])",
      },
    ],
  },
  {
    why: "a -1 in the model matches any config dim for an input",
    config: config(0, [fp32("X", [7, 4])], yConfig),
    inputs: [onnx("X", [-1, 4])],
    outputs: Y,
    problems: [],
  },
  {
    why: "a symbolic ONNX dim is -1 to Triton",
    config: config(0, [fp32("X", [2, 4])], yConfig),
    inputs: [onnx("X", ["batch_size", 4])],
    outputs: Y,
    problems: [],
  },
  {
    why: "a config -1 does not match a fixed model dim",
    config: config(0, [fp32("X", [-1, 4])], yConfig),
    inputs: [onnx("X", [1, 4])],
    outputs: Y,
    problems: [
      {
        rule: "dims",
        io: "input",
        tensor: "X",
        message:
          "model 'm', tensor 'X': the model expects 2 dimensions (shape [1,4]) but the model configuration specifies 2 dimensions (shape [-1,4])",
      },
    ],
  },
  {
    why: "outputs compare exactly: a model -1 needs a config -1",
    config: config(0, [fp32("X", [1, 4])], [fp32("Y", [2, 3])]),
    inputs: [onnx("X", [1, 4])],
    outputs: [onnx("Y", [-1, 3])],
    problems: [
      {
        rule: "dims",
        io: "output",
        tensor: "Y",
        message:
          "model 'm', tensor 'Y': the model expects 2 dimensions (shape [-1,3]) but the model configuration specifies 2 dimensions (shape [2,3])",
      },
    ],
  },
  {
    why: "an output -1 matched by a config -1 works",
    config: config(0, [fp32("X", [1, 4])], [fp32("Y", [-1, 3])]),
    inputs: [onnx("X", [1, 4])],
    outputs: [onnx("Y", ["n", 3])],
    problems: [],
  },
  {
    why: "a reshape is the shape the model sees, so it is what is compared",
    config: config(0, [fp32("X", [4], [1, 4])], yConfig),
    inputs: [onnx("X", [1, 4])],
    outputs: Y,
    problems: [],
  },
  // ---- max_batch_size > 0: implicit batch dimension --------------------------------------------
  {
    why: "batching needs the model's first dim to be -1",
    config: config(4, [fp32("X", [4])], [fp32("Y", [3])]),
    inputs: [onnx("X", [1, 4])],
    outputs: [onnx("Y", [-1, 3])],
    problems: [
      {
        rule: "batch-dimension",
        io: "input",
        tensor: "X",
        message:
          "model 'm', tensor 'X': for the model to support batching the shape should have at least 1 dimension and the first dimension must be -1; but shape expected by the model is [1,4]",
      },
    ],
  },
  {
    why: "batching: [-1] + dims [4] matches ONNX [-1,4] (and a symbolic batch dim)",
    config: config(4, [fp32("X", [4])], [fp32("Y", [3])]),
    inputs: [onnx("X", [-1, 4])],
    outputs: [onnx("Y", ["batch", 3])],
    problems: [],
  },
  {
    why: "batching: dims that repeat the batch dim make the complete shape too long",
    config: config(4, [fp32("X", [-1, 4])], [fp32("Y", [3])]),
    inputs: [onnx("X", [-1, 4])],
    outputs: [onnx("Y", [-1, 3])],
    problems: [
      {
        rule: "dims",
        io: "input",
        tensor: "X",
        message:
          "model 'm', tensor 'X': the model expects 2 dimensions (shape [-1,4]) but the model configuration specifies 3 dimensions (an initial batch dimension because max_batch_size > 0 followed by the explicit tensor shape, making complete shape [-1,-1,4])",
      },
    ],
  },
  {
    why: "batching: an output dim that differs",
    config: config(4, [fp32("X", [4])], [fp32("Y", [5])]),
    inputs: [onnx("X", [-1, 4])],
    outputs: [onnx("Y", [-1, 3])],
    problems: [
      {
        rule: "dims",
        io: "output",
        tensor: "Y",
        message:
          "model 'm', tensor 'Y': the model expects 2 dimensions (shape [-1,3]) but the model configuration specifies 2 dimensions (an initial batch dimension because max_batch_size > 0 followed by the explicit tensor shape, making complete shape [-1,5])",
      },
    ],
  },
  // ---- scalars -----------------------------------------------------------------------------------
  {
    why: "a rank-0 model tensor accepts config dims of 1",
    config: config(0, [fp32("X", [1])], yConfig),
    inputs: [onnx("X", [])],
    outputs: Y,
    problems: [],
  },
  {
    why: "a rank-0 model tensor refuses any config dim other than 1",
    config: config(0, [fp32("X", [2])], yConfig),
    inputs: [onnx("X", [])],
    outputs: Y,
    problems: [
      {
        rule: "scalar-dims",
        io: "input",
        tensor: "X",
        message:
          "unable to load model 'm', scalar tensor 'X', should only provide 1 in the model configuration when the model doesn't support batching. Model configuration provided: [2].",
      },
    ],
  },
  // ---- names and counts --------------------------------------------------------------------------
  {
    why: "the config must list every model input",
    config: config(0, [fp32("X", [1, 4])], yConfig),
    inputs: [onnx("X", [1, 4]), onnx("Z", [1])],
    outputs: Y,
    problems: [
      {
        rule: "input-count",
        io: "input",
        message: "unable to load model 'm', configuration expects 1 inputs, model provides 2",
      },
    ],
  },
  {
    why: "a config input the model does not have (allowed names sorted, as Triton's std::set)",
    config: config(0, [fp32("x", [1, 4])], yConfig),
    inputs: [onnx("X", [1, 4])],
    outputs: Y,
    problems: [
      {
        rule: "unknown-tensor",
        io: "input",
        tensor: "x",
        message: "unexpected inference input 'x', allowed inputs are: X",
      },
    ],
  },
  {
    why: "a config output the model does not have",
    config: config(0, [fp32("X", [1, 4])], [fp32("probs", [1, 3])]),
    inputs: [onnx("X", [1, 4])],
    outputs: [onnx("scores", [1, 3]), onnx("Y", [1, 3])],
    problems: [
      {
        rule: "unknown-tensor",
        io: "output",
        tensor: "probs",
        message: "unexpected inference output 'probs', allowed outputs are: Y, scores",
      },
    ],
  },
  {
    why: "a config may list a subset of the model's outputs",
    config: config(0, [fp32("X", [1, 4])], yConfig),
    inputs: [onnx("X", [1, 4])],
    outputs: [onnx("Y", [1, 3]), onnx("logits", [1, 3])],
    problems: [],
  },
  // ---- element types -----------------------------------------------------------------------------
  {
    why: "data_type must be the one Triton maps the ONNX type to",
    config: config(0, [{ name: "X", data_type: "TYPE_FP64", dims: [1, 4] }], yConfig),
    inputs: [onnx("X", [1, 4])],
    outputs: Y,
    problems: [
      {
        rule: "data-type",
        io: "input",
        tensor: "X",
        message:
          "unable to load model 'm', configuration expects datatype TYPE_FP64 for input 'X', model provides TYPE_FP32",
      },
    ],
  },
  {
    why: "an output type mismatch: INT64 model, INT32 config",
    config: config(0, [fp32("X", [1, 4])], [{ name: "Y", data_type: "TYPE_INT32", dims: [1] }]),
    inputs: [onnx("X", [1, 4])],
    outputs: [onnx("Y", [1], "INT64")],
    problems: [
      {
        rule: "data-type",
        io: "output",
        tensor: "Y",
        message:
          "unable to load model 'm', configuration expects datatype TYPE_INT32 for output 'Y', model provides TYPE_INT64",
      },
    ],
  },
  {
    why: "STRING, FLOAT16, BFLOAT16 and BOOL map to TYPE_STRING, TYPE_FP16, TYPE_BF16, TYPE_BOOL",
    config: config(
      0,
      [
        { name: "s", data_type: "TYPE_STRING", dims: [1] },
        { name: "h", data_type: "TYPE_FP16", dims: [1] },
        { name: "b", data_type: "TYPE_BF16", dims: [1] },
        { name: "q", data_type: "TYPE_BOOL", dims: [1] },
      ],
      yConfig,
    ),
    inputs: [
      onnx("s", [1], "STRING"),
      onnx("h", [1], "FLOAT16"),
      onnx("b", [1], "BFLOAT16"),
      onnx("q", [1], "BOOL"),
    ],
    outputs: Y,
    problems: [],
  },
  {
    why: "an ONNX type Triton cannot serve is named as such",
    config: config(0, [fp32("X", [1, 4])], yConfig),
    inputs: [onnx("X", [1, 4], "COMPLEX64")],
    outputs: Y,
    problems: [
      {
        rule: "data-type",
        io: "input",
        tensor: "X",
        message:
          "unable to load model 'm', configuration expects datatype TYPE_FP32 for input 'X', model provides ONNX COMPLEX64, which Triton cannot serve",
      },
    ],
  },
  // ---- several at once ---------------------------------------------------------------------------
  {
    why: "every problem is reported, inputs before outputs, type before shape",
    config: config(0, [{ name: "X", data_type: "TYPE_INT64", dims: [4] }], [fp32("Y", [1, 5])]),
    inputs: [onnx("X", [1, 4])],
    outputs: Y,
    problems: [
      {
        rule: "data-type",
        io: "input",
        tensor: "X",
        message:
          "unable to load model 'm', configuration expects datatype TYPE_INT64 for input 'X', model provides TYPE_FP32",
      },
      {
        rule: "dims",
        io: "output",
        tensor: "Y",
        message:
          "model 'm', tensor 'Y': the model expects 2 dimensions (shape [1,3]) but the model configuration specifies 2 dimensions (shape [1,5])",
      },
    ],
  },
];

void describe("validateAgainstOnnx, rule by rule (triton-contract.md §3.2)", () => {
  for (const row of rows) {
    void test(row.why, () => {
      const problems = validateAgainstOnnx(row.config, {
        inputs: row.inputs,
        outputs: row.outputs,
      });
      assert.deepEqual(problems, row.problems);
    });
  }
});

void describe("validateAgainstOnnx on the ONNX fixtures", () => {
  const iris = config(0, [fp32("input", [1, 4])], [fp32("probabilities", [1, 3])]);
  const named = (c: TritonModelConfig): TritonModelConfig => ({ ...c, name: "iris" });

  void test("the iris model matches the old platform's config", () => {
    assert.deepEqual(validateAgainstOnnx(iris, readOnnxSignature(irisModel())), []);
  });

  void test("the iris model against dims [4] gives Triton's message with both shapes", () => {
    const bad = named(config(0, [fp32("input", [4])], [fp32("probabilities", [1, 3])]));
    assert.deepEqual(
      validateAgainstOnnx(bad, readOnnxSignature(irisModel())).map((p) => p.message),
      [
        "model 'iris', tensor 'input': the model expects 2 dimensions (shape [1,4]) but the model configuration specifies 1 dimensions (shape [4])",
      ],
    );
  });

  void test("a model whose output grew a class fails the committed config on the output", () => {
    assert.deepEqual(
      validateAgainstOnnx(named(iris), readOnnxSignature(outputShapeChangedModel())).map(
        (p) => p.message,
      ),
      [
        "model 'iris', tensor 'probabilities': the model expects 2 dimensions (shape [1,5]) but the model configuration specifies 2 dimensions (shape [1,3])",
      ],
    );
  });

  void test("the batchable model works with max_batch_size 8 and dims [4] / [3]", () => {
    const batched = config(8, [fp32("input", [4])], [fp32("probabilities", [3])]);
    assert.deepEqual(validateAgainstOnnx(batched, readOnnxSignature(batchableModel())), []);
    const symbolic = readOnnxSignature(batchableModel({ batchDim: "batch_size" }));
    assert.deepEqual(validateAgainstOnnx(batched, symbolic), []);
  });

  void test("the iris model cannot batch", () => {
    const batched = config(8, [fp32("input", [4])], [fp32("probabilities", [3])]);
    assert.deepEqual(
      validateAgainstOnnx(batched, readOnnxSignature(irisModel())).map((p) => p.rule),
      ["batch-dimension", "batch-dimension"],
    );
  });

  void test("the two-input model: both types right passes, swapped types fail on each input", () => {
    const right = config(
      0,
      [
        { name: "x", data_type: "TYPE_FP32", dims: [1, 4] },
        { name: "offset", data_type: "TYPE_INT64", dims: [1, 4] },
      ],
      [fp32("y", [1, 4])],
    );
    const signature = readOnnxSignature(twoInputModel());
    assert.deepEqual(validateAgainstOnnx(right, signature), []);
    const swapped = config(
      0,
      [
        { name: "x", data_type: "TYPE_INT64", dims: [1, 4] },
        { name: "offset", data_type: "TYPE_FP32", dims: [1, 4] },
      ],
      [fp32("y", [1, 4])],
    );
    assert.deepEqual(
      validateAgainstOnnx(swapped, signature).map((p) => p.message),
      [
        "unable to load model 'm', configuration expects datatype TYPE_INT64 for input 'x', model provides TYPE_FP32",
        "unable to load model 'm', configuration expects datatype TYPE_FP32 for input 'offset', model provides TYPE_INT64",
      ],
    );
  });
});

void describe("assertConfigMatchesOnnx", () => {
  const signature = { inputs: [onnx("X", [1, 4])], outputs: Y };

  void test("returns quietly when Triton would load the model", () => {
    assert.equal(
      assertConfigMatchesOnnx(config(0, [fp32("X", [1, 4])], yConfig), signature),
      undefined,
    );
  });

  void test("one problem: one line", () => {
    assert.throws(() => assertConfigMatchesOnnx(config(0, [fp32("X", [4])], yConfig), signature), {
      name: "ModelConfigError",
      message:
        "the model does not match its Triton config: model 'm', tensor 'X': the model expects 2 dimensions (shape [1,4]) but the model configuration specifies 1 dimensions (shape [4])",
    });
  });

  void test("several problems: counted and listed", () => {
    const bad = config(0, [fp32("X", [4])], [fp32("Y", [3])]);
    assert.throws(() => assertConfigMatchesOnnx(bad, signature), {
      name: "ModelConfigError",
      message: [
        "the model does not match its Triton config (2 problems):",
        "- model 'm', tensor 'X': the model expects 2 dimensions (shape [1,4]) but the model configuration specifies 1 dimensions (shape [4])",
        "- model 'm', tensor 'Y': the model expects 2 dimensions (shape [1,3]) but the model configuration specifies 1 dimensions (shape [3])",
      ].join("\n"),
    });
  });
});
