// Parsing the artifact URIs a model version can point at (mlflow-contract.md §2.2, §3).

export type ParsedArtifactUri =
  /** Served by the tracking server's artifact proxy; `path` is relative to `--artifacts-destination`. */
  | { kind: "proxied"; path: string; host?: string }
  /** `runs:/<run_id>/<path>`: relative to the run's artifact root. */
  | { kind: "run"; runId: string; path: string }
  /** `models:/m-<id>` (MLflow 3 logged model). */
  | { kind: "logged-model"; modelId: string }
  /** `models:/<name>/<version>`. */
  | { kind: "registered-model"; name: string; version: string }
  /** Anything the tracking server does not proxy (`s3://`, `gs://`, `file://`, other http URLs…). */
  | { kind: "external"; scheme: string };

const PROXY_ENDPOINT = "/api/2.0/mlflow-artifacts/artifacts";

function trimSlashes(path: string): string {
  return path.replace(/^\/+/, "").replace(/\/+$/, "");
}

export function parseArtifactUri(uri: string): ParsedArtifactUri {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: "external", scheme: "local path" };
  const rest = uri.slice(scheme.length + 1);

  if (scheme === "mlflow-artifacts") {
    // `mlflow-artifacts://host:port/p` names the artifact server; `mlflow-artifacts:/p` means the tracking server.
    const m = /^\/\/([^/]*)(\/.*)?$/.exec(rest);
    if (m) {
      const host = m[1] ?? "";
      return { kind: "proxied", path: trimSlashes(m[2] ?? ""), ...(host ? { host } : {}) };
    }
    return { kind: "proxied", path: trimSlashes(rest) };
  }
  if (scheme === "http" || scheme === "https") {
    const url = new URL(uri);
    const at = url.pathname.indexOf(PROXY_ENDPOINT);
    if (at >= 0) {
      return {
        kind: "proxied",
        path: trimSlashes(decodeURIComponent(url.pathname.slice(at + PROXY_ENDPOINT.length))),
        host: url.host,
      };
    }
    return { kind: "external", scheme };
  }
  if (scheme === "runs") {
    const m = /^\/+([^/]+)(\/.*)?$/.exec(rest);
    if (!m?.[1]) throw new Error(`artifact URI "${uri}" is not runs:/<run_id>/<path>`);
    return { kind: "run", runId: m[1], path: trimSlashes(m[2] ?? "") };
  }
  if (scheme === "models") {
    const body = trimSlashes(rest);
    if (/^m-[0-9a-zA-Z]+$/.test(body)) return { kind: "logged-model", modelId: body };
    const m = /^([^/@]+)\/(\d+)$/.exec(body);
    if (m?.[1] && m[2]) return { kind: "registered-model", name: m[1], version: m[2] };
    throw new Error(
      `artifact URI "${uri}" is not models:/m-<id> or models:/<name>/<version>; stage and alias model URIs are not valid download URIs`,
    );
  }
  return { kind: "external", scheme };
}

/** `a/b` + `c` → `a/b/c`, ignoring empty parts. */
export function joinArtifactPath(...parts: string[]): string {
  return parts
    .map(trimSlashes)
    .filter((p) => p !== "")
    .join("/");
}

/** Percent-encodes each segment of a relative artifact path for use in a URL path. */
export function encodeArtifactPath(path: string): string {
  return path
    .split("/")
    .filter((s) => s !== "")
    .map(encodeURIComponent)
    .join("/");
}
