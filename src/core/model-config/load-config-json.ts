// The config as Triton's load API takes it (triton-contract.md §1.8): protobuf JSON with the
// proto field names (`max_batch_size`, `data_type`, …; the protocol doc's `inputs`/`datatype`
// would be rejected), int64 values as JSON numbers, and only fields ModelConfig defines, because
// Triton parses the override with unknown fields rejected.
import type { TritonModelConfig } from "./types";

/** The protobuf-JSON object of `config`: what goes, stringified, into the load `config` parameter. */
export function toLoadConfigJson(config: TritonModelConfig): Record<string, unknown> {
  const tensor = (t: TritonModelConfig["input"][number]) => ({
    name: t.name,
    data_type: t.data_type,
    dims: [...t.dims],
    ...(t.reshape && { reshape: { shape: [...t.reshape.shape] } }),
  });
  const policy = config.version_policy;
  return {
    name: config.name,
    platform: config.platform,
    max_batch_size: config.max_batch_size,
    version_policy:
      "specific" in policy
        ? { specific: { versions: [...policy.specific.versions] } }
        : "latest" in policy
          ? { latest: { num_versions: policy.latest.num_versions } }
          : { all: {} },
    input: config.input.map(tensor),
    output: config.output.map(tensor),
    instance_group: config.instance_group.map((g) => ({ kind: g.kind, count: g.count })),
    ...(config.dynamic_batching && {
      dynamic_batching: {
        preferred_batch_size: [...config.dynamic_batching.preferred_batch_size],
        max_queue_delay_microseconds: config.dynamic_batching.max_queue_delay_microseconds,
      },
    }),
  };
}

/**
 * The load request body that makes Triton (re)load the model with `config`:
 * `{"parameters":{"config":"<JSON string>"}}` — every parameter value must be a JSON string.
 */
export function toLoadRequestBody(config: TritonModelConfig): {
  parameters: { config: string };
} {
  return { parameters: { config: JSON.stringify(toLoadConfigJson(config)) } };
}
