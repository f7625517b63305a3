// Shapes as clients see them: Triton's metadata and inference responses put the batch dimension
// in front of `dims` when max_batch_size > 0 (triton-contract.md §1.3, §3.2 "How shapes map to
// requests"), and name data types by their protocol names.
import { tritonProtocolDataType } from "./data-types";
import type { TritonModelConfig, TritonTensorConfig } from "./types";

/** The shape Triton's model metadata shows for a tensor: `[-1, ...dims]` when batching. */
export function metadataShape(config: TritonModelConfig, tensor: TritonTensorConfig): number[] {
  return config.max_batch_size > 0 ? [-1, ...tensor.dims] : [...tensor.dims];
}

/** The shape of a request (or response) tensor for `batch` items: `[batch, ...dims]` when batching. */
export function requestShape(
  config: TritonModelConfig,
  tensor: TritonTensorConfig,
  batch = 1,
): number[] {
  return config.max_batch_size > 0 ? [batch, ...tensor.dims] : [...tensor.dims];
}

export interface ExpectedTensor {
  readonly name: string;
  /** Protocol datatype: `FP32`, `INT64`, `BYTES`, … */
  readonly datatype: string;
  /** Full shape, batch dimension included when batching; -1 matches any size. */
  readonly shape: number[];
}

/** The outputs a response to a request of `batch` items must carry, as the config declares them. */
export function expectedOutputs(config: TritonModelConfig, batch = 1): ExpectedTensor[] {
  return config.output.map((t) => ({
    name: t.name,
    datatype: tritonProtocolDataType(t.data_type),
    shape: requestShape(config, t, batch),
  }));
}
