// Builds model directories for tests: `<root>/<name>/config.pbtxt` plus version directories with
// their files. Plain files on disk, exactly as a Triton model repository holds them.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configToPbtxt, type ConfigObject } from "./model-config-proto";

export interface ModelDirSpec {
  /** config.pbtxt: text as is, or a config object written as protobuf text format; omit for none. */
  readonly config?: string | ConfigObject;
  /**
   * Version directory name → its content: bytes become `model.onnx`; an object maps file names to
   * bytes (e.g. `{ "model.onnx": m, "model.onnx.data": d }`). Names are used verbatim, so
   * `"13.failed_x"` or `"003"` create exactly those directories.
   */
  readonly versions?: Record<string, Uint8Array | Record<string, Uint8Array | string>>;
  /** Extra files at the top of the model directory (e.g. `current.json`). */
  readonly files?: Record<string, Uint8Array | string>;
}

/** Writes `<root>/<name>/…` and returns the model directory path. */
export function writeModelDir(root: string, name: string, spec: ModelDirSpec): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  if (spec.config !== undefined) {
    const text = typeof spec.config === "string" ? spec.config : configToPbtxt(spec.config);
    writeFileSync(join(dir, "config.pbtxt"), text);
  }
  for (const [version, content] of Object.entries(spec.versions ?? {})) {
    writeVersion(dir, version, content);
  }
  for (const [file, content] of Object.entries(spec.files ?? {})) {
    writeFileSync(join(dir, file), content);
  }
  return dir;
}

/** Writes one version directory (bytes → model.onnx, or a map of file names to contents). */
export function writeVersion(
  modelDir: string,
  version: string | number,
  content: Uint8Array | Record<string, Uint8Array | string>,
): string {
  const vdir = join(modelDir, String(version));
  mkdirSync(vdir, { recursive: true });
  const files = content instanceof Uint8Array ? { "model.onnx": content } : content;
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(vdir, file), bytes);
  return vdir;
}

/**
 * A config.pbtxt for an ONNX model with one FP32 input and output, the shape of the old platform's
 * iris model by default: `input` [1,4] → `probabilities` [1,3], max_batch_size 0.
 */
export function onnxConfig(
  name: string,
  opts: {
    inputDims?: readonly number[];
    outputDims?: readonly number[];
    maxBatchSize?: number;
    inputName?: string;
    outputName?: string;
    versionPolicy?: string;
  } = {},
): string {
  const lines = [
    `name: "${name}"`,
    `platform: "onnxruntime_onnx"`,
    `max_batch_size: ${opts.maxBatchSize ?? 0}`,
  ];
  if (opts.versionPolicy !== undefined) lines.push(`version_policy: ${opts.versionPolicy}`);
  lines.push(
    `input [ { name: "${opts.inputName ?? "input"}" data_type: TYPE_FP32 dims: [ ${(opts.inputDims ?? [1, 4]).join(", ")} ] } ]`,
    `output [ { name: "${opts.outputName ?? "probabilities"}" data_type: TYPE_FP32 dims: [ ${(opts.outputDims ?? [1, 3]).join(", ")} ] } ]`,
  );
  return `${lines.join("\n")}\n`;
}
