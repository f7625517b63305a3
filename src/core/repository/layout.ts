// Names and paths of the model repository (design.md, "The model repository"). Every name the
// deployment writes is derived here so that the rules (what Triton reads as a version, what the
// readiness check and alerts ignore) live in one place.
import { join } from "node:path";

/** Files and directories inside `<root>/<model>/`. */
export const CURRENT_FILE = "current.json";
export const CONFIG_FILE = "config.pbtxt";
export const HISTORY_FILE = "history.jsonl";
/**
 * The protobuf-JSON config the committed version was loaded with. Rollback reloads with it: a
 * plain load does not revert a config override to config.pbtxt (triton-contract.md §1.8).
 */
export const COMMITTED_CONFIG_FILE = "committed-config.json";
export const LOCK_FILE = ".deploy.lock";
/**
 * The commit record written before current.json (commit.ts): once current.json names the same
 * commit, the next run finishes what a killed commit left undone from it.
 */
export const PENDING_COMMIT_FILE = ".commit-pending.json";
/** Written inside each version directory before it is renamed into place: files, sizes, sha256. */
export const MANIFEST_FILE = ".manifest.json";

/**
 * The staging model of `model`: a sibling directory `<root>/<model>.staging/` where a candidate is
 * loaded and verified under its own Triton model name before production traffic can reach it.
 *
 * Why this name: Triton accepts any directory name without `/` or `..` as a model name, so
 * `<model>.staging` loads like any model. It never has a `current.json`, so the pod readiness check
 * (which requires only committed models to be ready) ignores it, and it is never named by
 * `--load-model`, so a restarted pod does not load it. Stack config model names cannot contain a
 * dot, so it never collides with a real model; alerts and dashboards filter `model!~".*\\.staging"`.
 */
export function stagingModelName(model: string): string {
  return `${model}${STAGING_SUFFIX}`;
}
export const STAGING_SUFFIX = ".staging";

/** True for a model name that is a staging model (for alert filters and status listings). */
export function isStagingModelName(name: string): boolean {
  return name.endsWith(STAGING_SUFFIX);
}

/** Paths of one model in one repository root. */
export interface ModelPaths {
  root: string;
  model: string;
  modelDir: string;
  current: string;
  config: string;
  history: string;
  committedConfig: string;
  pendingCommit: string;
  lock: string;
  stagingModel: string;
  stagingDir: string;
}

/** All the paths of `model` under `root`. */
export function modelPaths(root: string, model: string): ModelPaths {
  const modelDir = join(root, model);
  const stagingModel = stagingModelName(model);
  return {
    root,
    model,
    modelDir,
    current: join(modelDir, CURRENT_FILE),
    config: join(modelDir, CONFIG_FILE),
    history: join(modelDir, HISTORY_FILE),
    committedConfig: join(modelDir, COMMITTED_CONFIG_FILE),
    pendingCommit: join(modelDir, PENDING_COMMIT_FILE),
    lock: join(modelDir, LOCK_FILE),
    stagingModel,
    stagingDir: join(root, stagingModel),
  };
}

/**
 * The quarantine name of a failed candidate: `failed_<v>_<UTC>`. It starts with a letter because
 * Triton parses version directories with `stoll`: `13.failed_…` would be read as version 13
 * (triton-contract.md §2.4).
 */
export function quarantineName(version: string, at: Date): string {
  return `failed_${version}_${compactUtc(at)}`;
}

/** `2026-11-21T23:59:01.123Z` → `20261121T235901Z`. */
export function compactUtc(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/** A version as Triton reads it: digits, no leading zero (triton-contract.md §2.4). */
export function isValidVersion(version: string): boolean {
  return /^[1-9][0-9]{0,17}$/.test(version);
}
