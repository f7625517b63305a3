// Where artifact files are listed and downloaded from. Each source lists one directory level at a
// time (MLflow listings are never recursive, mlflow-contract.md §1.2) and names the HTTP call that
// downloads one file; the downloader does the rest.
import { HttpError, type HttpCall, type HttpClient } from "../http";
import { encodeArtifactPath, joinArtifactPath } from "./artifact-uri";
import { mlflowSchemas, parseResponse } from "./schemas";

export interface ArtifactEntry {
  /** Relative to the source's root (the model directory). */
  path: string;
  isDir: boolean;
  /** From the listing's `file_size`; absent for directories (and from servers that omit it). */
  sizeBytes: number | undefined;
}

export interface ArtifactSource {
  /** How files are fetched, for messages (`mlflow-artifacts:/1/… via the artifact proxy`). */
  readonly description: string;
  /** One level of `dir` ("" is the root). */
  list(dir: string, signal?: AbortSignal): Promise<ArtifactEntry[]>;
  /** The GET that downloads `path`. */
  fileCall(path: string): HttpCall;
}

const PROXY_ENDPOINT = "/api/2.0/mlflow-artifacts/artifacts";
const MAX_PAGES = 1000;

function basename(path: string): string {
  const parts = path.split("/").filter((p) => p !== "");
  return parts[parts.length - 1] ?? path;
}

/**
 * Files behind the artifact proxy (`mlflow-artifacts:` URIs), mlflow-contract.md §1.3 and §2.2:
 * the listing gives basenames; downloads are streamed (often without Content-Length).
 */
export function proxiedSource(
  http: HttpClient,
  args: { uri: string; rootPath: string; endpointUrl?: string },
): ArtifactSource {
  // With no host in the URI the endpoint is relative to the tracking URI (keeping its prefix).
  const endpoint = args.endpointUrl ?? PROXY_ENDPOINT;
  return {
    description: `${args.uri} via the MLflow artifact proxy`,
    async list(dir, signal) {
      const res = await http.json({
        method: "GET",
        path: endpoint,
        query: { path: joinArtifactPath(args.rootPath, dir) },
        signal,
        retryIf: (err) => !isServingDisabled(err),
      });
      const body = parseResponse(
        mlflowSchemas().proxiedListResponse,
        res.body ?? {},
        `the artifact listing of ${joinArtifactPath(args.rootPath, dir) || "/"}`,
      );
      return body.files.map((f) => ({
        path: joinArtifactPath(dir, basename(f.path)),
        isDir: f.is_dir,
        sizeBytes: f.is_dir ? undefined : f.file_size,
      }));
    },
    fileCall(path) {
      return {
        method: "GET",
        path: `${endpoint}/${encodeArtifactPath(joinArtifactPath(args.rootPath, path))}`,
      };
    },
  };
}

/**
 * Lists through a tracking-server endpoint that reads the storage itself, so it works for any
 * store the server can read, proxied or not (mlflow-contract.md §1.2, §2.5). Paths in the answer
 * are relative to the listed root (the run's or the logged model's) and include the prefix asked for.
 */
function serverArtifactLister(
  http: HttpClient,
  args: {
    endpoint: string;
    query: (fullPath: string) => Record<string, string | undefined>;
    rootPath: string;
    what: string;
  },
): ArtifactSource["list"] {
  return async (dir, signal) => {
    const full = joinArtifactPath(args.rootPath, dir);
    const entries: ArtifactEntry[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await http.json({
        method: "GET",
        path: args.endpoint,
        query: { ...args.query(full), page_token: pageToken },
        signal,
      });
      const body = parseResponse(
        mlflowSchemas().listArtifactsResponse,
        res.body ?? {},
        `the artifact listing of ${args.what} path ${full || "/"}`,
      );
      for (const f of body.files) {
        const relToRoot = f.path.replace(/^\/+/, "");
        const rel =
          args.rootPath && relToRoot.startsWith(`${args.rootPath}/`)
            ? relToRoot.slice(args.rootPath.length + 1)
            : joinArtifactPath(dir, basename(relToRoot));
        entries.push({ path: rel, isDir: f.is_dir, sizeBytes: f.is_dir ? undefined : f.file_size });
      }
      // OSS servers never page (the token is ignored); Databricks does.
      if (!body.next_page_token) return entries;
      pageToken = body.next_page_token;
    }
    throw new Error(
      `the artifact listing of ${args.what} path ${full} did not end after ${MAX_PAGES} pages`,
    );
  };
}

/** Lists under a run's artifact root with `GET /api/2.0/mlflow/artifacts/list`. */
export function runArtifactLister(
  http: HttpClient,
  args: { runId: string; rootPath: string },
): ArtifactSource["list"] {
  return serverArtifactLister(http, {
    endpoint: "/api/2.0/mlflow/artifacts/list",
    query: (full) => ({ run_id: args.runId, path: full || undefined }),
    rootPath: args.rootPath,
    what: `run ${args.runId}`,
  });
}

/** Lists under an MLflow 3 logged model's root with `GET …/logged-models/<id>/artifacts/directories`. */
export function loggedModelArtifactLister(
  http: HttpClient,
  args: { modelId: string; rootPath: string },
): ArtifactSource["list"] {
  return serverArtifactLister(http, {
    endpoint: `/api/2.0/mlflow/logged-models/${encodeURIComponent(args.modelId)}/artifacts/directories`,
    query: (full) => ({ artifact_directory_path: full || undefined }),
    rootPath: args.rootPath,
    what: `logged model ${args.modelId}`,
  });
}

/** Files under a run's artifact root, downloaded with `GET /get-artifact?path=&run_uuid=` (mlflow-contract.md §2.3). */
export function runFileSource(
  http: HttpClient,
  args: { uri: string; runId: string; rootPath: string },
): ArtifactSource {
  return {
    description: `${args.uri} via /get-artifact of run ${args.runId}`,
    list: runArtifactLister(http, args),
    fileCall(path) {
      return {
        method: "GET",
        path: "/get-artifact",
        query: { path: joinArtifactPath(args.rootPath, path), run_uuid: args.runId },
      };
    },
  };
}

/**
 * Files of a model version, downloaded with `GET /model-versions/get-artifact?name=&version=&path=`,
 * which the server roots at the version's download URI and reads with its own credentials
 * (mlflow-contract.md §2.3). Listing comes from `list`.
 */
export function modelVersionFileSource(args: {
  uri: string;
  name: string;
  version: string;
  list: ArtifactSource["list"];
  via: string;
}): ArtifactSource {
  return {
    description: `${args.uri} via /model-versions/get-artifact (listed ${args.via})`,
    list: args.list,
    fileCall(path) {
      return {
        method: "GET",
        path: "/model-versions/get-artifact",
        query: { name: args.name, version: args.version, path },
      };
    },
  };
}

/**
 * MLflow's answer when it runs with `--no-serve-artifacts`: 503 with a plain-text (Flask) or
 * `{"detail"}` (FastAPI) body saying so (mlflow-contract.md §1.3, §4). Permanent, not transient.
 */
export function isServingDisabled(err: HttpError): boolean {
  return (
    err.status === 503 &&
    /no-serve-artifacts|artifact serving is disabled/i.test(err.serverMessage ?? err.rawText ?? "")
  );
}

/**
 * The artifact proxy first; when the server answers 503 because it runs with
 * `--no-serve-artifacts` (mlflow-contract.md §1.3), the server's own file routes, which work
 * without the proxy (§2.3). The switch happens on the first listing, before any file is fetched.
 */
export function proxyWithFallback(
  primary: ArtifactSource,
  fallback: () => Promise<ArtifactSource | undefined>,
): ArtifactSource {
  let active = primary;
  const source: ArtifactSource = {
    get description() {
      return active.description;
    },
    async list(dir, signal) {
      try {
        return await active.list(dir, signal);
      } catch (err) {
        if (active !== primary || !(err instanceof HttpError) || !isServingDisabled(err)) throw err;
        const other = await fallback();
        if (other === undefined) throw err;
        active = other;
        return active.list(dir, signal);
      }
    },
    fileCall: (path) => active.fileCall(path),
  };
  return source;
}
