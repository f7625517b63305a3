// The proxied artifact service (mlflow-contract.md §1.3): download, upload (how seeding puts
// files in), list and delete under `--artifacts-destination`. Every route is behind
// `_disable_unless_serve_artifacts` (503 plain text when proxying is off).
import { MlflowError, werkzeugErrorPage } from "../errors";
import { validatePathIsSafe } from "../paths";
import { jsonReply, textReply, type Reply } from "../reply";
import { optionalString } from "../request-params";
import type { RouteContext, RouteDef } from "../router";
import { streamedFileReply } from "./file-responses";

const DOWNLOAD_RULE = "/mlflow-artifacts/artifacts/<path:artifact_path>";

/**
 * GET `…/artifacts/<path>`: raw bytes with no Content-Length (mlflow-contract.md §2.4, §8
 * item 6). A missing file surfaces as the artifact repository's MlflowException → 500
 * INTERNAL_ERROR JSON (§2.5); a directory fails outside it → Flask's HTML 500.
 */
function download(ctx: RouteContext): Reply {
  const artifactPath = validatePathIsSafe(ctx.params.artifact_path ?? "");
  const location = { kind: "proxied", path: "" } as const;
  const file = ctx.core.artifacts.localPath(location, artifactPath);
  const stat = ctx.core.artifacts.stat(file);
  if (stat === undefined) {
    throw new MlflowError(
      "INTERNAL_ERROR",
      `The following failures occurred while downloading one or more artifacts from ${ctx.core.artifacts.destinationUri}:\n##### File ${artifactPath} #####\n[Errno 2] No such file or directory: '${file}'`,
    );
  }
  if (stat === "directory") return textReply(500, werkzeugErrorPage(500));
  return streamedFileReply(file, stat.size, artifactPath);
}

/** PUT `…/artifacts/<path>`: the raw body becomes the file; answers `{}`. */
async function upload(ctx: RouteContext): Promise<Reply> {
  const artifactPath = validatePathIsSafe(ctx.params.artifact_path ?? "");
  const file = ctx.core.artifacts.localPath({ kind: "proxied", path: "" }, artifactPath);
  await ctx.core.artifacts.write(file, ctx.incoming);
  return jsonReply({});
}

async function remove(ctx: RouteContext): Promise<Reply> {
  const artifactPath = validatePathIsSafe(ctx.params.artifact_path ?? "");
  await ctx.fields();
  ctx.core.artifacts.remove(
    ctx.core.artifacts.localPath({ kind: "proxied", path: "" }, artifactPath),
  );
  return jsonReply({});
}

/**
 * GET `…/artifacts?path=<dir>`: mlflow-contract.md §1.3 — entries by **basename**, no
 * `root_uri`; `files` omitted when empty.
 */
async function list(ctx: RouteContext): Promise<Reply> {
  const rawPath = optionalString(await ctx.fields(), "path");
  const path = rawPath !== undefined ? validatePathIsSafe(rawPath) : undefined;
  const dir = ctx.core.artifacts.localPath({ kind: "proxied", path: "" }, path || undefined);
  const files = ctx.core.artifacts
    .list(dir)
    .map((entry) => ctx.core.writer.fileInfo(entry.name, entry));
  return jsonReply(files.length > 0 ? { files } : {});
}

export function artifactServiceRoutes(): RouteDef[] {
  return [
    { methods: ["GET"], rule: DOWNLOAD_RULE, guard: "artifacts", handler: download },
    { methods: ["PUT"], rule: DOWNLOAD_RULE, guard: "artifacts", handler: upload },
    { methods: ["DELETE"], rule: DOWNLOAD_RULE, guard: "artifacts", handler: remove },
    { methods: ["GET"], rule: "/mlflow-artifacts/artifacts", guard: "artifacts", handler: list },
  ];
}
