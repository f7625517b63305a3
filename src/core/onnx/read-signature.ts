// Reads what a deployment must know about an ONNX model before Triton sees it: the graph's
// inputs and outputs as Triton's ONNX backend will see them, and the external-data files that must
// sit beside model.onnx for it to load (design.md, materialize and validate).
import { posix } from "node:path";
import { onnxElementTypeName, type OnnxElementType } from "./element-types";
import { onnxModelProto } from "./onnx-schema";

/**
 * One graph input or output. `dims` keeps ONNX's view of the shape: a number for a fixed
 * dimension (as stored, so a -1 stays -1), the symbol's name for a symbolic dimension
 * (`dim_param`, e.g. "batch_size"), and -1 for a dimension with neither, which is how
 * onnxruntime (and so Triton) reports it. A tensor whose shape is not stored has `dims: []`,
 * which is also what onnxruntime reports for it.
 */
export interface TensorSignature {
  readonly name: string;
  readonly elemType: OnnxElementType;
  readonly dims: readonly (number | string)[];
}

export interface OnnxSignature {
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  /** Relative paths (posix, normalised) of the external-data files, each once, in graph order. */
  readonly externalDataFiles: readonly string[];
  /** The version of the default ONNX operator set (domain "" or "ai.onnx"); undefined if absent. */
  readonly opsetVersion: number | undefined;
  readonly irVersion: number;
}

// The shapes below are what protobufjs `toObject(…, { longs: Number, arrays: true })` returns
// for the descriptor in onnx-schema.ts; fields that are not on the wire are absent.
interface DecodedEntry {
  key?: string;
  value?: string;
}
interface DecodedTensor {
  name?: string;
  data_location?: number;
  external_data: DecodedEntry[];
}
interface DecodedSparseTensor {
  values?: DecodedTensor;
  indices?: DecodedTensor;
}
interface DecodedAttribute {
  t?: DecodedTensor;
  g?: DecodedGraph;
  tensors: DecodedTensor[];
  graphs: DecodedGraph[];
  sparse_tensor?: DecodedSparseTensor;
  sparse_tensors: DecodedSparseTensor[];
}
interface DecodedNode {
  attribute: DecodedAttribute[];
}
interface DecodedDim {
  dim_value?: number;
  dim_param?: string;
}
interface DecodedTensorType {
  elem_type?: number;
  shape?: { dim: DecodedDim[] };
}
interface DecodedType {
  tensor_type?: DecodedTensorType;
  sequence_type?: unknown;
  map_type?: unknown;
  sparse_tensor_type?: unknown;
  optional_type?: unknown;
}
interface DecodedValueInfo {
  name?: string;
  type?: DecodedType;
}
interface DecodedGraph {
  node: DecodedNode[];
  initializer: DecodedTensor[];
  sparse_initializer: DecodedSparseTensor[];
  input: DecodedValueInfo[];
  output: DecodedValueInfo[];
}
interface DecodedModel {
  ir_version?: number;
  opset_import: { domain?: string; version?: number }[];
  graph?: DecodedGraph;
}

/** Thrown for bytes that are not an ONNX model Triton could serve; the message says why. */
export class InvalidOnnxModelError extends Error {
  constructor(
    readonly fileName: string,
    readonly reason: string,
  ) {
    super(`${fileName} is not a valid ONNX model: ${reason}`);
    this.name = "InvalidOnnxModelError";
  }
}

const TENSOR_PROTO_EXTERNAL = 1;

/**
 * Reads the signature of a serialised ONNX ModelProto. Graph inputs that are also initializers
 * are weights with defaults, not model inputs (onnxruntime and Triton leave them out too).
 * `fileName` only names the file in error messages.
 */
export function readOnnxSignature(bytes: Uint8Array, fileName = "model.onnx"): OnnxSignature {
  const fail = (reason: string): never => {
    throw new InvalidOnnxModelError(fileName, reason);
  };
  if (bytes.length === 0) fail("the file is empty");

  const modelType = onnxModelProto();
  let model: DecodedModel;
  try {
    model = modelType.toObject(modelType.decode(bytes), {
      longs: Number,
      arrays: true,
    }) as DecodedModel;
  } catch (error) {
    return fail(`protobuf decoding failed (${(error as Error).message})`);
  }

  const irVersion = model.ir_version ?? 0;
  if (irVersion <= 0) fail("ir_version is missing (every ONNX model must set it)");
  const graph = model.graph ?? fail("the model has no graph");
  if (graph.output.length === 0) fail("the graph has no outputs");

  const initializerNames = new Set(graph.initializer.map((t) => t.name ?? ""));
  const signatureOf = (kind: "input" | "output", value: DecodedValueInfo, index: number) =>
    tensorSignature(kind, value, index, fail);
  const inputs = graph.input
    .filter((value) => !initializerNames.has(value.name ?? ""))
    .map((value, index) => signatureOf("input", value, index));
  const outputs = graph.output.map((value, index) => signatureOf("output", value, index));

  const defaultOpset = model.opset_import.find((o) => !o.domain || o.domain === "ai.onnx");

  return {
    inputs,
    outputs,
    externalDataFiles: externalDataFiles(graph, fail),
    opsetVersion: defaultOpset?.version,
    irVersion,
  };
}

function tensorSignature(
  kind: "input" | "output",
  value: DecodedValueInfo,
  index: number,
  fail: (reason: string) => never,
): TensorSignature {
  const name = value.name ?? fail(`graph ${kind} #${index} has no name`);
  const type = value.type ?? fail(`${kind} '${name}' has no type`);
  const tensor = type.tensor_type;
  if (!tensor) {
    const other = Object.keys(type).find((k) => k.endsWith("_type")) ?? "unknown type";
    return fail(
      `${kind} '${name}' is a ${other.replace(/_type$/, "")}, not a tensor; Triton's ONNX backend serves tensors only`,
    );
  }
  const code = tensor.elem_type ?? 0;
  const elemType = onnxElementTypeName(code);
  if (elemType === undefined || elemType === "UNDEFINED") {
    return fail(`${kind} '${name}' has element type ${code}, which is not an ONNX tensor type`);
  }
  const dims = (tensor.shape?.dim ?? []).map((d) => d.dim_param ?? d.dim_value ?? -1);
  return { name, elemType, dims };
}

// Every tensor whose data lives in a file beside the model: initializers, sparse initializers and
// tensors held in node attributes, including those of subgraphs (If/Loop/Scan bodies).
function externalDataFiles(graph: DecodedGraph, fail: (reason: string) => never): string[] {
  const files: string[] = [];
  const visitTensor = (tensor: DecodedTensor | undefined) => {
    if (!tensor || tensor.data_location !== TENSOR_PROTO_EXTERNAL) return;
    const location = tensor.external_data.find((e) => e.key === "location")?.value;
    const tensorName = tensor.name ?? "(unnamed)";
    if (!location) return fail(`tensor '${tensorName}' is external but names no location`);
    const normalised = posix.normalize(location);
    if (
      posix.isAbsolute(normalised) ||
      normalised === ".." ||
      normalised.startsWith("../") ||
      /^[A-Za-z]:[\\/]/.test(location)
    ) {
      return fail(
        `tensor '${tensorName}' has external data location '${location}', which is outside the model's directory`,
      );
    }
    if (!files.includes(normalised)) files.push(normalised);
  };
  const visitSparse = (sparse: DecodedSparseTensor | undefined) => {
    visitTensor(sparse?.values);
    visitTensor(sparse?.indices);
  };
  const visitGraph = (g: DecodedGraph) => {
    g.initializer.forEach(visitTensor);
    g.sparse_initializer.forEach(visitSparse);
    for (const node of g.node) {
      for (const attribute of node.attribute) {
        visitTensor(attribute.t);
        attribute.tensors.forEach(visitTensor);
        visitSparse(attribute.sparse_tensor);
        attribute.sparse_tensors.forEach(visitSparse);
        if (attribute.g) visitGraph(attribute.g);
        attribute.graphs.forEach(visitGraph);
      }
    }
  };
  visitGraph(graph);
  return files;
}
