// Adapts helper E's model-config module to the transaction's ModelConfigPort. The Triton config is
// built once the ONNX file is on disk (inputs/outputs the spec leaves out come from its graph),
// then validated against the graph before Triton is touched.
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
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
import { MAX_GENERATED_ELEMENTS } from "./smoke";

/**
 * A ModelConfigPort for `spec`; `validate` must run before the other methods. With
 * `generatedSmokeInputs` the smoke check will generate its inputs from the served shapes, so
 * validate also refuses shapes too large to generate (MAX_GENERATED_ELEMENTS).
 */
export function modelConfigPort(
  spec: ModelServingSpec,
  version: string,
  options: { generatedSmokeInputs?: boolean } = {},
): ModelConfigPort {
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
      await assertExternalDataPresent(dirname(onnxPath), signature.externalDataFiles);
      config = buildModelConfig(spec, { version, signature });
      const problems = validateAgainstOnnx(config, signature);
      if (problems.length > 0) {
        throw new StepFailure(problems.map((p) => p.message).join("; "));
      }
      if (options.generatedSmokeInputs === true) assertGeneratable(config);
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

/**
 * Every external-data file the graph names must sit beside model.onnx (in a subdirectory when
 * the graph says so), or Triton's load fails with an onnxruntime error that does not say which
 * file is missing. Checked here, before Triton is touched.
 */
async function assertExternalDataPresent(dir: string, files: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const file of files) {
    const found = await stat(join(dir, file)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!found) missing.push(file);
  }
  if (missing.length > 0) {
    throw new StepFailure(
      `model.onnx references external data ${missing.map((f) => `'${f}'`).join(", ")}, missing beside it in ${dir}; expected every file the graph names (${files.join(", ")}) in the model version's artifact`,
    );
  }
}

/** The generated smoke input of every input must be small enough to build and send as JSON. */
function assertGeneratable(config: TritonModelConfig): void {
  for (const input of config.input) {
    // What the smoke check sends: batch 1 when batching, every variable dim as 1.
    const shape = [...(config.max_batch_size > 0 ? [1] : []), ...input.dims].map((d) =>
      d < 0 ? 1 : d,
    );
    const elements = shape.reduce((a, b) => a * b, 1);
    if (elements > MAX_GENERATED_ELEMENTS) {
      throw new StepFailure(
        `input '${input.name}' has dims [${input.dims.join(",")}] (${elements} elements per request); expected at most ${MAX_GENERATED_ELEMENTS} elements for a generated smoke input — check the dims, or configure smoke.golden with a real input`,
      );
    }
  }
}
