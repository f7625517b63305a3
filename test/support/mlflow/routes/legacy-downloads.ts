// The UI download routes outside the proto (mlflow-contract.md §2.3): `/get-artifact`,
// `/model-versions/get-artifact` (root only, not under /ajax-api) and the 3.x logged-model
// `…/artifacts/files`. They resolve the root server side and answer with Flask `send_file`
// (Content-Length and Range, §2.4), and work even with `--no-serve-artifacts`.
import { MlflowError } from "../errors";
import { validatePathIsSafe, type ArtifactLocation } from "../paths";
import { werkzeugReply, type Reply } from "../reply";
import type { RouteContext, RouteDef } from "../router";
import { storageFor } from "./artifact-access";
import { sendFileReply } from "./file-responses";

/** `request.args["path"]` on a missing key: Werkzeug's BadRequestKeyError → HTML 400. */
class MissingQueryKey extends Error {}

function queryKey(ctx: RouteContext, key: string): string {
  const value = ctx.query.get(key);
  if (value === null) throw new MissingQueryKey(key);
  return value;
}

/**
 * Send `<location>/<path>`. A missing file in the local destination raises an OSError that
 * MLflow's exception wrapper does not catch → Flask's HTML 500 (the non-JSON 500 of §8); the
 * (simulated) S3 repository raises an MlflowException → 500 INTERNAL_ERROR JSON (§2.5).
 */
function sendArtifact(ctx: RouteContext, location: ArtifactLocation, path: string): Reply {
  const file = ctx.core.artifacts.localPath(location, path);
  const stat = ctx.core.artifacts.stat(file);
  if (stat === undefined) {
    if (location.kind === "proxied") return werkzeugReply(500);
    throw new MlflowError(
      "INTERNAL_ERROR",
      `The following failures occurred while downloading one or more artifacts from s3://${location.bucket}/${location.key}:\n##### File ${path} #####\nAn error occurred (404) when calling the HeadObject operation: Not Found`,
    );
  }
  if (stat === "directory") return werkzeugReply(500);
  return sendFileReply(ctx.incoming.headers, file, stat);
}

function guarded(handler: (ctx: RouteContext) => Reply): (ctx: RouteContext) => Reply {
  return (ctx) => {
    try {
      return handler(ctx);
    } catch (error) {
      if (error instanceof MissingQueryKey) return werkzeugReply(400);
      throw error;
    }
  };
}

/** `GET /get-artifact?path=<p>&run_uuid=<id>` (also `run_id`). */
const getArtifact = guarded((ctx) => {
  const path = validatePathIsSafe(queryKey(ctx, "path"));
  const runId = ctx.query.get("run_id") || ctx.query.get("run_uuid");
  // Python's `get_run(None)` → "Run with id=None not found".
  const run = ctx.core.store.getRun(runId ?? "None");
  return sendArtifact(ctx, storageFor(ctx.core, run.artifactUri), path);
});

/** `GET /model-versions/get-artifact?name=<n>&version=<v>&path=<p>`, rooted at the download URI. */
const getModelVersionArtifact = guarded((ctx) => {
  const name = ctx.query.get("name") ?? "";
  const version = ctx.query.get("version") ?? "";
  const path = validatePathIsSafe(queryKey(ctx, "path"));
  const mv = ctx.core.store.getModelVersion(name, version);
  return sendArtifact(ctx, storageFor(ctx.core, mv.storageLocation ?? mv.source), path);
});

/** 3.x `GET /ajax-api/2.0/mlflow/logged-models/<id>/artifacts/files?artifact_file_path=<p>`. */
const getLoggedModelArtifact = guarded((ctx) => {
  const path = ctx.query.get("artifact_file_path");
  if (!path) {
    throw new MlflowError(
      "BAD_REQUEST",
      'Request must include the "artifact_file_path" query parameter.',
    );
  }
  const safe = validatePathIsSafe(path);
  const model = ctx.core.store.getLoggedModel(ctx.params.model_id ?? "");
  return sendArtifact(ctx, storageFor(ctx.core, model.artifactUri), safe);
});

export function legacyDownloadRoutes(is3x: boolean): RouteDef[] {
  const routes: RouteDef[] = [
    // `get_artifact_handler` has no artifacts-only guard; the model-version one has.
    { methods: ["GET"], rule: "/get-artifact", guard: "none", handler: getArtifact },
    {
      methods: ["GET"],
      rule: "/model-versions/get-artifact",
      guard: "tracking",
      handler: getModelVersionArtifact,
    },
  ];
  if (is3x) {
    routes.push({
      methods: ["GET"],
      rule: "/ajax-api/2.0/mlflow/logged-models/<model_id>/artifacts/files",
      guard: "tracking",
      handler: getLoggedModelArtifact,
    });
  }
  return routes;
}
