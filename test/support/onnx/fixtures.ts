// ONNX models for tests, built in TypeScript with the same protobuf schema the reader uses, so no
// binary blob is checked in. Each is a small real graph that onnxruntime runs (fixtures.test.ts
// proves it), with deterministic weights and a pure-JS reference to check real inference values.
import { onnxElementTypeCode, onnxModelProto, type OnnxElementType } from "../../../src/core/onnx";

/** A dimension: a fixed size, a symbolic name (dim_param), or null for an unknown dimension. */
type Dim = number | string | null;

/** Tensor names shared by the classifier fixtures (iris, batchable, output-shape-changed). */
export const CLASSIFIER_INPUT = "input";
export const CLASSIFIER_OUTPUT = "probabilities";
export const IRIS_FEATURES = 4;
export const IRIS_CLASSES = 3;

const IR_VERSION = 8;
const OPSET_VERSION = 13;

export interface IrisOptions {
  /** Seeds the weights: different variants give different outputs. @default 1 */
  readonly variant?: number;
  /**
   * Also list the initializers as graph inputs, as exporters did before IR version 4; they are
   * weights with defaults, not model inputs.
   * @default false
   */
  readonly initializersAsInputs?: boolean;
}

/** The old platform's iris classifier: `input` FLOAT [1,4] → `probabilities` FLOAT [1,3]. */
export function irisModel(opts: IrisOptions = {}): Uint8Array {
  return classifierModel({
    batchDim: 1,
    classes: IRIS_CLASSES,
    variant: opts.variant ?? 1,
    initializersAsInputs: opts.initializersAsInputs ?? false,
  });
}

export interface BatchableOptions {
  readonly variant?: number;
  /**
   * How the batch dimension is stored: null for an unknown dimension (reads as -1), or a
   * symbol name (dim_param), as `torch.onnx.export(dynamic_axes=…)` writes it.
   * @default null
   */
  readonly batchDim?: string | null;
}

/** The iris classifier with a free batch dimension: `input` [-1,4] → `probabilities` [-1,3]. */
export function batchableModel(opts: BatchableOptions = {}): Uint8Array {
  return classifierModel({
    batchDim: opts.batchDim ?? null,
    classes: IRIS_CLASSES,
    variant: opts.variant ?? 1,
    initializersAsInputs: false,
  });
}

/** The iris classifier grown a class: `input` [1,4] → `probabilities` [1,5]. */
export function outputShapeChangedModel(opts: { variant?: number } = {}): Uint8Array {
  return classifierModel({
    batchDim: 1,
    classes: 5,
    variant: opts.variant ?? 1,
    initializersAsInputs: false,
  });
}

export const TWO_INPUT = { x: "x", offset: "offset", output: "y" } as const;

/** Two inputs of different element types: `x` FLOAT [1,4] + Cast(`offset` INT64 [1,4]) → `y` FLOAT [1,4]. */
export function twoInputModel(): Uint8Array {
  return encodeModel({
    name: "two_input",
    node: [
      node(
        "Cast",
        [TWO_INPUT.offset],
        ["offset_as_float"],
        [{ name: "to", type: ATTRIBUTE_INT, i: onnxElementTypeCode("FLOAT") }],
      ),
      node("Add", [TWO_INPUT.x, "offset_as_float"], [TWO_INPUT.output]),
    ],
    initializer: [],
    input: [valueInfo(TWO_INPUT.x, "FLOAT", [1, 4]), valueInfo(TWO_INPUT.offset, "INT64", [1, 4])],
    output: [valueInfo(TWO_INPUT.output, "FLOAT", [1, 4])],
  });
}

/** What twoInputModel computes: x + offset, in float32. */
export function expectedTwoInputOutput(
  x: ArrayLike<number>,
  offset: ArrayLike<number | bigint>,
): Float32Array {
  return Float32Array.from(x, (v, i) => v + Number(offset[i]));
}

export interface ExternalDataModel {
  /** The bytes of model.onnx; its initializers point into `dataFileName`. */
  readonly model: Uint8Array;
  /** The file to write beside model.onnx. */
  readonly dataFileName: string;
  readonly data: Uint8Array;
}

/**
 * The iris classifier saved as `onnx.save(model, path, save_as_external_data=True,
 * location="model.onnx.data", size_threshold=0)` would: every initializer's bytes go, one after
 * the other, into the data file, and each initializer keeps its dims and data_type and gains
 * data_location=EXTERNAL with `location`, `offset` and `length` entries. Runs only when loaded
 * from a path, with the data file beside it.
 */
export function externalDataModel(
  opts: { variant?: number; dataFileName?: string } = {},
): ExternalDataModel {
  const dataFileName = opts.dataFileName ?? "model.onnx.data";
  const { weights, bias } = classifierWeights(opts.variant ?? 1, IRIS_CLASSES);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const external = (name: string, dims: number[], values: number[]) => {
    const bytes = float32Bytes(values);
    const tensor = {
      name,
      dims,
      data_type: onnxElementTypeCode("FLOAT"),
      data_location: TENSOR_EXTERNAL,
      external_data: [
        { key: "location", value: dataFileName },
        { key: "offset", value: String(offset) },
        { key: "length", value: String(bytes.length) },
      ],
    };
    chunks.push(bytes);
    offset += bytes.length;
    return tensor;
  };
  const initializer = [
    external("weights", [IRIS_FEATURES, IRIS_CLASSES], weights),
    external("bias", [IRIS_CLASSES], bias),
  ];
  const model = encodeModel(classifierGraph([1, IRIS_FEATURES], IRIS_CLASSES, initializer));
  return { model, dataFileName, data: concat(chunks) };
}

/** Bytes that are not an ONNX model at all (protobuf decoding fails). */
export function corruptModel(): Uint8Array {
  return new TextEncoder().encode("this is not an ONNX model\n");
}

/** The first half of a valid model, as a download cut short would leave it. */
export function truncatedModel(): Uint8Array {
  const whole = irisModel();
  return whole.slice(0, Math.floor(whole.length / 2));
}

/**
 * What the classifier fixtures compute, row by row: softmax(input · W + b), in float32.
 * `input` holds any number of rows of 4 features; the result holds `classes` values per row.
 */
export function expectedIrisOutput(
  input: ArrayLike<number>,
  variant = 1,
  classes = IRIS_CLASSES,
): Float32Array {
  const { weights, bias } = classifierWeights(variant, classes);
  const rows = input.length / IRIS_FEATURES;
  if (!Number.isInteger(rows)) {
    throw new Error(`expectedIrisOutput: input length ${input.length} is not a multiple of 4`);
  }
  const out = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    const logits = Array.from({ length: classes }, (_, c) => {
      let sum = bias[c] ?? 0;
      for (let f = 0; f < IRIS_FEATURES; f++) {
        sum += (input[r * IRIS_FEATURES + f] ?? 0) * (weights[f * classes + c] ?? 0);
      }
      return sum;
    });
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const total = exps.reduce((a, b) => a + b, 0);
    exps.forEach((e, c) => (out[r * classes + c] = e / total));
  }
  return out;
}

/**
 * The classifier's weights ([4, classes] row-major) and bias ([classes]), from a small seeded
 * generator, as multiples of 1/64 in [-1, 1] so float32 holds them exactly.
 */
export function classifierWeights(
  variant: number,
  classes: number,
): { weights: number[]; bias: number[] } {
  const next = mulberry32(0x9e3779b9 ^ variant);
  const draw = () => Math.round((next() * 2 - 1) * 64) / 64;
  const weights = Array.from({ length: IRIS_FEATURES * classes }, draw);
  const bias = Array.from({ length: classes }, draw);
  return { weights, bias };
}

// --- builders -------------------------------------------------------------------------------

const ATTRIBUTE_INT = 2;
const TENSOR_EXTERNAL = 1;

interface GraphSpec {
  name: string;
  node: object[];
  initializer: object[];
  input: object[];
  output: object[];
}

function classifierModel(spec: {
  batchDim: Dim;
  classes: number;
  variant: number;
  initializersAsInputs: boolean;
}): Uint8Array {
  const { weights, bias } = classifierWeights(spec.variant, spec.classes);
  const initializer = [
    floatTensor("weights", [IRIS_FEATURES, spec.classes], weights),
    floatTensor("bias", [spec.classes], bias),
  ];
  const graph = classifierGraph([spec.batchDim, IRIS_FEATURES], spec.classes, initializer);
  if (spec.initializersAsInputs) {
    graph.input.push(
      valueInfo("weights", "FLOAT", [IRIS_FEATURES, spec.classes]),
      valueInfo("bias", "FLOAT", [spec.classes]),
    );
  }
  return encodeModel(graph);
}

// MatMul + Add + Softmax over the last axis: a real, if tiny, classifier head.
function classifierGraph(inputDims: Dim[], classes: number, initializer: object[]): GraphSpec {
  return {
    name: "classifier",
    node: [
      node("MatMul", [CLASSIFIER_INPUT, "weights"], ["scores"]),
      node("Add", ["scores", "bias"], ["logits"]),
      node("Softmax", ["logits"], [CLASSIFIER_OUTPUT]),
    ],
    initializer,
    input: [valueInfo(CLASSIFIER_INPUT, "FLOAT", inputDims)],
    output: [valueInfo(CLASSIFIER_OUTPUT, "FLOAT", [inputDims[0] ?? null, classes])],
  };
}

function encodeModel(graph: GraphSpec): Uint8Array {
  const type = onnxModelProto();
  const message = type.fromObject({
    ir_version: IR_VERSION,
    producer_name: "triton-serving-fixtures",
    opset_import: [{ domain: "", version: OPSET_VERSION }],
    graph,
  });
  return type.encode(message).finish();
}

function node(opType: string, input: string[], output: string[], attribute: object[] = []) {
  return { op_type: opType, input, output, attribute, name: `${opType}_${output[0] ?? ""}` };
}

function valueInfo(name: string, elemType: OnnxElementType, dims: Dim[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: onnxElementTypeCode(elemType),
        shape: {
          dim: dims.map((d) =>
            d === null ? {} : typeof d === "string" ? { dim_param: d } : { dim_value: d },
          ),
        },
      },
    },
  };
}

function floatTensor(name: string, dims: number[], values: number[]) {
  return { name, dims, data_type: onnxElementTypeCode("FLOAT"), raw_data: float32Bytes(values) };
}

// ONNX raw_data is little-endian whatever the host (onnx/onnx.proto3, TensorProto.raw_data).
function float32Bytes(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// A tiny deterministic PRNG (public-domain mulberry32), so weights need no stored data.
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The iris classifier with a fixed first dimension of `rows`: `input` [rows,4] →
 * `probabilities` [rows,3]. Large `rows` make a shape no smoke input can be generated for.
 */
export function fixedRowsModel(rows: number): Uint8Array {
  return classifierModel({
    batchDim: rows,
    classes: IRIS_CLASSES,
    variant: 1,
    initializersAsInputs: false,
  });
}
