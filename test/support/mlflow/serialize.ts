// Records → the JSON MLflow's `message_to_json` produces. mlflow-contract.md §0: snake_case
// field names, unset/empty fields omitted (no `aliases` key for a version without aliases),
// enums as their names, int64 as JSON numbers — or as strings under the old-server switch.
import type { DirEntry } from "./artifact-store";
import type { BehaviourSwitches } from "./options";
import type { KeyValue } from "./request-params";
import type {
  ExperimentRecord,
  LoggedModelRecord,
  ModelVersionRecord,
  RegisteredModelRecord,
  RunRecord,
} from "./store";

type Json = Record<string, unknown>;

export class JsonWriter {
  constructor(
    private readonly switches: BehaviourSwitches,
    private readonly is3x: boolean,
  ) {}

  /** mlflow-contract.md §0: int64 as a number (current servers) or a string (very old ones). */
  int64(value: number): number | string {
    return this.switches.int64AsStrings ? String(value) : value;
  }

  /** Set an optional string field; "" is omitted unless the empty-strings switch emits it. */
  private str(out: Json, key: string, value: string | undefined): void {
    if (value === undefined) return;
    if (value === "" && this.switches.emptyStrings === "omit") return;
    out[key] = value;
  }

  /** Set a repeated field only when it has elements (§0: an empty list is omitted). */
  private list(out: Json, key: string, values: readonly unknown[]): void {
    if (values.length > 0) out[key] = values;
  }

  private tags(tags: readonly KeyValue[]): Json[] {
    return tags.map((t) => ({ key: t.key, value: t.value }));
  }

  /** mlflow-contract.md §1.1 ModelVersion: string `version`, status enum name, `aliases`. */
  modelVersion(mv: ModelVersionRecord, aliases: readonly string[]): Json {
    const out: Json = {
      name: mv.name,
      version: String(mv.version),
      creation_timestamp: this.int64(mv.creationTimestamp),
      last_updated_timestamp: this.int64(mv.lastUpdatedTimestamp),
    };
    this.str(out, "user_id", mv.userId);
    out.current_stage = mv.currentStage;
    this.str(out, "description", mv.description);
    this.str(out, "source", mv.source);
    this.str(out, "run_id", mv.runId);
    out.status = mv.status;
    this.str(out, "status_message", mv.statusMessage);
    this.list(out, "tags", this.tags(mv.tags));
    this.str(out, "run_link", mv.runLink);
    this.list(out, "aliases", aliases);
    // mlflow-contract.md §1.1: `model_id` is a 3.x field.
    if (this.is3x) this.str(out, "model_id", mv.modelId);
    return out;
  }

  /** mlflow-contract.md §1.1 RegisteredModel: `aliases` as `{alias, version}`, no `user_id`. */
  registeredModel(
    rm: RegisteredModelRecord,
    latest: readonly ModelVersionRecord[],
    aliasesOf: (mv: ModelVersionRecord) => string[],
  ): Json {
    const out: Json = {
      name: rm.name,
      creation_timestamp: this.int64(rm.creationTimestamp),
      last_updated_timestamp: this.int64(rm.lastUpdatedTimestamp),
    };
    this.str(out, "description", rm.description);
    this.list(
      out,
      "latest_versions",
      latest.map((mv) => this.modelVersion(mv, aliasesOf(mv))),
    );
    this.list(out, "tags", this.tags(rm.tags));
    this.list(
      out,
      "aliases",
      rm.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
    );
    return out;
  }

  /** mlflow-contract.md §1.2 RunInfo: `run_uuid` duplicate, string `experiment_id`. */
  runInfo(run: RunRecord): Json {
    const out: Json = { run_uuid: run.runId, experiment_id: run.experimentId };
    this.str(out, "run_name", run.runName);
    this.str(out, "user_id", run.userId);
    out.status = run.status;
    out.start_time = this.int64(run.startTime);
    if (run.endTime !== undefined) out.end_time = this.int64(run.endTime);
    out.artifact_uri = run.artifactUri;
    out.lifecycle_stage = run.lifecycleStage;
    out.run_id = run.runId;
    return out;
  }

  /** mlflow-contract.md §1.2: `{"info", "data", "inputs"}` (+ `outputs` on 3.x). */
  run(run: RunRecord): Json {
    const data: Json = {};
    this.list(data, "params", this.tags(run.params));
    this.list(data, "tags", this.tags(run.tags));
    const out: Json = { info: this.runInfo(run), data, inputs: {} };
    if (this.is3x) out.outputs = {};
    return out;
  }

  experiment(experiment: ExperimentRecord): Json {
    const out: Json = {
      experiment_id: experiment.experimentId,
      name: experiment.name,
      artifact_location: experiment.artifactLocation,
      lifecycle_stage: experiment.lifecycleStage,
      last_update_time: this.int64(experiment.lastUpdateTime),
      creation_time: this.int64(experiment.creationTime),
    };
    this.list(out, "tags", this.tags(experiment.tags));
    return out;
  }

  /** mlflow-contract.md §1.2 LoggedModel (3.x): `{"info": LoggedModelInfo, "data": {...}}`. */
  loggedModel(model: LoggedModelRecord): Json {
    const info: Json = {
      model_id: model.modelId,
      experiment_id: model.experimentId,
      name: model.name,
      creation_timestamp_ms: this.int64(model.creationTimestampMs),
      last_updated_timestamp_ms: this.int64(model.lastUpdatedTimestampMs),
      artifact_uri: model.artifactUri,
      status: model.status,
    };
    this.str(info, "model_type", model.modelType);
    this.str(info, "source_run_id", model.sourceRunId);
    this.list(info, "tags", this.tags(model.tags));
    const data: Json = {};
    this.list(data, "params", this.tags(model.params));
    return { info, data };
  }

  /**
   * mlflow-contract.md §1.2 FileInfo: `path`, `is_dir`, and `file_size` on files only (a file
   * of 0 bytes still carries `file_size: 0`, the field is set).
   */
  fileInfo(path: string, entry: DirEntry): Json {
    const out: Json = { path, is_dir: entry.isDir };
    if (!entry.isDir && entry.size !== undefined) out.file_size = this.int64(entry.size);
    return out;
  }
}
