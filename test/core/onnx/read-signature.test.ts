// readOnnxSignature on models that the fixtures do not cover: broken or unusual ones, built here
// field by field with the same schema.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { onnxModelProto, readOnnxSignature } from "../../../src/core/onnx";

const FLOAT = 1;
const EXTERNAL = 1;

function encode(model: object): Uint8Array {
  const type = onnxModelProto();
  return type.encode(type.fromObject(model)).finish();
}

const tensorValue = (name: string, dims: object[] = [{ dim_value: 1 }]) => ({
  name,
  type: { tensor_type: { elem_type: FLOAT, shape: { dim: dims } } },
});

function model(graph: object, extra: object = {}): Uint8Array {
  return encode({
    ir_version: 8,
    opset_import: [{ domain: "", version: 17 }],
    graph: { input: [tensorValue("x")], output: [tensorValue("y")], ...graph },
    ...extra,
  });
}

const externalTensor = (name: string, location: string) => ({
  name,
  dims: [1],
  data_type: FLOAT,
  data_location: EXTERNAL,
  external_data: [
    { key: "location", value: location },
    { key: "offset", value: "0" },
    { key: "length", value: "4" },
  ],
});

void describe("readOnnxSignature rejects what is not a servable ONNX model, saying why", () => {
  const cases: [string, Uint8Array, string][] = [
    ["empty file", new Uint8Array(0), "the file is empty"],
    [
      "no ir_version",
      encode({ graph: { output: [tensorValue("y")] } }),
      "ir_version is missing (every ONNX model must set it)",
    ],
    ["no graph", encode({ ir_version: 8 }), "the model has no graph"],
    ["no outputs", model({ output: [] }), "the graph has no outputs"],
    [
      "an input that is a sequence",
      model({ input: [{ name: "seq", type: { sequence_type: { elem_type: {} } } }] }),
      "input 'seq' is a sequence, not a tensor; Triton's ONNX backend serves tensors only",
    ],
    [
      "an output with an undefined element type",
      model({ output: [{ name: "y", type: { tensor_type: { elem_type: 0 } } }] }),
      "output 'y' has element type 0, which is not an ONNX tensor type",
    ],
    [
      "an element type number ONNX does not define",
      model({ output: [{ name: "y", type: { tensor_type: { elem_type: 99 } } }] }),
      "output 'y' has element type 99, which is not an ONNX tensor type",
    ],
    ["an output with no type", model({ output: [{ name: "y" }] }), "output 'y' has no type"],
    [
      "external data above the model directory",
      model({ initializer: [externalTensor("w", "../other/secrets.bin")] }),
      "tensor 'w' has external data location '../other/secrets.bin', which is outside the model's directory",
    ],
    [
      "external data at an absolute path",
      model({ initializer: [externalTensor("w", "/etc/passwd")] }),
      "tensor 'w' has external data location '/etc/passwd', which is outside the model's directory",
    ],
    [
      "external data that escapes after normalisation",
      model({ initializer: [externalTensor("w", "data/../../x.bin")] }),
      "tensor 'w' has external data location 'data/../../x.bin', which is outside the model's directory",
    ],
    [
      "external data with no location",
      model({
        initializer: [{ name: "w", dims: [1], data_type: FLOAT, data_location: EXTERNAL }],
      }),
      "tensor 'w' is external but names no location",
    ],
  ];
  for (const [name, bytes, reason] of cases) {
    void test(name, () => {
      assert.throws(() => readOnnxSignature(bytes), {
        name: "InvalidOnnxModelError",
        message: `model.onnx is not a valid ONNX model: ${reason}`,
        reason,
      });
    });
  }

  void test("the file name given is the one in the message", () => {
    assert.throws(() => readOnnxSignature(new Uint8Array(0), "1/model.onnx"), {
      message: "1/model.onnx is not a valid ONNX model: the file is empty",
    });
  });
});

void describe("readOnnxSignature on unusual but valid models", () => {
  void test("dims: fixed, symbolic, unknown and a stored -1 are kept as such", () => {
    const bytes = model({
      input: [
        tensorValue("x", [
          { dim_param: "n" },
          {},
          { dim_value: -1 },
          { dim_value: 0 },
          { dim_value: 7 },
        ]),
      ],
    });
    assert.deepEqual(readOnnxSignature(bytes).inputs, [
      { name: "x", elemType: "FLOAT", dims: ["n", -1, -1, 0, 7] },
    ]);
  });

  void test("a tensor with no stored shape reads as rank 0, as onnxruntime reports it", () => {
    const bytes = model({ output: [{ name: "y", type: { tensor_type: { elem_type: 7 } } }] });
    assert.deepEqual(readOnnxSignature(bytes).outputs, [
      { name: "y", elemType: "INT64", dims: [] },
    ]);
  });

  void test("a model with no inputs (all constants) has an empty input list", () => {
    assert.deepEqual(readOnnxSignature(model({ input: [] })).inputs, []);
  });

  void test("the opset is the default domain's, written as '' or 'ai.onnx'; other domains do not count", () => {
    const withDomain = model(
      {},
      {
        opset_import: [
          { domain: "com.microsoft", version: 1 },
          { domain: "ai.onnx", version: 15 },
        ],
      },
    );
    assert.equal(readOnnxSignature(withDomain).opsetVersion, 15);
    const onlyCustom = model({}, { opset_import: [{ domain: "com.microsoft", version: 1 }] });
    assert.equal(readOnnxSignature(onlyCustom).opsetVersion, undefined);
  });

  void test("external-data files are found in initializers, node attributes and subgraphs, each once and normalised", () => {
    const subgraph = {
      name: "then_branch",
      initializer: [externalTensor("inner", "sub/inner.bin")],
      output: [tensorValue("z")],
    };
    const bytes = model({
      initializer: [externalTensor("a", "./weights.bin"), externalTensor("b", "weights.bin")],
      sparse_initializer: [{ values: externalTensor("s", "sparse.bin"), dims: [4] }],
      node: [
        {
          op_type: "Constant",
          output: ["c"],
          attribute: [{ name: "value", type: 4, t: externalTensor("c", "const.bin") }],
        },
        {
          op_type: "If",
          input: ["cond"],
          output: ["z"],
          attribute: [{ name: "then_branch", type: 5, g: subgraph }],
        },
      ],
    });
    assert.deepEqual(readOnnxSignature(bytes).externalDataFiles, [
      "weights.bin",
      "sparse.bin",
      "const.bin",
      "sub/inner.bin",
    ]);
  });
});
