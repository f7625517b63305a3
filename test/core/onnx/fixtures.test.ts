// Proves each ONNX fixture is a model onnxruntime really runs, with the shapes and values the
// fixture promises, and that readOnnxSignature reads each one exactly.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { readOnnxSignature, readOnnxSignatureFile } from "../../../src/core/onnx";
import {
  batchableModel,
  corruptModel,
  expectedIrisOutput,
  expectedTwoInputOutput,
  externalDataModel,
  irisModel,
  outputShapeChangedModel,
  truncatedModel,
  twoInputModel,
} from "../../support/onnx/fixtures";

const SETOSA = [5.1, 3.5, 1.4, 0.2];
const VIRGINICA = [6.7, 3.0, 5.2, 2.3];
// onnxruntime computes in float32; the reference in float64 rounded to float32.
const TOLERANCE = 1e-5;

// Warnings only (severity 3 = error): the initializers-as-inputs fixture makes ORT warn on purpose.
const quiet = { logSeverityLevel: 3 } as const;

async function runClassifier(
  session: InferenceSession,
  rows: number[][],
): Promise<{ dims: readonly number[]; type: string; data: Float32Array }> {
  const input = new Tensor("float32", Float32Array.from(rows.flat()), [rows.length, 4]);
  const result = await session.run({ input });
  const out = result.probabilities;
  assert.ok(out, "the model has an output named 'probabilities'");
  return { dims: out.dims, type: out.type, data: out.data as Float32Array };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>) {
  assert.equal(actual.length, expected.length, "element count");
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] ?? NaN;
    const e = expected[i] ?? NaN;
    assert.ok(Math.abs(a - e) <= TOLERANCE, `element ${i}: got ${a}, expected ${e}`);
  }
}

void describe("irisModel", () => {
  void test("runs in onnxruntime: [1,4] float32 in, [1,3] float32 probabilities out", async () => {
    const session = await InferenceSession.create(irisModel());
    assert.deepEqual(session.inputNames, ["input"]);
    assert.deepEqual(session.outputNames, ["probabilities"]);
    const out = await runClassifier(session, [SETOSA]);
    assert.deepEqual(out.dims, [1, 3]);
    assert.equal(out.type, "float32");
    assertClose(out.data, expectedIrisOutput(SETOSA));
    assertClose([out.data.reduce((a, b) => a + b, 0)], [1]);
  });

  void test("different variants give clearly different outputs, each matching the reference", async () => {
    const one = await runClassifier(await InferenceSession.create(irisModel({ variant: 1 })), [
      SETOSA,
    ]);
    const two = await runClassifier(await InferenceSession.create(irisModel({ variant: 2 })), [
      SETOSA,
    ]);
    assertClose(one.data, expectedIrisOutput(SETOSA, 1));
    assertClose(two.data, expectedIrisOutput(SETOSA, 2));
    const largestGap = Math.max(
      ...Array.from(one.data, (v, i) => Math.abs(v - (two.data[i] ?? 0))),
    );
    assert.ok(largestGap > 0.01, `variants 1 and 2 differ by only ${largestGap}`);
  });

  void test("the same variant always builds the same bytes", () => {
    assert.deepEqual(irisModel({ variant: 7 }), irisModel({ variant: 7 }));
    assert.notDeepEqual(irisModel({ variant: 7 }), irisModel({ variant: 8 }));
  });

  void test("onnxruntime rejects a batch of 2 (the batch dimension is fixed at 1)", async () => {
    const session = await InferenceSession.create(irisModel());
    await assert.rejects(runClassifier(session, [SETOSA, VIRGINICA]), /input.*dim|Got: 2/i);
  });

  void test("readOnnxSignature reads it exactly", () => {
    assert.deepEqual(readOnnxSignature(irisModel()), {
      inputs: [{ name: "input", elemType: "FLOAT", dims: [1, 4] }],
      outputs: [{ name: "probabilities", elemType: "FLOAT", dims: [1, 3] }],
      externalDataFiles: [],
      opsetVersion: 13,
      irVersion: 8,
    });
  });

  void test("initializers listed as graph inputs are not model inputs, for the reader and for ORT", async () => {
    const bytes = irisModel({ initializersAsInputs: true });
    const session = await InferenceSession.create(bytes, quiet);
    assert.deepEqual(session.inputNames, ["input"]);
    assert.deepEqual(
      readOnnxSignature(bytes).inputs.map((i) => i.name),
      ["input"],
    );
    assertClose((await runClassifier(session, [SETOSA])).data, expectedIrisOutput(SETOSA));
  });
});

void describe("batchableModel", () => {
  void test("runs a batch of 3 in onnxruntime: [3,4] → [3,3], row by row as the reference", async () => {
    const session = await InferenceSession.create(batchableModel());
    const rows = [SETOSA, VIRGINICA, [5.9, 3.0, 4.2, 1.5]];
    const out = await runClassifier(session, rows);
    assert.deepEqual(out.dims, [3, 3]);
    assertClose(out.data, expectedIrisOutput(rows.flat()));
  });

  void test("has the same weights as irisModel for the same variant", async () => {
    const out = await runClassifier(await InferenceSession.create(batchableModel({ variant: 3 })), [
      VIRGINICA,
    ]);
    assertClose(out.data, expectedIrisOutput(VIRGINICA, 3));
  });

  void test("readOnnxSignature reads an unknown batch dimension as -1", () => {
    const signature = readOnnxSignature(batchableModel());
    assert.deepEqual(signature.inputs, [{ name: "input", elemType: "FLOAT", dims: [-1, 4] }]);
    assert.deepEqual(signature.outputs, [
      { name: "probabilities", elemType: "FLOAT", dims: [-1, 3] },
    ]);
  });

  void test("readOnnxSignature keeps a symbolic batch dimension's name", async () => {
    const bytes = batchableModel({ batchDim: "batch_size" });
    const signature = readOnnxSignature(bytes);
    assert.deepEqual(signature.inputs, [
      { name: "input", elemType: "FLOAT", dims: ["batch_size", 4] },
    ]);
    assert.deepEqual(signature.outputs, [
      { name: "probabilities", elemType: "FLOAT", dims: ["batch_size", 3] },
    ]);
    const out = await runClassifier(await InferenceSession.create(bytes), [SETOSA, VIRGINICA]);
    assert.deepEqual(out.dims, [2, 3]);
  });
});

void describe("twoInputModel", () => {
  void test("runs in onnxruntime: FLOAT x + INT64 offset → FLOAT y", async () => {
    const session = await InferenceSession.create(twoInputModel());
    assert.deepEqual(session.inputNames, ["x", "offset"]);
    assert.deepEqual(session.outputNames, ["y"]);
    const x = Float32Array.from([0.5, 1.5, -2, 4]);
    const offset = BigInt64Array.from([1n, -2n, 3n, 100n]);
    const result = await session.run({
      x: new Tensor("float32", x, [1, 4]),
      offset: new Tensor("int64", offset, [1, 4]),
    });
    assert.deepEqual(result.y?.dims, [1, 4]);
    assert.equal(result.y?.type, "float32");
    assert.deepEqual(Array.from(result.y?.data as Float32Array), [1.5, -0.5, 1, 104]);
    assert.deepEqual(expectedTwoInputOutput(x, offset), Float32Array.from([1.5, -0.5, 1, 104]));
  });

  void test("onnxruntime rejects a float32 offset (the element types really differ)", async () => {
    const session = await InferenceSession.create(twoInputModel());
    await assert.rejects(
      session.run({
        x: new Tensor("float32", new Float32Array(4), [1, 4]),
        offset: new Tensor("float32", new Float32Array(4), [1, 4]),
      }),
      /type/i,
    );
  });

  void test("readOnnxSignature reads both inputs with their element types", () => {
    assert.deepEqual(readOnnxSignature(twoInputModel()), {
      inputs: [
        { name: "x", elemType: "FLOAT", dims: [1, 4] },
        { name: "offset", elemType: "INT64", dims: [1, 4] },
      ],
      outputs: [{ name: "y", elemType: "FLOAT", dims: [1, 4] }],
      externalDataFiles: [],
      opsetVersion: 13,
      irVersion: 8,
    });
  });
});

void describe("outputShapeChangedModel", () => {
  void test("runs in onnxruntime: [1,4] → [1,5]", async () => {
    const out = await runClassifier(await InferenceSession.create(outputShapeChangedModel()), [
      SETOSA,
    ]);
    assert.deepEqual(out.dims, [1, 5]);
    assertClose(out.data, expectedIrisOutput(SETOSA, 1, 5));
  });

  void test("readOnnxSignature reads the changed output shape", () => {
    const signature = readOnnxSignature(outputShapeChangedModel());
    assert.deepEqual(signature.inputs, [{ name: "input", elemType: "FLOAT", dims: [1, 4] }]);
    assert.deepEqual(signature.outputs, [
      { name: "probabilities", elemType: "FLOAT", dims: [1, 5] },
    ]);
  });
});

void describe("externalDataModel", () => {
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  async function writeModelDir(fixture: ReturnType<typeof externalDataModel>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "onnx-external-"));
    dirs.push(dir);
    await writeFile(join(dir, "model.onnx"), fixture.model);
    await writeFile(join(dir, fixture.dataFileName), fixture.data);
    return dir;
  }

  void test("the data file holds both initializers: 4x3 + 3 float32 = 60 bytes", () => {
    const fixture = externalDataModel();
    assert.equal(fixture.dataFileName, "model.onnx.data");
    assert.equal(fixture.data.length, 60);
  });

  void test("loads from its directory in onnxruntime and computes the iris output", async () => {
    const fixture = externalDataModel({ variant: 4 });
    const dir = await writeModelDir(fixture);
    const out = await runClassifier(await InferenceSession.create(join(dir, "model.onnx")), [
      VIRGINICA,
    ]);
    assert.deepEqual(out.dims, [1, 3]);
    assertClose(out.data, expectedIrisOutput(VIRGINICA, 4));
  });

  void test("onnxruntime cannot load it without the data file beside it", async () => {
    const fixture = externalDataModel();
    const dir = await mkdtemp(join(tmpdir(), "onnx-external-missing-"));
    dirs.push(dir);
    await writeFile(join(dir, "model.onnx"), fixture.model);
    await assert.rejects(InferenceSession.create(join(dir, "model.onnx"), quiet));
  });

  void test("readOnnxSignature names the data file, and the custom name when one is given", () => {
    assert.deepEqual(readOnnxSignature(externalDataModel().model), {
      inputs: [{ name: "input", elemType: "FLOAT", dims: [1, 4] }],
      outputs: [{ name: "probabilities", elemType: "FLOAT", dims: [1, 3] }],
      externalDataFiles: ["model.onnx.data"],
      opsetVersion: 13,
      irVersion: 8,
    });
    const custom = externalDataModel({ dataFileName: "weights.bin" });
    assert.deepEqual(readOnnxSignature(custom.model).externalDataFiles, ["weights.bin"]);
  });
});

void describe("corruptModel and truncatedModel", () => {
  for (const [name, build] of [
    ["corruptModel", corruptModel],
    ["truncatedModel", truncatedModel],
  ] as const) {
    void test(`${name}: onnxruntime refuses it and readOnnxSignature says why`, async () => {
      await assert.rejects(InferenceSession.create(build(), quiet), /protobuf parsing failed/);
      assert.throws(() => readOnnxSignature(build()), {
        name: "InvalidOnnxModelError",
        message:
          "model.onnx is not a valid ONNX model: protobuf decoding failed (index out of range)",
      });
    });
  }
});

void describe("readOnnxSignatureFile", () => {
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  void test("reads a model from disk", async () => {
    const dir = await mkdtemp(join(tmpdir(), "onnx-file-"));
    dirs.push(dir);
    await writeFile(join(dir, "model.onnx"), twoInputModel());
    const signature = await readOnnxSignatureFile(join(dir, "model.onnx"));
    assert.deepEqual(
      signature.inputs.map((i) => [i.name, i.elemType]),
      [
        ["x", "FLOAT"],
        ["offset", "INT64"],
      ],
    );
  });

  void test("names the file as asked in errors", async () => {
    const dir = await mkdtemp(join(tmpdir(), "onnx-file-"));
    dirs.push(dir);
    await writeFile(join(dir, "model.onnx"), corruptModel());
    await assert.rejects(readOnnxSignatureFile(join(dir, "model.onnx"), "13/model.onnx"), {
      message:
        "13/model.onnx is not a valid ONNX model: protobuf decoding failed (index out of range)",
    });
  });
});
