import type { Clock, RetryEvent, RetryPolicy, TlsOptions } from "../http";

export type MlflowAuth =
  { kind: "bearer"; token: string } | { kind: "basic"; username: string; password: string };

/**
 * Which route downloads artifact files (mlflow-contract.md §1.3, §2.3):
 * - `mlflow-artifacts`: the artifact proxy `GET /api/2.0/mlflow-artifacts/artifacts/<path>`; only for
 *   proxied URIs (`mlflow-artifacts:/…`, or an http(s) URL of that endpoint).
 * - `get-artifact`: the server's file routes (`/model-versions/get-artifact`, sent with
 *   Content-Length and Range support). The server reads the files with its own credentials, so this
 *   also works for `s3://…` storage and with `--no-serve-artifacts`.
 * - `auto` (default): `mlflow-artifacts` for proxied URIs; other URIs fail with a clear error.
 */
export type DownloadEndpoint = "auto" | "mlflow-artifacts" | "get-artifact";

export interface MlflowClientOptions {
  /** http(s) base URL of the tracking server, with any static prefix (`https://h/mlflow`). */
  trackingUri: string;
  auth?: MlflowAuth;
  tls?: TlsOptions;
  /** Per-call timeout for API calls; for downloads the longest wait for headers or between body chunks. Default 120 s (MLflow's). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Whole-file attempts after a reset, an idle timeout or a truncated body. Default 3. */
  fileAttempts?: number;
  downloadEndpoint?: DownloadEndpoint;
  clock?: Clock;
  onRetry?: (event: RetryEvent) => void;
}

type Env = Record<string, string | undefined>;

function envBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const v = raw.trim().toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new Error(`${name}="${raw}" is not a boolean; expected true, false, 1 or 0`);
}

function envNumber(
  env: Env,
  name: string,
  fallback: number,
  check: (n: number) => string | undefined,
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw.trim());
  const problem = Number.isFinite(n) ? check(n) : "a number";
  if (problem !== undefined) throw new Error(`${name}="${raw}" is invalid; expected ${problem}`);
  return n;
}

/**
 * Client options from the standard MLflow environment variables (mlflow-contract.md §5), so the
 * tool authenticates exactly as the `mlflow` CLI would on the same machine:
 * - MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD → Basic (wins, as in MLflow's code),
 *   else MLFLOW_TRACKING_TOKEN → Bearer;
 * - MLFLOW_TRACKING_INSECURE_TLS, MLFLOW_TRACKING_SERVER_CERT_PATH (exclusive), MLFLOW_TRACKING_CLIENT_CERT_PATH;
 * - MLFLOW_HTTP_REQUEST_TIMEOUT (s, default 120), MLFLOW_HTTP_REQUEST_MAX_RETRIES (default 7, < 10),
 *   MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR (s, default 2, < 120; the first backoff ceiling, doubling up
 *   to 120 s), MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER (default true).
 * MLFLOW_HTTP_REQUEST_BACKOFF_JITTER is validated but not used: backoff here is full jitter already.
 * `trackingUri` defaults to MLFLOW_TRACKING_URI.
 */
export function mlflowClientOptionsFromEnv(env: Env, trackingUri?: string): MlflowClientOptions {
  const uri = trackingUri ?? env.MLFLOW_TRACKING_URI;
  if (uri === undefined || uri.trim() === "") {
    throw new Error(
      "no MLflow tracking URI: pass one or set MLFLOW_TRACKING_URI (an http:// or https:// URL)",
    );
  }
  if (!/^https?:\/\//i.test(uri.trim())) {
    throw new Error(
      `MLflow tracking URI "${uri.replace(/\/\/[^@/]*@/, "//***@")}" must be an http:// or https:// URL (file and databricks URIs are not supported)`,
    );
  }

  let auth: MlflowAuth | undefined;
  const username = env.MLFLOW_TRACKING_USERNAME;
  const password = env.MLFLOW_TRACKING_PASSWORD;
  if (username && password) {
    auth = { kind: "basic", username, password };
  } else if (username || password) {
    const missing = username ? "MLFLOW_TRACKING_PASSWORD" : "MLFLOW_TRACKING_USERNAME";
    const present = username ? "MLFLOW_TRACKING_USERNAME" : "MLFLOW_TRACKING_PASSWORD";
    throw new Error(`${present} is set but ${missing} is not; Basic auth needs both`);
  } else if (env.MLFLOW_TRACKING_TOKEN) {
    auth = { kind: "bearer", token: env.MLFLOW_TRACKING_TOKEN };
  }

  const insecure = envBool(env, "MLFLOW_TRACKING_INSECURE_TLS", false);
  const caFile = env.MLFLOW_TRACKING_SERVER_CERT_PATH || undefined;
  if (insecure && caFile) {
    throw new Error(
      "MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH are both set; they are mutually exclusive (as in MLflow's client)",
    );
  }
  const certFile = env.MLFLOW_TRACKING_CLIENT_CERT_PATH || undefined;
  const tls: TlsOptions = {};
  if (insecure) tls.insecureSkipVerify = true;
  if (caFile) tls.caFile = caFile;
  if (certFile) tls.certFile = certFile;

  const timeoutS = envNumber(env, "MLFLOW_HTTP_REQUEST_TIMEOUT", 120, (n) =>
    n > 0 ? undefined : "a number of seconds > 0",
  );
  const limit = envNumber(env, "_MLFLOW_HTTP_REQUEST_MAX_RETRIES_LIMIT", 10, (n) =>
    Number.isInteger(n) && n > 0 ? undefined : "an integer > 0",
  );
  const maxRetries = envNumber(env, "MLFLOW_HTTP_REQUEST_MAX_RETRIES", 7, (n) =>
    Number.isInteger(n) && n >= 0 && n < limit ? undefined : `an integer >= 0 and < ${limit}`,
  );
  const backoffFactor = envNumber(env, "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", 2, (n) =>
    n >= 0 && n < 120 ? undefined : "a number of seconds >= 0 and < 120",
  );
  envNumber(env, "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", 1, (n) =>
    n >= 0 ? undefined : "a number >= 0",
  );
  const respectRetryAfter = envBool(env, "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER", true);

  return {
    trackingUri: uri.trim(),
    ...(auth ? { auth } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    timeoutMs: Math.round(timeoutS * 1000),
    retry: {
      maxAttempts: maxRetries + 1,
      baseDelayMs: Math.round(backoffFactor * 1000),
      maxDelayMs: 120_000,
      respectRetryAfter,
    },
  };
}

/** The Authorization header for `auth`. */
export function authorizationHeader(auth: MlflowAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if (auth.kind === "bearer") return { authorization: `Bearer ${auth.token}` };
  const basic = Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64");
  return { authorization: `Basic ${basic}` };
}
