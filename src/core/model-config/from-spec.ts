// From the stack's description of a model (src/config/schema.ts, `models[]`) to the Triton config
// that is validated, loaded and committed. The core keeps its own structural types, so it depends
// on neither zod nor Pulumi: a parsed `ModelConfig` from the schema is assignable to
// ModelServingSpec as it is.
import type { OnnxSignature } from "../onnx";
import { autoCompleteFromOnnx, type AutoCompleteOptions } from "./auto-complete";
import type { TritonDataType } from "./data-types";
import { ModelConfigError } from "./errors";
import type { TritonModelConfig, TritonTensorConfig } from "./types";

export interface TensorSpec {
  readonly name: string;
  readonly dataType: TritonDataType;
  readonly dims: readonly number[];
  readonly reshape?: readonly number[];
}

export interface ModelServingSpec {
  /** The Triton model name (its directory in the model repository). */
  readonly name: string;
  readonly maxBatchSize: number;
  /** Empty or absent: taken from the ONNX graph, as Triton's auto-complete would. */
  readonly inputs?: readonly TensorSpec[];
  readonly outputs?: readonly TensorSpec[];
  readonly instanceGroup: { readonly kind: "KIND_CPU" | "KIND_GPU"; readonly count: number };
  readonly dynamicBatching?: {
    readonly preferredBatchSize: readonly number[];
    readonly maxQueueDelayMicroseconds: number;
  };
}

export interface BuildModelConfigOptions extends AutoCompleteOptions {
  /** The version the config pins (`version_policy { specific { versions: [v] } }`). */
  readonly version: string | number;
  /** The model's signature; required when the spec leaves inputs or outputs out. */
  readonly signature?: Pick<OnnxSignature, "inputs" | "outputs">;
  /** Serve under another name than `spec.name` (e.g. a staging model). */
  readonly name?: string;
}

/**
 * The Triton config for `spec`, pinned to `options.version`. Inputs or outputs the spec leaves
 * out are completed from `options.signature` (see autoCompleteFromOnnx). The result is not yet
 * checked against the model: run validateAgainstOnnx on it.
 */
export function buildModelConfig(
  spec: ModelServingSpec,
  options: BuildModelConfigOptions,
): TritonModelConfig {
  const name = options.name ?? spec.name;
  const config: TritonModelConfig = {
    name,
    platform: "onnxruntime_onnx",
    max_batch_size: spec.maxBatchSize,
    version_policy: { specific: { versions: [parseModelVersion(options.version)] } },
    input: (spec.inputs ?? []).map(tensorConfig),
    output: (spec.outputs ?? []).map(tensorConfig),
    instance_group: [{ kind: spec.instanceGroup.kind, count: spec.instanceGroup.count }],
    ...(spec.dynamicBatching && {
      dynamic_batching: {
        preferred_batch_size: [...spec.dynamicBatching.preferredBatchSize],
        max_queue_delay_microseconds: spec.dynamicBatching.maxQueueDelayMicroseconds,
      },
    }),
  };
  if (config.input.length > 0 && config.output.length > 0) return config;
  if (options.signature === undefined) {
    throw new ModelConfigError(
      `model '${name}': the stack config lists no ${config.input.length === 0 ? "inputs" : "outputs"}, and no ONNX signature was given to take them from`,
    );
  }
  return autoCompleteFromOnnx(config, options.signature, options);
}

/** The same config pinned to another version. */
export function withPinnedVersion(
  config: TritonModelConfig,
  version: string | number,
): TritonModelConfig {
  return { ...config, version_policy: { specific: { versions: [parseModelVersion(version)] } } };
}

/**
 * A model version as Triton's version directories read it: a positive integer written without
 * leading zeros (Triton skips `007/`, triton-contract.md §2.4), within int64 and exact in JS.
 */
export function parseModelVersion(version: string | number): number {
  const text = String(version);
  const value = Number(text);
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(value)) {
    throw new ModelConfigError(
      `model version ${JSON.stringify(version)} is not usable as a Triton version: expected a positive integer without leading zeros, at most ${Number.MAX_SAFE_INTEGER}`,
    );
  }
  return value;
}

function tensorConfig(tensor: TensorSpec): TritonTensorConfig {
  const base = { name: tensor.name, data_type: tensor.dataType, dims: [...tensor.dims] };
  return tensor.reshape === undefined ? base : { ...base, reshape: { shape: [...tensor.reshape] } };
}
