// The tracking and registry state of the test server (experiments, runs, logged models,
// registered models, versions, aliases, tags), kept in one JSON file under the data directory
// and rewritten atomically after every change, so a restart on the same directory keeps it.
// Methods throw the MlflowErrors the SQL store throws; HTTP concerns stay in the routes.
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { MlflowError, errors } from "./errors";
import type { AsyncRegistrationOptions, BehaviourSwitches } from "./options";
import { joinUri } from "./paths";
import type { KeyValue } from "./request-params";

export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";
export const RUN_STATUSES: readonly RunStatus[] = [
  "RUNNING",
  "SCHEDULED",
  "FINISHED",
  "FAILED",
  "KILLED",
];
export type ModelVersionStatus = "PENDING_REGISTRATION" | "FAILED_REGISTRATION" | "READY";
export const MODEL_VERSION_STATUSES: readonly ModelVersionStatus[] = [
  "PENDING_REGISTRATION",
  "FAILED_REGISTRATION",
  "READY",
];
export type LoggedModelStatus =
  "LOGGED_MODEL_PENDING" | "LOGGED_MODEL_READY" | "LOGGED_MODEL_UPLOAD_FAILED";
// The LoggedModelStatus enum numbers, for clients that send the integer.
export const LOGGED_MODEL_STATUS_BY_NUMBER: Readonly<Record<number, LoggedModelStatus>> = {
  1: "LOGGED_MODEL_PENDING",
  2: "LOGGED_MODEL_READY",
  3: "LOGGED_MODEL_UPLOAD_FAILED",
};

export interface ExperimentRecord {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: "active" | "deleted";
  creationTime: number;
  lastUpdateTime: number;
  tags: KeyValue[];
}

export interface RunRecord {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime?: number;
  artifactUri: string;
  lifecycleStage: "active" | "deleted";
  tags: KeyValue[];
  params: KeyValue[];
}

export interface LoggedModelRecord {
  modelId: string;
  experimentId: string;
  name: string;
  creationTimestampMs: number;
  lastUpdatedTimestampMs: number;
  artifactUri: string;
  status: LoggedModelStatus;
  modelType: string;
  sourceRunId: string;
  tags: KeyValue[];
  params: KeyValue[];
}

export interface ModelVersionRecord {
  name: string;
  version: number;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string;
  userId?: string;
  currentStage: string;
  source: string;
  runId: string;
  runLink: string;
  status: ModelVersionStatus;
  statusMessage?: string;
  tags: KeyValue[];
  modelId: string;
  /** Where the files are when `source` is not directly an artifact location (mlflow-contract.md §3). */
  storageLocation?: string;
  deleted: boolean;
  /** Async registration: reads left before the version settles. */
  pendingReadsLeft?: number;
  pendingOutcome?: AsyncRegistrationOptions;
}

export interface RegisteredModelRecord {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string;
  tags: KeyValue[];
  aliases: { alias: string; version: number }[];
  versions: ModelVersionRecord[];
}

interface RegistryState {
  schemaVersion: 1;
  nextExperimentId: number;
  experiments: ExperimentRecord[];
  runs: RunRecord[];
  loggedModels: LoggedModelRecord[];
  registeredModels: RegisteredModelRecord[];
}

const DELETED_STAGE = "Deleted_Internal";
const ALIAS_PATTERN = /^[A-Za-z0-9_-]+$/;

function hex32(): string {
  return randomUUID().replace(/-/g, "");
}

function upsertTag(tags: KeyValue[], tag: KeyValue): void {
  const existing = tags.findIndex((t) => t.key === tag.key);
  if (existing >= 0) tags[existing] = tag;
  else tags.push(tag);
}

// mlflow-contract.md §0: versions are strings on the wire; servers check they parse as integers.
function parseVersion(version: string): number {
  const trimmed = version.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) {
    throw new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `Model version must be an integer, got '${version}'`,
    );
  }
  return Number(trimmed);
}

// mlflow-contract.md §1.1: alias names are validated on set (empty, characters, reserved).
function validateAliasName(alias: string): void {
  if (alias === "") throw errors.emptyAlias();
  if (!ALIAS_PATTERN.test(alias)) throw errors.invalidAliasChars(alias);
  if (alias.toLowerCase() === "latest") throw errors.latestAliasReserved();
  if (/^[vV]\d+$/.test(alias)) throw errors.versionAliasReserved(alias);
}

export class RegistryStore {
  private state: RegistryState;

  constructor(
    private readonly file: string,
    private readonly now: () => number,
    private readonly switches: () => BehaviourSwitches,
  ) {
    this.state = existsSync(file)
      ? (JSON.parse(readFileSync(file, "utf8")) as RegistryState)
      : {
          schemaVersion: 1,
          nextExperimentId: 1,
          experiments: [],
          runs: [],
          loggedModels: [],
          registeredModels: [],
        };
    // mlflow-contract.md §2.1: with proxying on, the Default experiment (id 0) has the root
    // `mlflow-artifacts:/0`.
    if (!this.state.experiments.some((e) => e.experimentId === "0")) {
      const t = this.now();
      this.state.experiments.push({
        experimentId: "0",
        name: "Default",
        artifactLocation: "mlflow-artifacts:/0",
        lifecycleStage: "active",
        creationTime: t,
        lastUpdateTime: t,
        tags: [],
      });
      this.persist();
    }
  }

  /** Rewrite the state file atomically: a crash leaves the old or the new file, never half. */
  private persist(): void {
    const temp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(temp, JSON.stringify(this.state, null, 1));
    renameSync(temp, this.file);
  }

  // ---- experiments -------------------------------------------------------------------------

  // Experiments and runs exist here so that seeding can go through MLflow's own endpoints;
  // their error texts are the SQL store's, outside the contract (which only needs §1.2 reads).
  createExperiment(name: string, artifactLocation: string | undefined, tags: KeyValue[]): string {
    if (this.state.experiments.some((e) => e.name === name)) {
      throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment(name=${name}) already exists.`);
    }
    const experimentId = String(this.state.nextExperimentId++);
    const t = this.now();
    this.state.experiments.push({
      experimentId,
      name,
      // mlflow-contract.md §2.1: new experiments get `mlflow-artifacts:/<exp_id>` roots.
      artifactLocation:
        artifactLocation === undefined || artifactLocation === ""
          ? `mlflow-artifacts:/${experimentId}`
          : artifactLocation,
      lifecycleStage: "active",
      creationTime: t,
      lastUpdateTime: t,
      tags: [...tags],
    });
    this.persist();
    return experimentId;
  }

  getExperiment(experimentId: string): ExperimentRecord {
    const experiment = this.state.experiments.find((e) => e.experimentId === experimentId);
    if (!experiment) {
      throw new MlflowError(
        "RESOURCE_DOES_NOT_EXIST",
        `No Experiment with id=${experimentId} exists`,
      );
    }
    return experiment;
  }

  findExperimentByName(name: string): ExperimentRecord | undefined {
    return this.state.experiments.find((e) => e.name === name);
  }

  // ---- runs --------------------------------------------------------------------------------

  createRun(input: {
    experimentId: string;
    runName?: string;
    userId?: string;
    startTime?: number;
    tags: KeyValue[];
  }): RunRecord {
    const experiment = this.getExperiment(input.experimentId);
    const runId = hex32();
    const run: RunRecord = {
      runId,
      experimentId: experiment.experimentId,
      runName: input.runName || `run-${runId.slice(0, 8)}`,
      userId: input.userId ?? "",
      status: "RUNNING",
      startTime: input.startTime ?? this.now(),
      // mlflow-contract.md §2.1: run roots are `<experiment root>/<run_id>/artifacts`.
      artifactUri: joinUri(experiment.artifactLocation, runId, "artifacts"),
      lifecycleStage: "active",
      tags: [...input.tags],
      params: [],
    };
    this.state.runs.push(run);
    this.persist();
    return run;
  }

  getRun(runId: string): RunRecord {
    const run = this.state.runs.find((r) => r.runId === runId);
    // mlflow-contract.md §1.2, §4: missing run → 404 "Run with id=<id> not found".
    if (!run) throw errors.runNotFound(runId);
    return run;
  }

  updateRun(
    runId: string,
    update: { status?: RunStatus; endTime?: number; runName?: string },
  ): RunRecord {
    const run = this.getRun(runId);
    if (update.status !== undefined) run.status = update.status;
    if (update.endTime !== undefined) run.endTime = update.endTime;
    if (update.runName !== undefined && update.runName !== "") run.runName = update.runName;
    this.persist();
    return run;
  }

  // ---- logged models (3.x) -----------------------------------------------------------------

  createLoggedModel(input: {
    experimentId: string;
    name?: string;
    modelType?: string;
    sourceRunId?: string;
    tags: KeyValue[];
    params: KeyValue[];
  }): LoggedModelRecord {
    const experiment = this.getExperiment(input.experimentId);
    // mlflow-contract.md §3: model ids are `m-<32 hex>`; files go to
    // `<experiment root>/models/<model_id>/artifacts`.
    const modelId = `m-${hex32()}`;
    const t = this.now();
    const model: LoggedModelRecord = {
      modelId,
      experimentId: experiment.experimentId,
      name: input.name || `model-${modelId.slice(2, 10)}`,
      creationTimestampMs: t,
      lastUpdatedTimestampMs: t,
      artifactUri: joinUri(experiment.artifactLocation, "models", modelId, "artifacts"),
      status: "LOGGED_MODEL_PENDING",
      modelType: input.modelType ?? "",
      sourceRunId: input.sourceRunId ?? "",
      tags: [...input.tags],
      params: [...input.params],
    };
    this.state.loggedModels.push(model);
    this.persist();
    return model;
  }

  getLoggedModel(modelId: string): LoggedModelRecord {
    const model = this.state.loggedModels.find((m) => m.modelId === modelId);
    // The contract gives no text for a missing logged model; this is the tracking store's.
    if (!model) {
      throw new MlflowError(
        "RESOURCE_DOES_NOT_EXIST",
        `Logged model with ID '${modelId}' not found.`,
      );
    }
    return model;
  }

  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): LoggedModelRecord {
    const model = this.getLoggedModel(modelId);
    model.status = status;
    model.lastUpdatedTimestampMs = this.now();
    this.persist();
    return model;
  }

  // ---- registered models -------------------------------------------------------------------

  createRegisteredModel(
    name: string,
    tags: KeyValue[],
    description: string,
  ): RegisteredModelRecord {
    if (this.findModel(name)) {
      // mlflow-contract.md §4: RESOURCE_ALREADY_EXISTS maps to 400.
      throw new MlflowError(
        "RESOURCE_ALREADY_EXISTS",
        `Registered Model (name=${name}) already exists.`,
      );
    }
    const t = this.now();
    const model: RegisteredModelRecord = {
      name,
      creationTimestamp: t,
      lastUpdatedTimestamp: t,
      description,
      tags: [...tags],
      aliases: [],
      versions: [],
    };
    this.state.registeredModels.push(model);
    this.persist();
    return model;
  }

  private findModel(name: string): RegisteredModelRecord | undefined {
    return this.state.registeredModels.find((m) => m.name === name);
  }

  getRegisteredModel(name: string): RegisteredModelRecord {
    const model = this.findModel(name);
    // mlflow-contract.md §4: 404 "Registered Model with name=<name> not found" (no period).
    if (!model) throw errors.registeredModelNotFound(name);
    return model;
  }

  deleteRegisteredModel(name: string): void {
    this.getRegisteredModel(name);
    this.state.registeredModels = this.state.registeredModels.filter((m) => m.name !== name);
    this.persist();
  }

  /** Live (not deleted) versions of a model, newest first. */
  liveVersions(model: RegisteredModelRecord): ModelVersionRecord[] {
    return model.versions.filter((v) => !v.deleted).sort((a, b) => b.version - a.version);
  }

  aliasesOf(version: ModelVersionRecord): string[] {
    const model = this.findModel(version.name);
    return model
      ? model.aliases.filter((a) => a.version === version.version).map((a) => a.alias)
      : [];
  }

  // ---- model versions ----------------------------------------------------------------------

  createModelVersion(input: {
    name: string;
    source: string;
    runId: string;
    runLink: string;
    description: string;
    modelId: string;
    tags: KeyValue[];
    storageLocation?: string;
  }): ModelVersionRecord {
    const model = this.getRegisteredModel(input.name);
    const t = this.now();
    // Deleted versions keep their number: the next version is max(all) + 1.
    const version = model.versions.reduce((max, v) => Math.max(max, v.version), 0) + 1;
    const pending = this.switches().asyncRegistration;
    const record: ModelVersionRecord = {
      name: model.name,
      version,
      creationTimestamp: t,
      lastUpdatedTimestamp: t,
      description: input.description,
      // mlflow-contract.md §1.1: stages are deprecated; the default stage is the string "None".
      currentStage: "None",
      source: input.source,
      runId: input.runId,
      runLink: input.runLink,
      // mlflow-contract.md §1.1: OSS stores create versions READY; async registries start them
      // PENDING_REGISTRATION.
      status: pending ? "PENDING_REGISTRATION" : "READY",
      tags: [...input.tags],
      modelId: input.modelId,
      storageLocation: input.storageLocation,
      deleted: false,
      ...(pending ? { pendingReadsLeft: pending.pendingReads, pendingOutcome: pending } : {}),
    };
    model.versions.push(record);
    model.lastUpdatedTimestamp = t;
    this.persist();
    return record;
  }

  /** A live version, or 404 `Model Version (name=…, version=…) not found` (§4). */
  getModelVersion(name: string, version: string): ModelVersionRecord {
    const number = parseVersion(version);
    const found = this.findModel(name)?.versions.find((v) => v.version === number && !v.deleted);
    if (!found) throw errors.modelVersionNotFound(name, version);
    return found;
  }

  /**
   * A read of a version through the API: under async registration a pending version counts
   * down and settles to its outcome once its pending reads are used up.
   */
  observeRead(version: ModelVersionRecord): ModelVersionRecord {
    if (version.status !== "PENDING_REGISTRATION" || version.pendingReadsLeft === undefined) {
      return version;
    }
    if (version.pendingReadsLeft > 0) {
      version.pendingReadsLeft -= 1;
    } else {
      const outcome = version.pendingOutcome;
      version.status = outcome?.outcome ?? "READY";
      if (outcome?.statusMessage !== undefined) version.statusMessage = outcome.statusMessage;
      delete version.pendingReadsLeft;
      delete version.pendingOutcome;
      version.lastUpdatedTimestamp = this.now();
    }
    this.persist();
    return version;
  }

  /** Test control: set a version's registration status directly. */
  setModelVersionStatus(
    name: string,
    version: string,
    status: ModelVersionStatus,
    statusMessage?: string,
  ): ModelVersionRecord {
    const record = this.getModelVersion(name, version);
    record.status = status;
    if (statusMessage !== undefined) record.statusMessage = statusMessage;
    else delete record.statusMessage;
    delete record.pendingReadsLeft;
    delete record.pendingOutcome;
    record.lastUpdatedTimestamp = this.now();
    this.persist();
    return record;
  }

  updateModelVersion(name: string, version: string, description?: string): ModelVersionRecord {
    const record = this.getModelVersion(name, version);
    if (description !== undefined) record.description = description;
    record.lastUpdatedTimestamp = this.now();
    this.persist();
    return record;
  }

  /**
   * mlflow-contract.md §1.1: a deleted version disappears from `get` (404), its source and run
   * id are overwritten, and aliases pointing at it are deleted.
   */
  deleteModelVersion(name: string, version: string): void {
    const record = this.getModelVersion(name, version);
    record.deleted = true;
    record.currentStage = DELETED_STAGE;
    record.source = "REDACTED-SOURCE-PATH";
    record.runId = "REDACTED-RUN-ID";
    record.lastUpdatedTimestamp = this.now();
    const model = this.getRegisteredModel(name);
    model.aliases = model.aliases.filter((a) => a.version !== record.version);
    model.lastUpdatedTimestamp = record.lastUpdatedTimestamp;
    this.persist();
  }

  setModelVersionTag(name: string, version: string, tag: KeyValue): void {
    const record = this.getModelVersion(name, version);
    upsertTag(record.tags, tag);
    this.persist();
  }

  deleteModelVersionTag(name: string, version: string, key: string): void {
    const record = this.getModelVersion(name, version);
    record.tags = record.tags.filter((t) => t.key !== key);
    this.persist();
  }

  // ---- aliases -----------------------------------------------------------------------------

  /** mlflow-contract.md §1.1: upsert — re-pointing an existing alias silently replaces it. */
  setAlias(name: string, alias: string, version: string): void {
    validateAliasName(alias);
    const model = this.getRegisteredModel(name);
    // The target version must exist, else 404 "Model Version … not found".
    const record = this.getModelVersion(name, version);
    const existing = model.aliases.find((a) => a.alias === alias);
    if (existing) existing.version = record.version;
    else model.aliases.push({ alias, version: record.version });
    model.lastUpdatedTimestamp = this.now();
    this.persist();
  }

  /** mlflow-contract.md §1.1: deleting an absent alias is a no-op; the model must exist. */
  deleteAlias(name: string, alias: string): void {
    const model = this.getRegisteredModel(name);
    const before = model.aliases.length;
    model.aliases = model.aliases.filter((a) => a.alias !== alias);
    if (model.aliases.length !== before) model.lastUpdatedTimestamp = this.now();
    this.persist();
  }

  getVersionByAlias(name: string, alias: string): ModelVersionRecord {
    if (alias.toLowerCase() === "latest") {
      // mlflow-contract.md §1.1: older servers reserve `latest` (400); MLflow ≥ 3.3 resolves it
      // to the newest version.
      if (this.switches().latestAlias === "reserved") throw errors.latestAliasReserved();
      const newest = this.liveVersions(this.getRegisteredModel(name))[0];
      if (!newest) throw errors.aliasNotFound(alias);
      return newest;
    }
    const model = this.findModel(name);
    if (!model) {
      // mlflow-contract.md §4 / §8: the SQL store looks the alias row up without checking the
      // model, so a missing model also answers 400 alias-not-found (the default); the switch
      // gives the 404 of newer stores.
      if (this.switches().aliasLookupOnMissingModel === "model-not-found") {
        throw errors.registeredModelNotFound(name);
      }
      throw errors.aliasNotFound(alias);
    }
    const entry = model.aliases.find((a) => a.alias === alias);
    // mlflow-contract.md §4: alias not set → 400 INVALID_PARAMETER_VALUE (trailing period).
    if (!entry) throw errors.aliasNotFound(alias);
    return this.getModelVersion(name, String(entry.version));
  }

  // ---- listings ----------------------------------------------------------------------------

  /**
   * mlflow-contract.md §1.1: the newest READY version per stage (optionally only the given
   * stages), for `latest_versions` and `get-latest-versions`.
   */
  latestVersions(name: string, stages: readonly string[]): ModelVersionRecord[] {
    const model = this.getRegisteredModel(name);
    const byStage = new Map<string, ModelVersionRecord>();
    for (const version of this.liveVersions(model)) {
      if (version.status !== "READY") continue;
      if (!byStage.has(version.currentStage)) byStage.set(version.currentStage, version);
    }
    const wanted = stages.map((s) => s.toLowerCase());
    return [...byStage.values()]
      .filter((v) => wanted.length === 0 || wanted.includes(v.currentStage.toLowerCase()))
      .sort((a, b) => a.version - b.version);
  }

  /** Every live version, in (name ASC, version DESC) order. */
  allLiveVersions(): ModelVersionRecord[] {
    return [...this.state.registeredModels]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((m) => this.liveVersions(m));
  }
}
