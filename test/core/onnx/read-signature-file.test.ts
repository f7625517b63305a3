// readOnnxSignatureFile reads the graph, not the weights: the same signature as decoding the
// whole file, for every fixture and for tensors whose data sits in every place ONNX allows, while
// a model with 4 GiB of weights inside the file is answered from a few KiB of reads.
import assert from "node:assert/strict";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  onnxModelProto,
  readOnnxSignature,
  readOnnxSignatureFile,
  readOnnxSignatureFileCounted,
} from "../../../src/core/onnx";
import { encodeVarint } from "../../../src/core/onnx/read-signature-skeleton";
import {
  batchableModel,
  corruptModel,
  externalDataModel,
  irisModel,
  outputShapeChangedModel,
  truncatedModel,
  twoInputModel,
} from "../../support/onnx/fixtures";

const FLOAT = 1;
const UINT8 = 2;
const EXTERNAL = 1;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "onnx-signature-file-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
async function onDisk(bytes: Uint8Array): Promise<string> {
  const path = join(dir, `model-${++files}.onnx`);
  await writeFile(path, bytes);
  return path;
}

function encode(model: object): Uint8Array {
  const type = onnxModelProto();
  return type.encode(type.fromObject(model)).finish();
}

const tensorValue = (name: string) => ({
  name,
  type: {
    tensor_type: { elem_type: FLOAT, shape: { dim: [{ dim_value: 1 }, { dim_param: "n" }] } },
  },
});
const external = (name: string, location: string) => ({
  name,
  dims: [1],
  data_type: FLOAT,
  data_location: EXTERNAL,
  external_data: [{ key: "location", value: location }],
});

/** Weights in every field the reader steps over, and external data in every place it must find. */
function everyTensorPlace(): Uint8Array {
  const subgraph = {
    initializer: [external("inner", "sub/inner.bin")],
    output: [tensorValue("z")],
  };
  return encode({
    ir_version: 9,
    opset_import: [
      { domain: "ai.onnx.ml", version: 3 },
      { domain: "", version: 18 },
    ],
    producer_name: "test",
    graph: {
      name: "g",
      initializer: [
        { name: "raw", dims: [3], data_type: FLOAT, raw_data: new Uint8Array(12).fill(1) },
        { name: "floats", dims: [2], data_type: FLOAT, float_data: [1.5, 2.5] },
        { name: "ints", dims: [2], data_type: 6, int32_data: [1, -2] },
        { name: "longs", dims: [2], data_type: 7, int64_data: [3, 4] },
        { name: "doubles", dims: [1], data_type: 11, double_data: [0.25] },
        { name: "ulongs", dims: [1], data_type: 13, uint64_data: [5] },
        { name: "strings", dims: [1], data_type: 8, string_data: [new Uint8Array([104, 105])] },
        external("ext", "weights/a.bin"),
      ],
      sparse_initializer: [
        { values: external("sparse", "sparse.bin"), indices: { name: "idx", int64_data: [0] } },
      ],
      node: [
        {
          op_type: "If",
          input: ["c"],
          output: ["y"],
          attribute: [
            { name: "then_branch", type: 5, g: subgraph },
            { name: "value", type: 4, t: { name: "t", raw_data: new Uint8Array(8) } },
            { name: "ts", type: 9, tensors: [external("listed", "weights/a.bin")] },
          ],
        },
      ],
      input: [tensorValue("x"), tensorValue("raw")],
      output: [tensorValue("y")],
    },
  });
}

void describe("readOnnxSignatureFile", () => {
  const ext = externalDataModel();
  const fixtures: [string, Uint8Array][] = [
    ["irisModel", irisModel()],
    ["batchableModel", batchableModel()],
    ["outputShapeChangedModel", outputShapeChangedModel()],
    ["twoInputModel", twoInputModel()],
    ["externalDataModel", ext.model],
    ["tensor data in every field, external data in every place", everyTensorPlace()],
  ];
  for (const [name, bytes] of fixtures) {
    void test(`${name}: the same signature as decoding the whole file`, async () => {
      assert.deepEqual(await readOnnxSignatureFile(await onDisk(bytes)), readOnnxSignature(bytes));
    });
  }

  void test("every external-data file is still found, each once, in graph order", async () => {
    const signature = await readOnnxSignatureFile(await onDisk(everyTensorPlace()));
    assert.deepEqual(signature.externalDataFiles, ["weights/a.bin", "sparse.bin", "sub/inner.bin"]);
    assert.deepEqual(
      signature.inputs.map((i) => i.name),
      ["x"],
    );
    assert.equal(signature.opsetVersion, 18);
  });

  void test("4 GiB of weights inside the file are stepped over: a few KiB are read", async () => {
    // A sparse file (the weights are a hole): reading it whole would fail (Node refuses to read
    // a file over 2 GiB into one buffer), so only a reader that skips the weights passes.
    const weightBytes = 4 * 1024 ** 3;
    const type = onnxModelProto();
    const headOf = (o: object) => type.encode(type.fromObject(o)).finish();
    const tensorHead = onnxTensorBytes({ name: "w", dims: [weightBytes], data_type: UINT8 });
    const rawTag = Uint8Array.of((9 << 3) | 2, ...encodeVarint(weightBytes));
    const graphTail = graphBytes({ input: [tensorValue("x")], output: [tensorValue("y")] });
    const tensorLength = tensorHead.length + rawTag.length + weightBytes;
    const initializerTag = Uint8Array.of((5 << 3) | 2, ...encodeVarint(tensorLength));
    const graphLength = initializerTag.length + tensorLength + graphTail.length;
    const prefix = Buffer.concat([
      headOf({ ir_version: 8, opset_import: [{ domain: "", version: 17 }] }),
      Uint8Array.of((7 << 3) | 2, ...encodeVarint(graphLength)),
      initializerTag,
      tensorHead,
      rawTag,
    ]);
    const path = join(dir, "huge.onnx");
    const handle = await open(path, "w");
    try {
      await handle.write(prefix, 0, prefix.length, 0);
      await handle.write(graphTail, 0, graphTail.length, prefix.length + weightBytes);
    } finally {
      await handle.close();
    }
    const { signature, bytesRead } = await readOnnxSignatureFileCounted(path);
    assert.deepEqual(
      signature.inputs.map((i) => [i.name, i.elemType, i.dims]),
      [["x", "FLOAT", [1, "n"]]],
    );
    assert.deepEqual(
      signature.outputs.map((o) => o.name),
      ["y"],
    );
    assert.ok(bytesRead <= 2 * 64 * 1024, `read ${bytesRead} bytes`);
  });

  for (const [name, bytes] of [
    ["corruptModel", corruptModel()],
    ["truncatedModel", truncatedModel()],
    ["a file cut inside its weights", cutInsideWeights()],
  ] as const) {
    void test(`${name}: the protobuf decoder's own reason, with the name given`, async () => {
      await assert.rejects(readOnnxSignatureFile(await onDisk(bytes), "13/model.onnx"), {
        name: "InvalidOnnxModelError",
        message:
          "13/model.onnx is not a valid ONNX model: protobuf decoding failed (index out of range)",
      });
    });
  }

  void test("an empty file is named as such", async () => {
    await assert.rejects(readOnnxSignatureFile(await onDisk(new Uint8Array(0))), {
      message: /^model-\d+\.onnx is not a valid ONNX model: the file is empty$/,
    });
  });
});

/** The iris model with a 1 MiB initializer, cut in the middle of that initializer's raw_data. */
function cutInsideWeights(): Uint8Array {
  const type = onnxModelProto();
  const model = type.toObject(type.decode(irisModel()), { longs: Number, bytes: Array }) as {
    graph: { initializer: unknown[] };
  };
  const big = { name: "big", dims: [1 << 20], data_type: UINT8, raw_data: new Uint8Array(1 << 20) };
  const whole = type
    .encode(
      type.fromObject({
        ...model,
        graph: { ...model.graph, initializer: [...model.graph.initializer, big] },
      }),
    )
    .finish();
  return whole.slice(0, whole.length - (1 << 19));
}

function onnxTensorBytes(tensor: object): Uint8Array {
  const type = onnxModelProto().lookupType("onnx.TensorProto");
  return type.encode(type.fromObject(tensor)).finish();
}

function graphBytes(graph: object): Uint8Array {
  const type = onnxModelProto().lookupType("onnx.GraphProto");
  return type.encode(type.fromObject(graph)).finish();
}
