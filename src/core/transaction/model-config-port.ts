// Adapts helper E's model-config module to the transaction's ModelConfigPort. The Triton config is
// built once the ONNX file is on disk (inputs/outputs the spec leaves out come from its graph),
// then validated against the graph before Triton is touched.
import { StepFailure } from "../errors";
import {
  buildModelConfig,
  parseConfigPbtxt,
  renderConfigPbtxt,
  toLoadConfigJson,
  tritonProtocolDataType,
  validateAgainstOnnx,
  withPinnedVersion,
  type ModelServingSpec,
  type TritonModelConfig,
} from "../model-config";
import { readOnnxSignatureFile } from "../onnx";
import type { ModelConfigPort } from "./ports";

/** A ModelConfigPort for `spec`; `validate` must run before the other methods. */
export function modelConfigPort(spec: ModelServingSpec, version: string): ModelConfigPort {
  let config: TritonModelConfig | undefined;
  const built = (): TritonModelConfig => {
    if (config === undefined) {
      // Without a graph only a spec that lists inputs and outputs builds; one that leaves them
      // out (taken from the graph) needs `validate` first, which the transaction runs first.
      config = buildModelConfig(spec, { version });
    }
    return config;
  };
  const named = (name: string, v: string): TritonModelConfig => ({
    ...withPinnedVersion(built(), v),
    name,
  });
  return {
    async validate(onnxPath) {
      // Only the graph is read, not the weights (a 200 MiB model costs a few small reads).
      const signature = await readOnnxSignatureFile(onnxPath, "model.onnx");
      config = buildModelConfig(spec, { version, signature });
      const problems = validateAgainstOnnx(config, signature);
      if (problems.length > 0) {
        throw new StepFailure(problems.map((p) => p.message).join("; "));
      }
    },
    loadConfigJson: (name, v) => JSON.stringify(toLoadConfigJson(named(name, v))),
    renderPbtxt: (name, v) =>
      renderConfigPbtxt(named(name, v), {
        header: [
          `Written by the triton-serving deployment for version ${v}; do not edit:`,
          "the next deployment rewrites it (current.json is the source of truth).",
        ],
      }),
    expectedOutputs: () => {
      const c = built();
      return c.output.map((o) => ({
        name: o.name,
        datatype: tritonProtocolDataType(o.data_type),
        shape: c.max_batch_size > 0 ? [-1, ...o.dims] : [...o.dims],
      }));
    },
    pinnedFromPbtxt: (text, name, v) =>
      JSON.stringify(toLoadConfigJson({ ...withPinnedVersion(parseConfigPbtxt(text), v), name })),
  };
}
