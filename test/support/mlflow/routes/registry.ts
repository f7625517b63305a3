// Model Registry endpoints (mlflow-contract.md §1.1), read and write: the write side is how
// anything that talks to MLflow seeds this server.
import { MlflowError } from "../errors";
import { decodeFully, isLocalUri, localUriToPath, sourceHasRelativeReferences } from "../paths";
import { jsonReply, type Reply } from "../reply";
import {
  optionalInteger,
  optionalString,
  optionalStringList,
  optionalTags,
  requiredString,
  type Fields,
} from "../request-params";
import type { RouteContext, RouteDef, ServerCore } from "../router";
import type { ModelVersionRecord } from "../store";

function versionJson(core: ServerCore, mv: ModelVersionRecord): Record<string, unknown> {
  return core.writer.modelVersion(mv, core.store.aliasesOf(mv));
}

/** A read of a version through the API (async registration counts reads). */
function readVersion(core: ServerCore, mv: ModelVersionRecord): Record<string, unknown> {
  return versionJson(core, core.store.observeRead(mv));
}

function registeredModelJson(core: ServerCore, name: string): Record<string, unknown> {
  const rm = core.store.getRegisteredModel(name);
  // mlflow-contract.md §1.1: `latest_versions` holds the newest READY version per stage.
  return core.writer.registeredModel(rm, core.store.latestVersions(name, []), (mv) =>
    core.store.aliasesOf(mv),
  );
}

// mlflow-contract.md §8 (seeding): create registered model → {registered_model}.
async function createRegisteredModel(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const name = requiredString(f, "name");
  const tags = optionalTags(f, "tags");
  ctx.core.store.createRegisteredModel(name, tags, optionalString(f, "description") ?? "");
  return jsonReply({ registered_model: registeredModelJson(ctx.core, name) });
}

// mlflow-contract.md §1.1, §8 item 2: {registered_model: {name, aliases: [{alias, version}], …}}.
async function getRegisteredModel(ctx: RouteContext): Promise<Reply> {
  const name = requiredString(await ctx.fields(), "name");
  return jsonReply({ registered_model: registeredModelJson(ctx.core, name) });
}

// MLflow's delete registered model (§1.1 registry write side) → {}.
async function deleteRegisteredModel(ctx: RouteContext): Promise<Reply> {
  ctx.core.store.deleteRegisteredModel(requiredString(await ctx.fields(), "name"));
  return jsonReply({});
}

// mlflow-contract.md §1.1: GET|POST get-latest-versions → {model_versions}.
async function getLatestVersions(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields(["stages"]);
  const name = requiredString(f, "name");
  const versions = ctx.core.store.latestVersions(name, optionalStringList(f, "stages"));
  // mlflow-contract.md §0: an empty list is omitted.
  return jsonReply(
    versions.length > 0 ? { model_versions: versions.map((v) => readVersion(ctx.core, v)) } : {},
  );
}

// ---- aliases (mlflow-contract.md §1.1, §8 items 1 and 8) ------------------------------------

// mlflow-contract.md §1.1, §8 item 1: {"model_version": ModelVersion}.
async function getVersionByAlias(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const name = requiredString(f, "name");
  const alias = requiredString(f, "alias");
  const mv = ctx.core.store.getVersionByAlias(name, alias);
  return jsonReply({ model_version: readVersion(ctx.core, mv) });
}

// mlflow-contract.md §1.1, §8 item 8: JSON name, alias, version (string) → {}.
async function setAlias(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const name = requiredString(f, "name");
  const alias = requiredString(f, "alias");
  const version = requiredString(f, "version");
  ctx.core.store.setAlias(name, alias, version);
  return jsonReply({});
}

// mlflow-contract.md §1.1, §8 item 8: JSON name, alias → {}.
async function deleteAlias(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const name = requiredString(f, "name");
  const alias = requiredString(f, "alias");
  ctx.core.store.deleteAlias(name, alias);
  return jsonReply({});
}

// ---- model versions ----------------------------------------------------------------------

const INVALID_SOURCE_RELATIVE = (source: string) =>
  new MlflowError(
    "INVALID_PARAMETER_VALUE",
    `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
  );

/**
 * mlflow-contract.md §3: local (`file://`, plain path) sources are only accepted inside the
 * run's or logged model's own artifact directory — never here, where every root is remote —
 * and sources with `..` / encoded traversal are rejected with 400.
 */
function validateSource(core: ServerCore, source: string, runId: string, modelId: string): void {
  if (isLocalUri(source)) {
    const owner = modelId !== "" ? "model_id" : "run_id";
    if (modelId !== "") core.store.getLoggedModel(modelId);
    else if (runId !== "") core.store.getRun(runId);
    throw new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `Invalid model version source: '${localUriToPath(source)}'. To use a local path as a model version source, the ${owner} request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the ${owner}.`,
    );
  }
  // The message quotes the source as decoded by the check's unquote loop.
  if (sourceHasRelativeReferences(source)) throw INVALID_SOURCE_RELATIVE(decodeFully(source));
}

/**
 * mlflow-contract.md §3: `models:/m-<id>` sources get the logged model's artifact location as
 * storage location (and its source run); `models:/<name>/<v>` (or `@alias`) the referenced
 * version's download URI. Other sources (`mlflow-artifacts:`, `s3:`, `runs:/` …) are stored
 * verbatim — the server does not rewrite `runs:/`.
 */
function resolveModelsUri(
  core: ServerCore,
  source: string,
): { storageLocation?: string; runId?: string; modelId?: string } {
  if (!source.startsWith("models:")) return {};
  const rest = source.replace(/^models:\/*/, "");
  try {
    const loggedModel = /^(m-[^/@]+)\/?$/.exec(rest);
    if (loggedModel) {
      const model = core.store.getLoggedModel(loggedModel[1]!);
      return {
        storageLocation: model.artifactUri,
        runId: model.sourceRunId,
        modelId: model.modelId,
      };
    }
    const byAlias = /^([^/@]+)@([^/]+)$/.exec(rest);
    const byVersion = /^([^/@]+)\/([^/]+)$/.exec(rest);
    const target = byAlias
      ? core.store.getVersionByAlias(byAlias[1]!, byAlias[2]!)
      : byVersion
        ? core.store.getModelVersion(byVersion[1]!, byVersion[2]!)
        : undefined;
    return target ? { storageLocation: target.storageLocation ?? target.source } : {};
  } catch (error) {
    throw new MlflowError(
      "INTERNAL_ERROR",
      `Unable to fetch model from model URI source artifact location '${source}'.Error: ${(error as Error).message}`,
    );
  }
}

// mlflow-contract.md §3, §8 (seeding): create model version → {model_version}.
async function createModelVersion(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const name = requiredString(f, "name");
  const source = requiredString(f, "source");
  const runId = optionalString(f, "run_id") ?? "";
  const modelId = optionalString(f, "model_id") ?? "";
  const tags = optionalTags(f, "tags");
  validateSource(ctx.core, source, runId, modelId);
  ctx.core.store.getRegisteredModel(name);
  const resolved = resolveModelsUri(ctx.core, source);
  const mv = ctx.core.store.createModelVersion({
    name,
    source,
    runId: runId !== "" ? runId : (resolved.runId ?? ""),
    runLink: optionalString(f, "run_link") ?? "",
    description: optionalString(f, "description") ?? "",
    modelId: modelId !== "" ? modelId : (resolved.modelId ?? ""),
    tags,
    storageLocation: resolved.storageLocation,
  });
  return jsonReply({ model_version: versionJson(ctx.core, mv) });
}

function nameAndVersion(f: Fields): [string, string] {
  return [requiredString(f, "name"), requiredString(f, "version")];
}

// mlflow-contract.md §1.1, §8 item 3: {"model_version": ModelVersion}.
async function getModelVersion(ctx: RouteContext): Promise<Reply> {
  const [name, version] = nameAndVersion(await ctx.fields());
  const mv = ctx.core.store.getModelVersion(name, version);
  return jsonReply({ model_version: readVersion(ctx.core, mv) });
}

/** mlflow-contract.md §1.1: the version's storage location if set, else its source. */
async function getDownloadUri(ctx: RouteContext): Promise<Reply> {
  const [name, version] = nameAndVersion(await ctx.fields());
  const mv = ctx.core.store.getModelVersion(name, version);
  return jsonReply({ artifact_uri: mv.storageLocation ?? mv.source });
}

// MLflow's update model version (description only) → {model_version}.
async function updateModelVersion(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const [name, version] = nameAndVersion(f);
  const mv = ctx.core.store.updateModelVersion(name, version, optionalString(f, "description"));
  return jsonReply({ model_version: versionJson(ctx.core, mv) });
}

// mlflow-contract.md §1.1 (deleted versions), §8 "deleted version (404)" → {}.
async function deleteModelVersion(ctx: RouteContext): Promise<Reply> {
  const [name, version] = nameAndVersion(await ctx.fields());
  ctx.core.store.deleteModelVersion(name, version);
  return jsonReply({});
}

// mlflow-contract.md §8 "Integrity": a sha256 published as a model-version tag → {}.
async function setModelVersionTag(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const [name, version] = nameAndVersion(f);
  const key = requiredString(f, "key");
  ctx.core.store.setModelVersionTag(name, version, {
    key,
    value: optionalString(f, "value") ?? "",
  });
  return jsonReply({});
}

// mlflow-contract.md §1.1 ModelVersion `tags`: delete one → {}.
async function deleteModelVersionTag(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields();
  const [name, version] = nameAndVersion(f);
  ctx.core.store.deleteModelVersionTag(name, version, requiredString(f, "key"));
  return jsonReply({});
}

const MAX_SEARCH_RESULTS = 200_000;

/** The filters this server understands: `name='x'` and `run_id='x'`, joined with AND. */
function parseVersionFilter(filter: string): (mv: ModelVersionRecord) => boolean {
  if (filter.trim() === "") return () => true;
  const clauses = filter.split(/\s+and\s+/i).map((clause) => {
    const m = /^\s*(name|run_id)\s*=\s*(['"])(.*)\2\s*$/.exec(clause);
    if (!m) {
      throw new MlflowError(
        "INVALID_PARAMETER_VALUE",
        `Invalid filter '${filter}': the MLflow test server supports only name='…' and run_id='…' clauses joined with AND`,
      );
    }
    const [, key, , value] = m;
    return (mv: ModelVersionRecord) => (key === "name" ? mv.name : mv.runId) === value;
  });
  return (mv) => clauses.every((clause) => clause(mv));
}

/**
 * mlflow-contract.md §1.1 `model-versions/search`: `filter`, `max_results` (≤ 200000),
 * `page_token` (an offset); `next_page_token` only when more results exist.
 */
async function searchModelVersions(ctx: RouteContext): Promise<Reply> {
  const f = await ctx.fields(["order_by"]);
  const maxResults = optionalInteger(f, "max_results") ?? 10_000;
  if (maxResults > MAX_SEARCH_RESULTS) {
    throw new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `Invalid value for request parameter max_results. It must be at most ${MAX_SEARCH_RESULTS}, but got value ${maxResults}`,
    );
  }
  const token = optionalString(f, "page_token");
  let offset = 0;
  if (token !== undefined && token !== "") {
    try {
      offset = Number(
        (JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { offset: number }).offset,
      );
    } catch {
      offset = Number.NaN;
    }
    if (!Number.isInteger(offset) || offset < 0) {
      throw new MlflowError(
        "INVALID_PARAMETER_VALUE",
        "Invalid page token, could not base64-decode",
      );
    }
  }
  const matches = ctx.core.store
    .allLiveVersions()
    .filter(parseVersionFilter(optionalString(f, "filter") ?? ""));
  const page = matches.slice(offset, offset + maxResults);
  const out: Record<string, unknown> = {};
  if (page.length > 0) out.model_versions = page.map((mv) => versionJson(ctx.core, mv));
  if (offset + maxResults < matches.length) {
    out.next_page_token = Buffer.from(JSON.stringify({ offset: offset + maxResults })).toString(
      "base64",
    );
  }
  return jsonReply(out);
}

export function registryRoutes(): RouteDef[] {
  const route = (
    methods: string[],
    rule: string,
    handler: (ctx: RouteContext) => Promise<Reply>,
  ): RouteDef => ({ methods, rule, guard: "tracking", handler });
  return [
    route(["POST"], "/mlflow/registered-models/create", createRegisteredModel),
    route(["GET"], "/mlflow/registered-models/get", getRegisteredModel),
    route(["DELETE"], "/mlflow/registered-models/delete", deleteRegisteredModel),
    route(["GET", "POST"], "/mlflow/registered-models/get-latest-versions", getLatestVersions),
    route(["GET"], "/mlflow/registered-models/alias", getVersionByAlias),
    route(["POST"], "/mlflow/registered-models/alias", setAlias),
    route(["DELETE"], "/mlflow/registered-models/alias", deleteAlias),
    route(["POST"], "/mlflow/model-versions/create", createModelVersion),
    route(["GET"], "/mlflow/model-versions/get", getModelVersion),
    route(["PATCH"], "/mlflow/model-versions/update", updateModelVersion),
    route(["DELETE"], "/mlflow/model-versions/delete", deleteModelVersion),
    route(["GET"], "/mlflow/model-versions/get-download-uri", getDownloadUri),
    route(["GET"], "/mlflow/model-versions/search", searchModelVersions),
    route(["POST"], "/mlflow/model-versions/set-tag", setModelVersionTag),
    route(["DELETE"], "/mlflow/model-versions/delete-tag", deleteModelVersionTag),
  ];
}
