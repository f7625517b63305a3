// The model repository manager: finds model directories, reads and normalizes their configs,
// detects changes, and drives the lifecycle for explicit load/unload, startup loading and polling
// (triton-contract.md §1.7 index, §1.8 load, §1.9 unload, §2.1 control modes). Mirrors core
// model_repository_manager.cc (`LoadUnloadModel`, `Poll`, `InitializeModelInfo`, `RepositoryIndex`).
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import {
  autoCompleteBackendFields,
  normalizeModelConfig,
  subdirs,
  validateModelConfig,
} from "./config-normalize";
import { TritonError, toTritonError } from "./errors";
import type { ModelLifecycle } from "./lifecycle";
import {
  configFromJson,
  configFromPbtxt,
  configToPbtxt,
  type ConfigObject,
} from "./model-config-proto";
import { ModelTimestamp, nowNs } from "./model-timestamp";

export type ModelControlMode = "none" | "poll" | "explicit";

/** A load parameter after the HTTP frontend: `config` is a string, `file:…` are decoded bytes. */
export type LoadParameter =
  | { readonly name: "config"; readonly value: string }
  | { readonly name: string; readonly bytes: Buffer };

interface RepoModelInfo {
  modelPath: string;
  config: ConfigObject;
  timestamp: ModelTimestamp;
  prevTimestamp: ModelTimestamp;
  /** Temp directory built from `file:` overrides, removed when replaced. */
  overrideDir: string | undefined;
}

export interface IndexEntry {
  readonly name: string;
  readonly version?: string;
  readonly state?: string;
  readonly reason?: string;
}

export interface RepositoryManagerOptions {
  readonly repositories: readonly string[];
  readonly controlMode: ModelControlMode;
  readonly autoCompleteConfig: boolean;
  /** `--model-config-name`: use `<model>/configs/<name>.pbtxt` when it exists. */
  readonly modelConfigName: string | undefined;
  /** Log sink for what Triton only writes to its log (e.g. why a poll failed). */
  readonly log: (line: string) => void;
}

const PREFIX = "file:";

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `ValidateModelName` (triton-contract.md §1.8): after trimming, empty → INVALID_ARG; `..` or a
 * name containing '/' → INVALID_ARG "invalid model name '…', model name must not contain path
 * traversal characters".
 */
export function validateModelName(name: string): void {
  const trimmed = name.trim();
  if (trimmed === "") {
    throw new TritonError(
      "INVALID_ARG",
      "Model name cannot be empty. Please enter a valid name to deploy.",
    );
  }
  if (trimmed === ".." || trimmed.includes("/")) {
    throw new TritonError(
      "INVALID_ARG",
      `invalid model name '${name}', model name must not contain path traversal characters`,
    );
  }
}

export class RepositoryManager {
  private readonly infos = new Map<string, RepoModelInfo>();
  /** Per-model operation chain: loads/unloads of one model never interleave. */
  private readonly locks = new Map<string, Promise<void>>();

  constructor(
    private readonly opts: RepositoryManagerOptions,
    private readonly lifecycle: ModelLifecycle,
  ) {}

  private async withModelLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(name) ?? Promise.resolve();
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const chained = prev.then(() => next);
    this.locks.set(name, chained);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(name) === chained) this.locks.delete(name);
    }
  }

  private configPath(modelPath: string): string {
    if (this.opts.modelConfigName) {
      const custom = join(modelPath, "configs", `${this.opts.modelConfigName}.pbtxt`);
      if (existsSync(custom)) return custom;
    }
    return join(modelPath, "config.pbtxt");
  }

  /** Where a model's directory is: exactly one repository must hold it (§2.1 "not loadable"). */
  private findModelDir(name: string): string | undefined {
    const found = this.opts.repositories
      .map((repo) => join(repo, name))
      .filter((p) => existsSync(p));
    if (found.length !== 1) {
      this.opts.log(
        found.length === 0
          ? `failed to poll model '${name}': model not found in any model repository.`
          : `failed to poll model '${name}': not unique across all model repositories`,
      );
      return undefined;
    }
    return found[0];
  }

  /**
   * `InitializeModelInfo`: returns undefined when the model is unmodified (nothing to do), or the
   * new info to load. Throws TritonError for a poll failure (logged; the caller answers 500).
   */
  private initializeModelInfo(
    name: string,
    path: string | undefined,
    params: readonly LoadParameter[],
  ): RepoModelInfo | undefined {
    const existing = this.infos.get(name);
    const prevTimestamp = existing ? existing.timestamp : ModelTimestamp.empty();
    let modelPath: string;
    let configPath: string;
    let timestamp: ModelTimestamp;
    let unmodified = false;
    let overrideDir: string | undefined;
    if (path === undefined) {
      // `file:` overrides: build the model in a temporary directory from the override files only
      // (§1.8); its timestamp is empty so the next plain load reloads from the repository.
      overrideDir = this.localizeOverrides(params);
      modelPath = overrideDir;
      configPath = join(overrideDir, "config.pbtxt");
      timestamp = ModelTimestamp.empty();
    } else {
      modelPath = path;
      configPath = this.configPath(path);
      timestamp = ModelTimestamp.read(modelPath, configPath);
      if (existing) unmodified = !prevTimestamp.isModified(timestamp);
    }
    let config: ConfigObject | undefined;
    for (const p of params) {
      if (p.name === "config" && "value" in p) {
        // §1.8 "config always forces a (re)load": the config's time is set to now.
        timestamp.setModelConfigModifiedTime(nowNs());
        unmodified = false;
        try {
          config = configFromJson(p.value);
        } catch (e) {
          throw new TritonError("INVALID_ARG", `Invalid config override: ${(e as Error).message}`);
        }
        break;
      } else if (!p.name.startsWith(PREFIX)) {
        throw new TritonError(
          "INVALID_ARG",
          `Unrecognized load parameter '${p.name}' with type '${"value" in p ? "STRING" : "BYTES"}'`,
        );
      }
    }
    if (unmodified) return undefined;
    if (config === undefined) {
      const exists = existsSync(configPath);
      if (this.opts.autoCompleteConfig && !exists) {
        config = {};
      } else {
        let text: string;
        try {
          text = readFileSync(configPath, "utf8");
        } catch (e) {
          throw new TritonError(
            "INTERNAL",
            `failed to read text proto from ${configPath}: ${(e as Error).message}`,
          );
        }
        try {
          config = configFromPbtxt(text);
        } catch (e) {
          throw new TritonError(
            "INTERNAL",
            `failed to read text proto from ${configPath}: ${(e as Error).message}`,
          );
        }
      }
    }
    autoCompleteBackendFields(name, modelPath, config);
    normalizeModelConfig(config);
    validateModelConfig(config);
    if (!this.opts.autoCompleteConfig) validateModelIoConfig(config);
    if (config.name !== name) {
      throw new TritonError(
        "INVALID_ARG",
        `unexpected directory name '${name}' for model '${String(config.name)}', directory name must equal model name`,
      );
    }
    return { modelPath, config, timestamp, prevTimestamp, overrideDir };
  }

  /** LocalizeRepoAgent: writes `file:` overrides and the `config` into a temporary directory. */
  private localizeOverrides(params: readonly LoadParameter[]): string {
    const dir = mkdtempSync(join(tmpdir(), "triton-override-"));
    try {
      let foundConfig = false;
      for (const p of params) {
        if (p.name === "config" && "value" in p) {
          let config: ConfigObject;
          try {
            config = configFromJson(p.value);
          } catch (e) {
            throw new TritonError("INVALID_ARG", (e as Error).message);
          }
          writeFileSync(join(dir, "config.pbtxt"), configToPbtxt(config));
          foundConfig = true;
        } else if (p.name.startsWith(PREFIX) && "bytes" in p) {
          const rel = p.name.slice(PREFIX.length);
          const target = resolve(dir, rel);
          if (target !== dir && !target.startsWith(dir + sep)) {
            throw new TritonError(
              "INVALID_ARG",
              `Invalid file parameter '${p.name}' with normalized path '${target}' must stay within model directory.`,
            );
          }
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, p.bytes);
        }
      }
      if (!foundConfig) {
        // triton-contract.md §1.8: a `file:` override requires `config`.
        throw new TritonError(
          "INVALID_ARG",
          "Load parameter 'config' must be specified for model file override",
        );
      }
      return dir;
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Explicit load (`LoadUnloadModel`, ActionType::LOAD), blocking until the load finished
   * (triton-contract.md §1.8). Throws TritonError:
   * - UNAVAILABLE "explicit model load / unload is not allowed if polling is enabled" (none/poll);
   * - INVALID_ARG for a bad model name;
   * - INVALID_ARG "load failed for model 'm': …\n" when the backend failed;
   * - INTERNAL "failed to load 'm', failed to poll from model repository" when the directory is
   *   missing or the config/override is invalid (details only in the log).
   */
  async loadModel(name: string, params: readonly LoadParameter[]): Promise<void> {
    if (this.opts.controlMode !== "explicit") {
      throw new TritonError(
        "UNAVAILABLE",
        "explicit model load / unload is not allowed if polling is enabled",
      );
    }
    await this.loadExplicit(name, params);
  }

  private async loadExplicit(name: string, params: readonly LoadParameter[]): Promise<void> {
    validateModelName(name);
    await this.withModelLock(name, async () => {
      const hasOverride = params.some((p) => p.name.startsWith(PREFIX));
      const path = hasOverride ? undefined : this.findModelDir(name);
      let polled = hasOverride || path !== undefined;
      let info: RepoModelInfo | undefined;
      if (polled) {
        try {
          info = this.initializeModelInfo(name, path, params);
        } catch (e) {
          // "If error happens during polling the model, its state will fallback to the state
          // before the polling": the model stays as it was, and the call answers 500.
          this.opts.log(`Poll failed for model directory '${name}': ${toTritonError(e).message}`);
          polled = false;
        }
      }
      let loadError: TritonError | undefined;
      if (info) loadError = await this.commitAndLoad(name, info);
      if (loadError) {
        // §1.8: "load failed for model 'm': <message>" newline-terminated, INVALID_ARG → 400.
        throw new TritonError(
          "INVALID_ARG",
          `load failed for model '${name}': ${loadError.message}\n`,
        );
      }
      if (!polled) {
        throw new TritonError(
          "INTERNAL",
          `failed to load '${name}', failed to poll from model repository`,
        );
      }
      if (this.lifecycle.versionStates(name).size === 0) {
        throw new TritonError("INTERNAL", `failed to load '${name}', no version is available`);
      }
    });
  }

  /** Stores the new info and loads it; on failure the timestamp reverts so the next load retries. */
  private async commitAndLoad(name: string, info: RepoModelInfo): Promise<TritonError | undefined> {
    const old = this.infos.get(name);
    if (old?.overrideDir && old.overrideDir !== info.overrideDir) {
      rmSync(old.overrideDir, { recursive: true, force: true });
    }
    this.infos.set(name, info);
    const err = await this.lifecycle.load(
      name,
      info.modelPath,
      info.config,
      info.prevTimestamp,
      info.timestamp,
    );
    if (err) {
      // LoadModelByDependency: "If the model failed to load, should revert the timestamp to ensure
      // the next load request will attempt to load the model again" (§1.8).
      info.timestamp = info.prevTimestamp;
    } else {
      info.prevTimestamp = info.timestamp;
    }
    return err;
  }

  /**
   * Explicit unload (§1.9): 200 right after starting (the version drains in the background), also
   * for unknown models; 503 under none/poll.
   */
  async unloadModel(name: string): Promise<void> {
    if (this.opts.controlMode !== "explicit") {
      throw new TritonError(
        "UNAVAILABLE",
        "explicit model load / unload is not allowed if polling is enabled",
      );
    }
    await this.withModelLock(name, () => {
      this.unloadInternal(name);
      const stillReady = this.lifecycle.readyVersions(name);
      if (stillReady.length > 0) {
        throw new TritonError(
          "INTERNAL",
          `failed to unload '${name}', versions that are still available: ${stillReady.join(",")}`,
        );
      }
      return Promise.resolve();
    });
  }

  private unloadInternal(name: string): void {
    const info = this.infos.get(name);
    if (!info) return;
    this.infos.delete(name);
    if (info.overrideDir) rmSync(info.overrideDir, { recursive: true, force: true });
    this.lifecycle.unload(name);
  }

  /**
   * Loads models at startup (explicit: the `--load-model` names, `*` meaning all; none/poll: every
   * directory). Returns the names that failed, for `--exit-on-error` (§1.1).
   */
  async loadStartupModels(explicitNames: readonly string[]): Promise<string[]> {
    if (this.opts.controlMode === "explicit") {
      const names = explicitNames.includes("*") ? this.allModelDirNames() : [...explicitNames];
      const failed: string[] = [];
      await Promise.all(
        names.map(async (name) => {
          try {
            await this.loadExplicit(name, []);
          } catch (e) {
            this.opts.log(`failed to load '${name}': ${toTritonError(e).message}`);
            failed.push(name);
          }
        }),
      );
      return failed;
    }
    return this.pollAndUpdate();
  }

  private allModelDirNames(): string[] {
    const names = new Set<string>();
    for (const repo of this.opts.repositories) for (const d of subdirs(repo)) names.add(d);
    return [...names].sort();
  }

  /**
   * `PollAndUpdate` (none/poll modes): every directory of every repository is polled; new or
   * modified models load, models whose directory disappeared or became duplicated are unloaded.
   * Returns the names that failed to poll or load.
   */
  async pollAndUpdate(): Promise<string[]> {
    const counts = new Map<string, number>();
    for (const repo of this.opts.repositories) {
      for (const d of subdirs(repo)) counts.set(d, (counts.get(d) ?? 0) + 1);
    }
    const failed: string[] = [];
    for (const name of [...this.infos.keys()]) {
      if (counts.get(name) !== 1) {
        await this.withModelLock(name, () => Promise.resolve(this.unloadInternal(name)));
      }
    }
    await Promise.all(
      [...counts].map(async ([name, n]) => {
        if (n !== 1) {
          failed.push(name);
          return;
        }
        await this.withModelLock(name, async () => {
          const path = this.opts.repositories
            .map((r) => join(r, name))
            .find((p) => isDirectory(p))!;
          let info: RepoModelInfo | undefined;
          try {
            info = this.initializeModelInfo(name, path, []);
          } catch (e) {
            this.opts.log(`Poll failed for model directory '${name}': ${toTritonError(e).message}`);
            failed.push(name);
            return;
          }
          if (!info) return;
          const err = await this.commitAndLoad(name, info);
          if (err) {
            this.opts.log(`failed to load '${name}': ${err.message}`);
            failed.push(name);
          }
        });
      }),
    );
    return failed.sort();
  }

  /**
   * `RepositoryIndex` (triton-contract.md §1.7): every subdirectory of every repository; a model the
   * lifecycle knows gives one entry per version (`version` a string, `reason` omitted when empty);
   * others give `{name}` only; a name in two repositories gives the duplicate reason without a
   * version. `readyOnly` keeps READY entries.
   */
  index(readyOnly: boolean): IndexEntry[] {
    const seen = new Map<string, number>();
    for (const repo of this.opts.repositories) {
      for (const d of subdirs(repo)) seen.set(d, (seen.get(d) ?? 0) + 1);
    }
    const states = this.lifecycle.modelStates();
    const out: IndexEntry[] = [];
    for (const name of [...seen.keys()].sort()) {
      if (seen.get(name)! > 1) {
        out.push({
          name,
          state: "UNAVAILABLE",
          reason: "model appears in two or more repositories",
        });
        continue;
      }
      const versions = states.get(name);
      if (!versions) {
        if (!readyOnly) out.push({ name });
        continue;
      }
      for (const [v, s] of versions) {
        if (readyOnly && s.state !== "READY") continue;
        out.push({
          name,
          version: String(v),
          state: s.state,
          ...(s.reason ? { reason: s.reason } : {}),
        });
      }
    }
    return out;
  }

  /** Removes override temp directories (server stop). */
  cleanup(): void {
    for (const info of this.infos.values()) {
      if (info.overrideDir) rmSync(info.overrideDir, { recursive: true, force: true });
    }
    this.infos.clear();
  }
}

/** `ValidateModelIOConfig` (only when auto-complete is off): inputs and outputs must be given. */
function validateModelIoConfig(config: ConfigObject): void {
  const name = String(config.name);
  const inputs = (config.input as ConfigObject[] | undefined) ?? [];
  const outputs = (config.output as ConfigObject[] | undefined) ?? [];
  if (inputs.length === 0 && ((config.batch_input as unknown[] | undefined) ?? []).length === 0) {
    throw new TritonError("INVALID_ARG", `model input must be specified for ${name}`);
  }
  if (outputs.length === 0) {
    throw new TritonError("INVALID_ARG", `model output must be specified for ${name}`);
  }
  for (const io of [...inputs, ...outputs]) {
    const ioName = (io.name as string | undefined) ?? "";
    if (!io.data_type || io.data_type === "TYPE_INVALID") {
      throw new TritonError("INVALID_ARG", `model '${name}', '${ioName}' must specify 'data_type'`);
    }
    if (((io.dims as unknown[] | undefined) ?? []).length === 0) {
      throw new TritonError("INVALID_ARG", `model '${name}', '${ioName}' must specify 'dims'`);
    }
  }
}
