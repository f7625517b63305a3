// The model lifecycle: per model, a map version → state (READY, LOADING, UNLOADING, UNAVAILABLE,
// UNKNOWN) with a reason, and the loaded model behind each READY version. Mirrors core
// model_lifecycle.cc (`AsyncLoad`, `CreateModel`, `OnLoadComplete`, `OnLoadFinal`, `AsyncUnload`,
// `GetModel`), which is where triton-contract.md §2.2 (reload semantics) comes from.
import { TritonError, codeString, toTritonError } from "./errors";
import { LoadedModel } from "./loaded-model";
import type { MetricsRegistry } from "./metrics";
import { configChangeRequiresReload, type ConfigObject } from "./model-config-proto";
import type { ModelTimestamp } from "./model-timestamp";
import { OnnxModel } from "./onnx-backend";
import type { TestControls } from "./test-controls";
import { discoverVersions, versionsToLoad } from "./version-discovery";

export type ModelReadyState = "UNKNOWN" | "READY" | "UNAVAILABLE" | "LOADING" | "UNLOADING";

export interface VersionState {
  readonly state: ModelReadyState;
  readonly reason: string;
}

/** ModelLifeCycle::ModelInfo: one version's record. */
class VersionInfo {
  state: ModelReadyState = "UNKNOWN";
  reason = "";
  model: LoadedModel | undefined;
  constructor(
    readonly modelPath: string,
    public config: ConfigObject,
    public lastUpdate: bigint,
  ) {}

  /** `Release()`: UNLOADING now; UNAVAILABLE/`unloaded` once the model object is destroyed. */
  release(background: Set<VersionInfo>): void {
    const model = this.model;
    this.state = "UNLOADING";
    this.reason = "";
    this.model = undefined;
    if (!model) return;
    model.release(() => {
      this.state = "UNAVAILABLE";
      this.reason = "unloaded";
      background.delete(this);
    });
  }
}

interface LoadTracker {
  failed: boolean;
  reason: string;
  readonly lastUpdate: bigint;
  /** Newly created infos, by version (the ones OnLoadFinal marks READY or releases). */
  readonly loadSet: Map<number, VersionInfo>;
}

export interface LifecycleDeps {
  readonly registry: MetricsRegistry;
  readonly controls: TestControls;
  readonly autoCompleteConfig: boolean;
}

/** A monotonic "now" for ordering lifecycle operations (steady_clock in Triton). */
function steadyNow(): bigint {
  return process.hrtime.bigint();
}

export class ModelLifecycle {
  private readonly map = new Map<string, Map<number, VersionInfo>>();
  private readonly background = new Set<VersionInfo>();

  constructor(private readonly deps: LifecycleDeps) {}

  /** Every model the lifecycle knows, with its version states (`ModelStates`). */
  modelStates(): Map<string, Map<number, VersionState>> {
    const out = new Map<string, Map<number, VersionState>>();
    for (const [name, versions] of this.map) {
      const vs = new Map<number, VersionState>();
      for (const v of [...versions.keys()].sort((a, b) => a - b)) {
        const info = versions.get(v)!;
        vs.set(v, { state: info.state, reason: info.reason });
      }
      out.set(name, vs);
    }
    return out;
  }

  versionStates(name: string): Map<number, VersionState> {
    return this.modelStates().get(name) ?? new Map<number, VersionState>();
  }

  /** READY versions of a model, ascending. */
  readyVersions(name: string): number[] {
    return [...this.versionStates(name)].filter(([, s]) => s.state === "READY").map(([v]) => v);
  }

  /**
   * `ModelLifeCycle::GetModel` (triton-contract.md §1.3): unknown model → NOT_FOUND "'m' is not
   * found"; version -1 → the highest READY version or NOT_FOUND "'m' has no available versions";
   * a version never seen → NOT_FOUND "'m' version N is not found"; a version not READY →
   * UNAVAILABLE "'m' version N is not at ready state". Callers add "Request for unknown model: ".
   */
  getModel(name: string, version: number): LoadedModel {
    const versions = this.map.get(name);
    if (!versions) throw new TritonError("NOT_FOUND", `'${name}' is not found`);
    const info = versions.get(version);
    if (!info) {
      if (version !== -1) {
        throw new TritonError("NOT_FOUND", `'${name}' version ${version} is not found`);
      }
      const latest = [...versions.keys()]
        .sort((a, b) => b - a)
        .map((v) => versions.get(v)!)
        .find((i) => i.state === "READY" && i.model);
      if (!latest?.model) {
        throw new TritonError("NOT_FOUND", `'${name}' has no available versions`);
      }
      return latest.model;
    }
    if (info.state !== "READY" || !info.model) {
      throw new TritonError("UNAVAILABLE", `'${name}' version ${version} is not at ready state`);
    }
    return info.model;
  }

  /** Version state, or undefined when the lifecycle has no record of it (`ModelState`). */
  versionState(name: string, version: number): ModelReadyState | undefined {
    return this.map.get(name)?.get(version)?.state;
  }

  /**
   * `AsyncUnload`: every READY version is released (UNLOADING, then UNAVAILABLE/`unloaded` once
   * its in-flight requests finish). Other versions keep their state and reason. (§1.9)
   */
  unload(name: string): void {
    const versions = this.map.get(name);
    if (!versions) return;
    const now = steadyNow();
    for (const info of versions.values()) {
      info.lastUpdate = now;
      if (info.state === "READY") info.release(this.background);
    }
  }

  /**
   * `AsyncLoad` + completion: loads the versions the policy selects; resolves with undefined on
   * success or with the failure (INVALID_ARG, message "version N is at UNAVAILABLE state: …;").
   * Reload semantics (triton-contract.md §2.2):
   * - a READY version being reloaded is built in the background while the old one serves; a pure
   *   config change that needs no reload updates it in place;
   * - a new version is LOADING in the foreground while older versions stay READY;
   * - on success, older READY versions are released and the new ones marked READY in one step (no
   *   gap for version-less requests);
   * - on failure, only newly created objects are released; the old versions keep serving and a
   *   failed new version stays UNAVAILABLE with its reason.
   */
  async load(
    name: string,
    modelPath: string,
    config: ConfigObject,
    prevTimestamp: ModelTimestamp,
    currTimestamp: ModelTimestamp,
  ): Promise<TritonError | undefined> {
    let versions = this.map.get(name);
    if (!versions) {
      versions = new Map<number, VersionInfo>();
      this.map.set(name, versions);
    }
    let toLoad: number[];
    try {
      toLoad = versionsToLoad(discoverVersions(modelPath).versions, config);
    } catch (e) {
      return toTritonError(e);
    }
    if (toLoad.length === 0) {
      // triton-contract.md §2.3: no version survives the policy → 400.
      return new TritonError(
        "INVALID_ARG",
        `at least one version must be available under the version policy of model '${name}'`,
      );
    }
    const now = steadyNow();
    const tracker: LoadTracker = { failed: false, reason: "", lastUpdate: now, loadSet: new Map() };
    const tasks: Promise<{ version: number; info: VersionInfo; isUpdate: boolean }>[] = [];
    for (const version of toLoad) {
      const linfo = new VersionInfo(modelPath, config, now);
      linfo.state = "LOADING";
      const existing = versions.get(version);
      if (!existing) {
        versions.set(version, linfo);
      } else if (existing.state === "READY") {
        if (
          !prevTimestamp.isModelVersionModified(currTimestamp, version) &&
          !configChangeRequiresReload(existing.config, config)
        ) {
          // Only instance_group / version_policy changed: update in place (§1.8 last point).
          existing.lastUpdate = now;
          existing.config = config;
          existing.model?.backend.updateConfig(config);
          tasks.push(Promise.resolve({ version, info: existing, isUpdate: true }));
          continue;
        }
        // Full reload in the background: `existing` keeps serving meanwhile.
        this.background.add(linfo);
      } else {
        versions.set(version, linfo);
        if (existing.state === "LOADING" || existing.state === "UNLOADING") {
          this.background.add(existing);
        }
      }
      tasks.push(
        this.createModel(name, version, linfo).then(() => ({
          version,
          info: linfo,
          isUpdate: false,
        })),
      );
    }
    const results = await Promise.all(tasks);
    // Reasons are collected in ascending version order (Triton's is thread completion order).
    for (const r of results.sort((a, b) => a.version - b.version)) {
      if (!r.isUpdate) tracker.loadSet.set(r.version, r.info);
      const failed = r.isUpdate ? r.info.reason !== "" : r.info.state !== "LOADING";
      if (failed) {
        tracker.failed = true;
        tracker.reason += `version ${r.version} is at ${r.info.state} state: ${r.info.reason};`;
      }
    }
    this.onLoadFinal(name, tracker);
    return tracker.failed ? new TritonError("INVALID_ARG", tracker.reason) : undefined;
  }

  /** `CreateModel`: builds the backend model; on failure the info is UNAVAILABLE with the reason. */
  private async createModel(name: string, version: number, info: VersionInfo): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      const delay = this.deps.controls.loadDelayFor(name, version);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const injected = this.deps.controls.loadFailureFor(name, version);
      if (injected) {
        throw new TritonError(
          injected.code ?? "INTERNAL",
          injected.message ?? `injected load failure for model '${name}' version ${version}`,
        );
      }
      const backend = await OnnxModel.create({
        modelName: name,
        version,
        modelPath: info.modelPath,
        config: info.config,
        autoCompleteConfig: this.deps.autoCompleteConfig,
      });
      const metrics = this.deps.registry.acquire(name, version);
      // nv_model_load_duration_secs (§5.2): the time TritonModel::Create took.
      metrics.loadDurationSecs = Number(process.hrtime.bigint() - started) / 1e9;
      info.model = new LoadedModel(backend, metrics, this.deps.registry);
    } catch (e) {
      const err = toTritonError(e);
      info.state = "UNAVAILABLE";
      info.reason = `${codeString(err.code)}: ${err.message}`;
    }
  }

  /** `OnLoadFinal`: commits or aborts the load atomically with respect to GetModel. */
  private onLoadFinal(name: string, tracker: LoadTracker): void {
    const versions = this.map.get(name)!;
    for (const info of versions.values()) {
      if (info.lastUpdate > tracker.lastUpdate) {
        tracker.failed = true;
        tracker.reason =
          "Newer operation has been applied to the model lifecycle, current load operation is out-dated.";
        break;
      }
    }
    if (tracker.failed) {
      for (const loaded of tracker.loadSet.values()) {
        if (loaded.model) loaded.release(this.background);
      }
      return;
    }
    for (const info of versions.values()) {
      if (info.state === "READY" && info.lastUpdate < tracker.lastUpdate) {
        info.release(this.background);
      }
    }
    for (const [version, loaded] of tracker.loadSet) {
      loaded.state = "READY";
      loaded.reason = "";
      if (this.background.has(loaded)) {
        const prev = versions.get(version)!;
        versions.set(version, loaded);
        this.background.delete(loaded);
        if (prev.state === "LOADING" || prev.state === "UNLOADING") this.background.add(prev);
      }
    }
  }

  /** Every loaded model (foreground and background), e.g. to tear down on crash/stop. */
  allLoadedModels(): LoadedModel[] {
    const out: LoadedModel[] = [];
    for (const versions of this.map.values()) {
      for (const info of versions.values()) if (info.model) out.push(info.model);
    }
    for (const info of this.background) if (info.model) out.push(info.model);
    return out;
  }
}
