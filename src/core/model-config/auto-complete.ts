// Filling a config's missing inputs/outputs from the ONNX graph, as Triton's ONNX backend does
// when auto-complete is on (triton-contract.md §3.1; onnxruntime_backend: src/onnxruntime.cc
// AutoCompleteConfig, AutoCompleteMaxBatch, AutoCompleteIO). Doing it here, before the load,
// means the committed config.pbtxt is complete and Triton never has to guess.
import type { OnnxSignature } from "../onnx";
import { tritonTypeForOnnx } from "./data-types";
import { ModelConfigError } from "./errors";
import type { TritonModelConfig, TritonTensorConfig } from "./types";
import { tritonViewOfOnnxDims } from "./validate";

export interface AutoCompleteOptions {
  /**
   * Triton's `--backend-config=onnxruntime,default-max-batch-size=<n>`: the max_batch_size set
   * when the model can batch and the config says 0.
   * @default 4
   */
  readonly defaultMaxBatchSize?: number;
}

/**
 * Completes `config` from the model's signature the way Triton would:
 * - a config that lists both inputs and outputs is returned unchanged (Triton skips
 *   auto-complete entirely, so dims are not corrected and max_batch_size is not inferred);
 * - the model can batch when every input and output has rank >= 1 and first dimension -1;
 *   then a max_batch_size of 0 becomes `defaultMaxBatchSize`, and a max_batch_size > 1 with no
 *   scheduler gains an empty dynamic_batching;
 * - a model that cannot batch with max_batch_size > 0 is an error (Triton's text);
 * - missing inputs or outputs are filled from the graph, in graph order, without the batch
 *   dimension when batching; a tensor left with no dims gets dims [1] (and, when batching, a
 *   reshape to []).
 */
export function autoCompleteFromOnnx(
  config: TritonModelConfig,
  signature: Pick<OnnxSignature, "inputs" | "outputs">,
  options: AutoCompleteOptions = {},
): TritonModelConfig {
  if (config.input.length > 0 && config.output.length > 0) return config;

  const all = [...signature.inputs, ...signature.outputs];
  const canBatch = all.every((t) => t.dims.length > 0 && tritonViewOfOnnxDims(t.dims)[0] === -1);
  let maxBatchSize = config.max_batch_size;
  let dynamicBatching = config.dynamic_batching;
  if (canBatch) {
    if (maxBatchSize === 0) maxBatchSize = Math.max(options.defaultMaxBatchSize ?? 4, 0);
    if (maxBatchSize > 1 && dynamicBatching === undefined) {
      dynamicBatching = { preferred_batch_size: [], max_queue_delay_microseconds: 0 };
    }
  } else if (maxBatchSize !== 0) {
    throw new ModelConfigError(
      `autofill failed for model '${config.name}': model does not support batching while non-zero max_batch_size is specified`,
    );
  }

  const fill = (io: "input" | "output", tensors: OnnxSignature["inputs"]): TritonTensorConfig[] =>
    tensors.map((t) => {
      const dataType = tritonTypeForOnnx(t.elemType);
      if (dataType === undefined) {
        throw new ModelConfigError(
          `model '${config.name}': ${io} '${t.name}' has ONNX element type ${t.elemType}, which Triton cannot serve`,
        );
      }
      const dims = tritonViewOfOnnxDims(t.dims).slice(maxBatchSize > 0 ? 1 : 0);
      if (dims.length > 0) return { name: t.name, data_type: dataType, dims };
      return maxBatchSize > 0
        ? { name: t.name, data_type: dataType, dims: [1], reshape: { shape: [] } }
        : { name: t.name, data_type: dataType, dims: [1] };
    });

  const completed: TritonModelConfig = {
    ...config,
    max_batch_size: maxBatchSize,
    input: config.input.length > 0 ? config.input : fill("input", signature.inputs),
    output: config.output.length > 0 ? config.output : fill("output", signature.outputs),
  };
  return dynamicBatching === undefined
    ? completed
    : { ...completed, dynamic_batching: dynamicBatching };
}
