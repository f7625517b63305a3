// What Triton's core does to a model config before and after the backend sees it
// (triton-contract.md §3.1 "Core fills in, even when auto-complete is on: name, platform/backend,
// default instance_group"; §1.5 shows the result, e.g. optimization.input_pinned_memory.enable).
// Mirrors model_config_utils.cc: AutoCompleteBackendFields (ONNX part), NormalizeModelConfig,
// ValidateModelConfig (the checks a config for this server can trip) and NormalizeInstanceGroup.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { TritonError } from "./errors";
import type { ConfigObject } from "./model-config-proto";

export const ONNX_PLATFORM = "onnxruntime_onnx";
export const ONNX_BACKEND = "onnxruntime";
export const ONNX_FILENAME = "model.onnx";

/** Names of the subdirectories of `path`, sorted; none when it cannot be read. */
export function subdirs(path: string): string[] {
  try {
    return readdirSync(path, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * `AutoCompleteBackendFields`, ONNX Runtime branch: sets `name` from the directory when empty, and
 * derives `backend`/`platform`/`default_model_filename` from each other or from a `model.onnx`
 * in the alphabetically first subdirectory (triton-contract.md §2.4: "Platform auto-detection looks
 * at the alphabetically first subdirectory", so a stray directory can be the one inspected).
 */
export function autoCompleteBackendFields(
  modelName: string,
  modelPath: string,
  config: ConfigObject,
): void {
  if (!config.name) config.name = modelName;
  const platform = (config.platform as string | undefined) ?? "";
  let backend = (config.backend as string | undefined) ?? "";
  const filename = (config.default_model_filename as string | undefined) ?? "";
  if (backend === "") {
    if (platform === ONNX_PLATFORM || filename === ONNX_FILENAME) {
      backend = ONNX_BACKEND;
    } else if (platform === "" && filename === "") {
      const first = subdirs(modelPath)[0];
      if (first !== undefined) {
        let entries: string[] = [];
        try {
          entries = readdirSync(join(modelPath, first));
        } catch {
          entries = [];
        }
        if (entries.includes(ONNX_FILENAME)) backend = ONNX_BACKEND;
      }
    }
    if (backend !== "") config.backend = backend;
  }
  if (backend === ONNX_BACKEND) {
    if (platform === "") config.platform = ONNX_PLATFORM;
    if (filename === "") config.default_model_filename = ONNX_FILENAME;
  }
}

/** `NormalizeModelConfig`: default version policy, preferred batch size, pinned-memory flags. */
export function normalizeModelConfig(config: ConfigObject): void {
  if (config.version_policy === undefined) {
    config.version_policy = { latest: { num_versions: 1 } };
  }
  const maxBatch = (config.max_batch_size as number | undefined) ?? 0;
  const db = config.dynamic_batching as ConfigObject | undefined;
  if (db !== undefined) {
    const preferred = (db.preferred_batch_size as number[] | undefined) ?? [];
    if (preferred.length === 0 && maxBatch > 0) db.preferred_batch_size = [maxBatch];
  }
  if (config.ensemble_scheduling === undefined) {
    const opt = (config.optimization as ConfigObject | undefined) ?? {};
    if (opt.input_pinned_memory === undefined) opt.input_pinned_memory = { enable: true };
    if (opt.output_pinned_memory === undefined) opt.output_pinned_memory = { enable: true };
    config.optimization = opt;
  }
}

/**
 * The parts of `ValidateModelConfig` that apply to configs this server can serve. A failure here
 * is a poll failure, so the load call answers 500 "failed to poll from model repository" and the
 * reason is only logged (triton-contract.md §1.8).
 */
export function validateModelConfig(config: ConfigObject): void {
  const name = (config.name as string | undefined) ?? "";
  const platform = (config.platform as string | undefined) ?? "";
  const backend = (config.backend as string | undefined) ?? "";
  if (name === "") throw new TritonError("INVALID_ARG", "model configuration must specify 'name'");
  if (backend === "") {
    if (platform !== "ensemble") {
      throw new TritonError("INVALID_ARG", `unexpected platform type '${platform}' for ${name}`);
    }
  } else if (platform === "ensemble") {
    throw new TritonError(
      "INVALID_ARG",
      `Ensemble model '${name}' must have platform type '${platform}' and empty backend type`,
    );
  }
  if (backend === ONNX_BACKEND && platform !== ONNX_PLATFORM) {
    throw new TritonError(
      "INVALID_ARG",
      `unexpected 'platform' and 'backend' pair, got:${platform}, ${backend}`,
    );
  }
  const maxBatch = (config.max_batch_size as number | undefined) ?? 0;
  if (maxBatch < 0) {
    throw new TritonError("INVALID_ARG", `'max_batch_size' must be non-negative value for ${name}`);
  }
  const db = config.dynamic_batching as ConfigObject | undefined;
  for (const size of (db?.preferred_batch_size as number[] | undefined) ?? []) {
    if (size <= 0) {
      throw new TritonError(
        "INVALID_ARG",
        `dynamic batching preferred size must be positive for ${name}`,
      );
    }
    if (size > maxBatch) {
      throw new TritonError(
        "INVALID_ARG",
        `dynamic batching preferred size must be <= max batch size for ${name}`,
      );
    }
  }
}

/**
 * `NormalizeInstanceGroup` + `SetDefaultInstanceCount` on a machine without GPUs: no group → one
 * group named after the model; unnamed groups → `<model>_<index>`; KIND_AUTO → KIND_CPU; count < 1
 * → 2 for KIND_CPU with the onnxruntime backend (the §1.5 example shows `"count":2`), else 1.
 */
export function normalizeInstanceGroup(config: ConfigObject): void {
  if (config.ensemble_scheduling !== undefined) return;
  const name = config.name as string;
  let groups = (config.instance_group as ConfigObject[] | undefined) ?? [];
  if (groups.length === 0) {
    groups = [{ name }];
    config.instance_group = groups;
  }
  groups.forEach((g, i) => {
    if (!g.name) g.name = `${name}_${i}`;
    if (g.kind === undefined || g.kind === "KIND_AUTO") g.kind = "KIND_CPU";
    if (((g.count as number | undefined) ?? 0) < 1) {
      g.count = g.kind === "KIND_CPU" && config.backend === ONNX_BACKEND ? 2 : 1;
    }
  });
}

/** Total number of model instances (the executions that may run at once). */
export function instanceCount(config: ConfigObject): number {
  const groups = (config.instance_group as ConfigObject[] | undefined) ?? [];
  return Math.max(
    1,
    groups.reduce((n, g) => n + ((g.count as number | undefined) ?? 1), 0),
  );
}

/** Where a version's ONNX file lives: `<model>/<version>/<file>` (a directory means `<dir>/model.onnx`). */
export function onnxModelPath(modelPath: string, version: number, config: ConfigObject): string {
  const file = ((config.default_model_filename as string | undefined) ?? "") || ONNX_FILENAME;
  // triton-contract.md §2.4: files are looked up in `<model>/<std::to_string(version)>/`.
  const p = join(modelPath, String(version), file);
  try {
    if (statSync(p).isDirectory()) return join(p, ONNX_FILENAME);
  } catch {
    // missing: the caller reports it
  }
  return p;
}
