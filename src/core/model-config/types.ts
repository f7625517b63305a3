// The subset of Triton's ModelConfig (common: protobuf/model_config.proto) that this platform
// writes, with Triton's own field names, so that rendering it as config.pbtxt or as the JSON of a
// load `config` override (triton-contract.md §1.8) is a direct mapping with no renaming.
import type { TritonDataType } from "./data-types";

export interface TritonTensorConfig {
  readonly name: string;
  readonly data_type: TritonDataType;
  /** Without the batch dimension when max_batch_size > 0; -1 is a wildcard. */
  readonly dims: readonly number[];
  /** The shape the model sees, when it differs from `dims` (e.g. [] for a per-item scalar). */
  readonly reshape?: { readonly shape: readonly number[] };
}

export type TritonInstanceKind = "KIND_CPU" | "KIND_GPU";

export interface TritonInstanceGroup {
  readonly kind: TritonInstanceKind;
  readonly count: number;
}

export interface TritonDynamicBatching {
  readonly preferred_batch_size: readonly number[];
  readonly max_queue_delay_microseconds: number;
}

/** triton-contract.md §2.3. The platform commits `specific` pinned to the committed version. */
export type TritonVersionPolicy =
  | { readonly latest: { readonly num_versions: number } }
  | { readonly all: Record<string, never> }
  | { readonly specific: { readonly versions: readonly number[] } };

export interface TritonModelConfig {
  readonly name: string;
  readonly platform: "onnxruntime_onnx";
  /** 0: no batch dimension; > 0: an implicit first dimension of at most this size. */
  readonly max_batch_size: number;
  readonly version_policy: TritonVersionPolicy;
  readonly input: readonly TritonTensorConfig[];
  readonly output: readonly TritonTensorConfig[];
  readonly instance_group: readonly TritonInstanceGroup[];
  /** Present (possibly with defaults) to turn on Triton's dynamic batcher. */
  readonly dynamic_batching?: TritonDynamicBatching;
}
