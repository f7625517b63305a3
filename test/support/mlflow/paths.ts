// Artifact path checks and URI parsing shared by the artifact routes and the registry.
import { resolve as resolvePath } from "node:path";
import { MlflowError } from "./errors";

/** Decode percent-escapes (and `+`) until nothing changes, as MLflow does before checking. */
export function decodeFully(path: string): string {
  let current = path;
  for (;;) {
    let next: string;
    try {
      next = decodeURIComponent(current.replace(/\+/g, " "));
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
}

/**
 * MLflow's `validate_path_is_safe`: a path that is absolute, climbs with `..` or holds `#` is
 * rejected with 400 INVALID_PARAMETER_VALUE "Invalid path" before any storage is touched
 * (the artifact handlers of mlflow-contract.md §1.2, §1.3, §2.3 all call it).
 */
export function validatePathIsSafe(path: string): string {
  let decoded = decodeFully(path);
  const invalid = new MlflowError("INVALID_PARAMETER_VALUE", "Invalid path");
  if (decoded.includes("#")) throw invalid;
  if (decoded.startsWith("file://")) decoded = decoded.slice("file://".length);
  if (
    decoded.split("/").includes("..") ||
    decoded.startsWith("/") ||
    /^[A-Za-z]:[\\/]/.test(decoded) ||
    /^[\\/]{2}[^\\/]+[\\/][^\\/]+/.test(decoded)
  ) {
    throw invalid;
  }
  return decoded;
}

/** Where an artifact location points, for the locations this server can serve. */
export type ArtifactLocation =
  /** `mlflow-artifacts:/<path>`: under the artifacts destination (proxied). */
  | { readonly kind: "proxied"; readonly path: string }
  /** `s3://<bucket>/<key>`: the server's own (simulated) S3 access. */
  | { readonly kind: "s3"; readonly bucket: string; readonly key: string };

/** Parse an artifact root URI, or undefined for schemes this server has no storage for. */
export function parseArtifactLocation(uri: string): ArtifactLocation | undefined {
  // mlflow-contract.md §2.2: the path after the `mlflow-artifacts:` anchor (any host is ignored
  // server side) is relative to the artifacts destination.
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(uri);
  if (proxied) return { kind: "proxied", path: proxied[1]!.replace(/^\/+/, "") };
  // mlflow-contract.md §2.2: an http(s) run root pointing at the proxy is treated the same way.
  const httpAnchor = "/api/2.0/mlflow-artifacts/artifacts/";
  if (/^https?:\/\//.test(uri) && uri.includes(httpAnchor)) {
    return { kind: "proxied", path: uri.split(httpAnchor)[1]!.replace(/^\/+/, "") };
  }
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (s3) return { kind: "s3", bucket: s3[1]!, key: s3[2]!.replace(/\/+$/, "") };
  return undefined;
}

/** posixpath.join for URI paths: joins with one `/`, drops empty parts. */
export function joinUri(base: string, ...parts: (string | undefined)[]): string {
  let out = base.replace(/\/+$/, "");
  for (const part of parts) {
    if (part === undefined || part === "") continue;
    out = `${out}/${part.replace(/^\/+/, "")}`.replace(/\/+$/, "");
  }
  return out;
}

/**
 * MLflow's `is_local_uri`: no scheme, or `file:` without a remote host. Such model-version
 * sources are only accepted inside the run's own (local) artifact directory.
 */
export function isLocalUri(uri: string): boolean {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1];
  if (scheme === undefined) return true;
  if (/^[A-Za-z]$/.test(scheme)) return true; // a Windows drive letter, not a scheme
  if (scheme.toLowerCase() !== "file") return false;
  const host = /^file:\/\/([^/]*)/i.exec(uri)?.[1] ?? "";
  return host === "" || host === "localhost" || host === "127.0.0.1";
}

/** The absolute path a local source names (`file:///x` → `/x`, relative → from the cwd). */
export function localUriToPath(uri: string): string {
  const stripped = uri.replace(/^file:\/\/[^/]*/i, "");
  return resolvePath(decodeURIComponent(stripped));
}

/**
 * MLflow's `_validate_non_local_source_contains_relative_paths`: after decoding, a source whose
 * URI path climbs with `..`, holds NUL, or is not already absolute and normalised (Python's
 * `Path(path).resolve() != path`) is rejected (mlflow-contract.md §3).
 */
export function sourceHasRelativeReferences(source: string): boolean {
  const decoded = decodeFully(source);
  if (decoded.split("/").includes("..")) return true;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(decoded);
  let rest = scheme ? decoded.slice(scheme[0].length) : decoded;
  if (rest.startsWith("//")) rest = rest.slice(2).replace(/^[^/?#]*/, "");
  rest = rest.replace(/[?#][\s\S]*$/, "");
  const sourcePath = rest.replace(/\/+$/, "").replace(/\/+/g, "/");
  if (sourcePath.includes("\u0000")) return true;
  if (!sourcePath.startsWith("/")) return true;
  return sourcePath
    .split("/")
    .slice(1)
    .some((segment) => segment === "." || segment === "..");
}
