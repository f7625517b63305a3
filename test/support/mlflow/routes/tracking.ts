// Tracking endpoints (mlflow-contract.md §1.2): experiments and runs (the write side seeds
// runs to hang artifacts on), `runs/get`, `artifacts/list`, and the 3.x logged models (§3, §8
// item 7).
import { MlflowError } from "../errors";
import { validatePathIsSafe } from "../paths";
import { jsonReply, type Reply } from "../reply";
import {
  optionalInteger,
  optionalString,
  optionalTags,
  requiredString,
  type Fields,
} from "../request-params";
import type { RouteContext, RouteDef } from "../router";
import {
  LOGGED_MODEL_STATUS_BY_NUMBER,
  RUN_STATUSES,
  type LoggedModelStatus,
  type RunStatus,
} from "../store";
import { listFileInfos, storageFor } from "./artifact-access";

// Seeding (§8): create experiment → {experiment_id}; roots per §2.1.
async function createExperiment(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const name = requiredString(f, "name");
  const artifactLocation = optionalString(f, "artifact_location");
  if (artifactLocation !== undefined && /[#;]/.test(artifactLocation)) {
    throw new MlflowError(
      "INVALID_PARAMETER_VALUE",
      "'artifact_location' URL can't include fragments or params.",
    );
  }
  const id = ctx.core.store.createExperiment(name, artifactLocation, optionalTags(f, "tags"));
  return jsonReply({ experiment_id: id });
}

// Seeding helpers (§8): experiments/get and get-by-name → {experiment}.
async function getExperiment(ctx: RouteContext): Promise<Reply> {
  const id = requiredString(await ctx.fields(), "experiment_id");
  return jsonReply({ experiment: ctx.core.writer.experiment(ctx.core.store.getExperiment(id)) });
}

async function getExperimentByName(ctx: RouteContext): Promise<Reply> {
  const name = requiredString(await ctx.fields(), "experiment_name");
  const experiment = ctx.core.store.findExperimentByName(name);
  if (!experiment) {
    throw new MlflowError(
      "RESOURCE_DOES_NOT_EXIST",
      `Could not find experiment with name '${name}'`,
    );
  }
  return jsonReply({ experiment: ctx.core.writer.experiment(experiment) });
}

function runStatus(value: string | undefined): RunStatus | undefined {
  if (value === undefined || value === "") return undefined;
  if (!(RUN_STATUSES as readonly string[]).includes(value)) {
    throw new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `Invalid value "${value}" for parameter 'status': expected one of ${RUN_STATUSES.join(", ")}`,
    );
  }
  return value as RunStatus;
}

// Seeding (§8): create run → {run}; its root is `<experiment root>/<run_id>/artifacts` (§2.1).
async function createRun(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const run = ctx.core.store.createRun({
    experimentId: optionalString(f, "experiment_id") ?? "",
    runName: optionalString(f, "run_name"),
    userId: optionalString(f, "user_id"),
    startTime: optionalInteger(f, "start_time"),
    tags: optionalTags(f, "tags"),
  });
  return jsonReply({ run: ctx.core.writer.run(run) });
}

/** mlflow-contract.md §1.2: `run_id`, with the legacy `run_uuid` accepted in its place. */
function runIdOf(f: Fields): string {
  const runUuid = optionalString(f, "run_uuid");
  if ((f.run_id === undefined || f.run_id === "") && runUuid !== undefined && runUuid !== "") {
    return runUuid;
  }
  return requiredString(f, "run_id");
}

// Seeding (§8): update run (status, end_time) → {run_info}; statuses per §1.2 RunInfo.
async function updateRun(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const run = ctx.core.store.updateRun(runIdOf(f), {
    status: runStatus(optionalString(f, "status")),
    endTime: optionalInteger(f, "end_time"),
    runName: optionalString(f, "run_name"),
  });
  return jsonReply({ run_info: ctx.core.writer.runInfo(run) });
}

// mlflow-contract.md §1.2, §8 item 4: {"run": {"info": RunInfo, "data": {…}}}.
async function getRun(ctx: RouteContext): Promise<Reply> {
  const run = ctx.core.store.getRun(runIdOf(await ctx.fields()));
  return jsonReply({ run: ctx.core.writer.run(run) });
}

/**
 * mlflow-contract.md §1.2, §8 item 5: one directory level under the run's root;
 * `root_uri` echoes the run's `artifact_uri`; `files` omitted when empty; `page_token` is
 * accepted and ignored, and no `next_page_token` is ever set.
 */
async function listArtifacts(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const rawPath = optionalString(f, "path");
  const path = rawPath !== undefined ? validatePathIsSafe(rawPath) : undefined;
  optionalString(f, "page_token");
  const run = ctx.core.store.getRun(runIdOf(f));
  const files = listFileInfos(ctx.core, storageFor(ctx.core, run.artifactUri), path || undefined);
  return jsonReply(
    files.length > 0 ? { root_uri: run.artifactUri, files } : { root_uri: run.artifactUri },
  );
}

// ---- logged models (3.x) -----------------------------------------------------------------

function loggedModelStatus(value: unknown): LoggedModelStatus {
  if (typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value))) {
    const status = LOGGED_MODEL_STATUS_BY_NUMBER[Number(value)];
    if (status) return status;
  }
  if (
    value === "LOGGED_MODEL_PENDING" ||
    value === "LOGGED_MODEL_READY" ||
    value === "LOGGED_MODEL_UPLOAD_FAILED"
  ) {
    return value;
  }
  if (value === undefined || value === null || value === "") {
    throw new MlflowError(
      "INVALID_PARAMETER_VALUE",
      "Missing value for required parameter 'status'. See the API docs for more information about request parameters.",
    );
  }
  throw new MlflowError(
    "INVALID_PARAMETER_VALUE",
    `Invalid value ${JSON.stringify(value)} for parameter 'status' supplied.`,
  );
}

// mlflow-contract.md §3 (3.x `log_model` creates a LoggedModel) → {model: {info, data}}.
async function createLoggedModel(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const model = ctx.core.store.createLoggedModel({
    experimentId: requiredString(f, "experiment_id"),
    name: optionalString(f, "name"),
    modelType: optionalString(f, "model_type"),
    sourceRunId: optionalString(f, "source_run_id"),
    tags: optionalTags(f, "tags"),
    params: optionalTags(f, "params"),
  });
  return jsonReply({ model: ctx.core.writer.loggedModel(model) });
}

// mlflow-contract.md §1.2, §8 item 7: GET logged-models/{id} → {model: {info, data}}.
function getLoggedModel(ctx: RouteContext): Reply {
  const model = ctx.core.store.getLoggedModel(ctx.params.model_id ?? "");
  return jsonReply({ model: ctx.core.writer.loggedModel(model) });
}

/** FinalizeLoggedModel: MLflow reads `model_id` and `status` from the body, not the path. */
async function finalizeLoggedModel(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const modelId = requiredString(f, "model_id");
  const model = ctx.core.store.finalizeLoggedModel(modelId, loggedModelStatus(f.status));
  return jsonReply({ model: ctx.core.writer.loggedModel(model) });
}

/** mlflow-contract.md §1.2: same shape as `artifacts/list` (`root_uri`, `files`). */
async function listLoggedModelArtifacts(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const rawPath = optionalString(f, "artifact_directory_path");
  const path = rawPath !== undefined ? validatePathIsSafe(rawPath) : undefined;
  const model = ctx.core.store.getLoggedModel(ctx.params.model_id ?? "");
  const files = listFileInfos(ctx.core, storageFor(ctx.core, model.artifactUri), path || undefined);
  return jsonReply(
    files.length > 0 ? { root_uri: model.artifactUri, files } : { root_uri: model.artifactUri },
  );
}

export function trackingRoutes(is3x: boolean): RouteDef[] {
  const route = (
    methods: string[],
    rule: string,
    handler: (ctx: RouteContext) => Promise<Reply> | Reply,
  ): RouteDef => ({ methods, rule, guard: "tracking", handler });
  const routes = [
    route(["POST"], "/mlflow/experiments/create", createExperiment),
    route(["GET"], "/mlflow/experiments/get", getExperiment),
    route(["GET"], "/mlflow/experiments/get-by-name", getExperimentByName),
    route(["POST"], "/mlflow/runs/create", createRun),
    route(["POST"], "/mlflow/runs/update", updateRun),
    route(["GET"], "/mlflow/runs/get", getRun),
    route(["GET"], "/mlflow/artifacts/list", listArtifacts),
  ];
  // mlflow-contract.md §1.2, §3: the LoggedModel endpoints exist from 3.x only; a 2.x server
  // answers them with Flask's 404.
  if (is3x) {
    routes.push(
      route(["POST"], "/mlflow/logged-models", createLoggedModel),
      route(["GET"], "/mlflow/logged-models/<model_id>", getLoggedModel),
      route(["PATCH"], "/mlflow/logged-models/<model_id>", finalizeLoggedModel),
      route(
        ["GET"],
        "/mlflow/logged-models/<model_id>/artifacts/directories",
        listLoggedModelArtifacts,
      ),
    );
  }
  return routes;
}
