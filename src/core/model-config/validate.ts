// The check Triton's ONNX backend runs at load time, comparing the model config with the ONNX
// graph (triton-contract.md §3.2; onnxruntime_backend: src/onnxruntime.cc ValidateInputs and
// ValidateOutputs, src/onnxruntime_utils.cc CompareDimsSupported), run BEFORE Triton is touched,
// so a mismatch fails the deployment fast instead of as a load failure. Messages are Triton's own
// texts, so the operator sees what Triton would have said, with both shapes.
//
// Triton stops at the first problem; this reports every one it finds, in Triton's order.
import type { OnnxSignature, TensorSignature } from "../onnx";
import { onnxTypeForTriton, tritonTypeForOnnx } from "./data-types";
import { ModelConfigError } from "./errors";
import type { TritonModelConfig, TritonTensorConfig } from "./types";

export type ConfigProblemRule =
  "input-count" | "unknown-tensor" | "data-type" | "batch-dimension" | "dims" | "scalar-dims";

export interface ConfigProblem {
  readonly rule: ConfigProblemRule;
  /** Which list of the config the tensor is in; "input" for the input-count rule. */
  readonly io: "input" | "output";
  /** The tensor's name; absent for the input-count rule. */
  readonly tensor?: string;
  /** Triton's text for this problem, naming the model, the tensor and both shapes or types. */
  readonly message: string;
}

/** How onnxruntime, and so Triton, sees a dimension: symbolic and unknown dimensions are -1. */
export function tritonViewOfOnnxDims(dims: readonly (number | string)[]): number[] {
  return dims.map((d) => (typeof d === "string" ? -1 : d));
}

/** `[1,4]`: Triton's ShapeToString (backend: src/backend_common.cc). */
export function shapeToString(dims: readonly number[]): string {
  return `[${dims.join(",")}]`;
}

/**
 * The problems Triton would find loading `config` for a model with this signature; empty when it
 * would load. Rules (triton-contract.md §3.2):
 * - the config lists as many inputs as the model has; every config input and output exists in
 *   the model (a config may list a subset of the outputs);
 * - each data_type is the one Triton maps the ONNX element type to;
 * - max_batch_size 0: the config dims (or reshape) have the model's rank and equal its dims,
 *   where a -1 in the model matches anything for inputs but only -1 for outputs;
 * - max_batch_size > 0: the model's first dimension is -1, and [-1] + dims matches as above;
 * - a rank-0 model tensor needs every config dim to be 1.
 */
export function validateAgainstOnnx(
  config: TritonModelConfig,
  signature: Pick<OnnxSignature, "inputs" | "outputs">,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const model = config.name;
  if (config.input.length !== signature.inputs.length) {
    problems.push({
      rule: "input-count",
      io: "input",
      message: `unable to load model '${model}', configuration expects ${config.input.length} inputs, model provides ${signature.inputs.length}`,
    });
  }
  for (const [io, tensors, modelTensors] of [
    ["input", config.input, signature.inputs],
    ["output", config.output, signature.outputs],
  ] as const) {
    for (const tensor of tensors) {
      const found = modelTensors.find((t) => t.name === tensor.name);
      const problem = found
        ? checkTensor(model, io, tensor, found, config.max_batch_size)
        : {
            rule: "unknown-tensor" as const,
            message: `unexpected inference ${io} '${tensor.name}', allowed ${io}s are: ${allowedNames(modelTensors)}`,
          };
      if (problem) problems.push({ ...problem, io, tensor: tensor.name });
    }
  }
  return problems;
}

// Triton lists the allowed names from a std::set, so sorted by byte value.
function allowedNames(tensors: readonly TensorSignature[]): string {
  return tensors
    .map((t) => t.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .join(", ");
}

function checkTensor(
  model: string,
  io: "input" | "output",
  tensor: TritonTensorConfig,
  found: TensorSignature,
  maxBatchSize: number,
): { rule: ConfigProblemRule; message: string } | undefined {
  if (onnxTypeForTriton(tensor.data_type) !== found.elemType) {
    const provided = tritonTypeForOnnx(found.elemType);
    const providedText = provided ?? `ONNX ${found.elemType}, which Triton cannot serve`;
    return {
      rule: "data-type",
      message: `unable to load model '${model}', configuration expects datatype ${tensor.data_type} for ${io} '${tensor.name}', model provides ${providedText}`,
    };
  }
  // A reshape, when given, is the shape the model sees (ValidateInputs/ValidateOutputs).
  const dims = tensor.reshape?.shape ?? tensor.dims;
  const modelDims = tritonViewOfOnnxDims(found.dims);
  if (modelDims.length === 0) {
    if (dims.every((d) => d === 1)) return undefined;
    return {
      rule: "scalar-dims",
      message: `unable to load model '${model}', scalar tensor '${tensor.name}', should only provide 1 in the model configuration when the model doesn't support batching. Model configuration provided: ${shapeToString(dims)}.`,
    };
  }
  return compareDims(model, tensor.name, modelDims, dims, maxBatchSize, io === "output");
}

function compareDims(
  model: string,
  tensorName: string,
  modelDims: readonly number[],
  dims: readonly number[],
  maxBatchSize: number,
  exact: boolean,
): { rule: ConfigProblemRule; message: string } | undefined {
  const prefix = `model '${model}', tensor '${tensorName}'`;
  const matches = (expected: readonly number[]) =>
    modelDims.length === expected.length &&
    modelDims.every((m, i) => (!exact && m === -1) || m === expected[i]);
  const expects = `the model expects ${modelDims.length} dimensions (shape ${shapeToString(modelDims)})`;

  if (maxBatchSize > 0) {
    if (modelDims[0] !== -1) {
      return {
        rule: "batch-dimension",
        message: `${prefix}: for the model to support batching the shape should have at least 1 dimension and the first dimension must be -1; but shape expected by the model is ${shapeToString(modelDims)}`,
      };
    }
    const full = [-1, ...dims];
    if (matches(full)) return undefined;
    return {
      rule: "dims",
      message: `${prefix}: ${expects} but the model configuration specifies ${full.length} dimensions (an initial batch dimension because max_batch_size > 0 followed by the explicit tensor shape, making complete shape ${shapeToString(full)})`,
    };
  }
  if (matches(dims)) return undefined;
  return {
    rule: "dims",
    message: `${prefix}: ${expects} but the model configuration specifies ${dims.length} dimensions (shape ${shapeToString(dims)})`,
  };
}

/**
 * Throws a ModelConfigError listing every problem (one per line after the first) when Triton
 * would refuse to load `config` for this model; returns quietly otherwise.
 */
export function assertConfigMatchesOnnx(
  config: TritonModelConfig,
  signature: Pick<OnnxSignature, "inputs" | "outputs">,
): void {
  const problems = validateAgainstOnnx(config, signature);
  if (problems.length === 0) return;
  const lines = problems.map((p) => p.message);
  throw new ModelConfigError(
    problems.length === 1
      ? `the model does not match its Triton config: ${lines.join("")}`
      : `the model does not match its Triton config (${problems.length} problems):\n- ${lines.join("\n- ")}`,
  );
}
