// Where a model version's files are and how to fetch them: follows `runs:/` and `models:/`
// indirections to a concrete URI, then picks the artifact proxy or the server's own file routes
// (mlflow-contract.md §1.3, §2.2, §2.3, §3).
import type { HttpClient } from "../http";
import {
  loggedModelArtifactLister,
  modelVersionFileSource,
  proxiedSource,
  proxyWithFallback,
  runFileSource,
  type ArtifactSource,
} from "./artifact-sources";
import { joinArtifactPath, parseArtifactUri } from "./artifact-uri";
import { MlflowError, wrapError } from "./errors";
import type { DownloadEndpoint } from "./options";
import { mlflowSchemas, parseResponse } from "./schemas";

export interface LocatorContext {
  name?: string;
  version?: string;
  runId?: string;
  modelId?: string;
  signal?: AbortSignal;
}

const MAX_URI_HOPS = 4;

export class ArtifactLocator {
  constructor(
    private readonly http: HttpClient,
    private readonly trackingUrl: URL,
    private readonly downloadEndpoint: DownloadEndpoint,
    /** `model-versions/get-download-uri`, for `models:/<name>/<version>` URIs. */
    private readonly downloadUriOf: (
      name: string,
      version: string,
      signal?: AbortSignal,
    ) => Promise<string>,
  ) {}

  /** Follows `runs:/`, `models:/` indirections to a concrete URI and picks how to list and fetch it. */
  async sourceFor(uri: string, ctx: LocatorContext, hops = 0): Promise<ArtifactSource> {
    if (hops > MAX_URI_HOPS) {
      throw new MlflowError(
        "UNSUPPORTED_ARTIFACT_URI",
        `artifact URI ${uri} does not resolve after ${MAX_URI_HOPS} indirections`,
      );
    }
    const parsed = parseArtifactUri(uri);
    switch (parsed.kind) {
      case "run": {
        const root = await this.runArtifactRoot(parsed.runId, ctx.signal);
        return this.sourceFor(
          joinUri(root, parsed.path),
          { ...ctx, runId: parsed.runId },
          hops + 1,
        );
      }
      case "logged-model": {
        const root = await this.loggedModelRoot(parsed.modelId, ctx.signal);
        return this.sourceFor(root, { ...ctx, modelId: parsed.modelId }, hops + 1);
      }
      case "registered-model":
        return this.sourceFor(
          await this.downloadUriOf(parsed.name, parsed.version, ctx.signal),
          ctx,
          hops + 1,
        );
      case "proxied":
      case "external":
        return this.concreteSource(uri, parsed, ctx);
    }
  }

  private async concreteSource(
    uri: string,
    parsed: ReturnType<typeof parseArtifactUri> & { kind: "proxied" | "external" },
    ctx: LocatorContext,
  ): Promise<ArtifactSource> {
    const proxied =
      parsed.kind === "proxied"
        ? proxiedSource(this.http, {
            uri,
            rootPath: parsed.path,
            endpointUrl: this.proxyEndpoint(parsed.host),
          })
        : undefined;
    const scheme = parsed.kind === "external" ? parsed.scheme : "mlflow-artifacts";
    if (this.downloadEndpoint === "mlflow-artifacts") {
      if (proxied) return proxied;
      throw new MlflowError(
        "UNSUPPORTED_ARTIFACT_URI",
        `artifact URI ${uri} is not served by the MLflow artifact proxy (only mlflow-artifacts:/ URIs are); downloadEndpoint "mlflow-artifacts" cannot fetch it`,
      );
    }
    if (this.downloadEndpoint === "auto") {
      if (!proxied) throw unsupported(uri, scheme);
      return proxyWithFallback(proxied, () => this.serverFileSource(uri, ctx, undefined));
    }
    const viaServer = await this.serverFileSource(uri, ctx, proxied);
    if (viaServer) return viaServer;
    if (proxied) return proxied;
    throw unsupported(uri, scheme, ctx.runId);
  }

  /**
   * The server's own file routes, which read any storage with the server's credentials and work
   * without the proxy (mlflow-contract.md §2.3): files under the run's artifact root through
   * `/get-artifact`; other files of a model version (MLflow 3 models live outside the run) through
   * `/model-versions/get-artifact`, listed under the logged model or, failing that, through the proxy.
   */
  private async serverFileSource(
    uri: string,
    ctx: LocatorContext,
    proxied: ArtifactSource | undefined,
  ): Promise<ArtifactSource | undefined> {
    if (ctx.runId) {
      const rel = relativeTo(await this.runArtifactRoot(ctx.runId, ctx.signal), uri);
      if (rel !== undefined) {
        return runFileSource(this.http, { uri, runId: ctx.runId, rootPath: rel });
      }
    }
    if (!ctx.name || !ctx.version) return undefined;
    const { name, version } = ctx;
    if (ctx.modelId) {
      const rel = relativeTo(await this.loggedModelRoot(ctx.modelId, ctx.signal), uri);
      if (rel !== undefined) {
        return modelVersionFileSource({
          uri,
          name,
          version,
          list: loggedModelArtifactLister(this.http, { modelId: ctx.modelId, rootPath: rel }),
          via: `under logged model ${ctx.modelId}`,
        });
      }
    }
    if (proxied) {
      return modelVersionFileSource({
        uri,
        name,
        version,
        list: (dir, signal) => proxied.list(dir, signal),
        via: "through the artifact proxy",
      });
    }
    return undefined;
  }

  private async loggedModelRoot(modelId: string, signal?: AbortSignal): Promise<string> {
    try {
      const res = await this.http.json({
        method: "GET",
        path: `/api/2.0/mlflow/logged-models/${encodeURIComponent(modelId)}`,
        signal,
      });
      return parseResponse(mlflowSchemas().loggedModelResponse, res.body, `logged model ${modelId}`)
        .model.info.artifact_uri;
    } catch (err) {
      throw wrapError(err, `reading logged model ${modelId}`);
    }
  }

  private proxyEndpoint(host: string | undefined): string | undefined {
    if (host === undefined || host === this.trackingUrl.host) return undefined;
    const prefix = this.trackingUrl.pathname.replace(/\/+$/, "");
    return `${this.trackingUrl.protocol}//${host}${prefix}/api/2.0/mlflow-artifacts/artifacts`;
  }

  private async runArtifactRoot(runId: string, signal?: AbortSignal): Promise<string> {
    try {
      const res = await this.http.json({
        method: "GET",
        path: "/api/2.0/mlflow/runs/get",
        query: { run_id: runId },
        signal,
      });
      return parseResponse(mlflowSchemas().runResponse, res.body, `run ${runId}`).run.info
        .artifact_uri;
    } catch (err) {
      throw wrapError(err, `reading run ${runId}`);
    }
  }
}

function unsupported(uri: string, scheme: string, runId?: string): MlflowError {
  const why =
    scheme === "mlflow-artifacts"
      ? ""
      : ` The MLflow server only proxies mlflow-artifacts:/ URIs (it runs with --no-serve-artifacts or a non-proxied --default-artifact-root), and this client holds no ${scheme} credentials: it downloads only through the tracking server.`;
  const hint = runId
    ? ` The files are not under run ${runId}'s artifact root, so /get-artifact cannot serve them either.`
    : ` Set downloadEndpoint "get-artifact" to let the server read files under the run's artifact root with its own credentials, or serve artifacts through the proxy (--serve-artifacts).`;
  return new MlflowError(
    "UNSUPPORTED_ARTIFACT_URI",
    `cannot download artifacts from ${uri}: ${scheme}:// URIs are not supported.${why}${hint}`,
  );
}

function joinUri(root: string, path: string): string {
  return path === "" ? root : `${root.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/** `uri` relative to `root` when it lies under it ("" for the root itself). */
function relativeTo(root: string, uri: string): string | undefined {
  const r = root.replace(/\/+$/, "");
  const u = uri.replace(/\/+$/, "");
  if (u === r) return "";
  return u.startsWith(`${r}/`) ? joinArtifactPath(u.slice(r.length + 1)) : undefined;
}
