// From a stack's config plus environment overrides to the core's DeployEnvironment. Secrets come
// only from the environment (the stack file holds them encrypted), under the names the stack
// schema gives them (SECRET_KEYS[k].env, the same ones the provider reads), and never appear in
// output.
import { SECRET_KEYS, type StackConfig } from "../config/schema";
import { mlflowClientOptionsFromEnv, type DeployEnvironment } from "../core";
import { UsageError } from "./model-args";

type Env = Record<string, string | undefined>;

/** The overrides the CLI reads (documented in the usage text); secrets are SECRET_KEYS'. */
export const ENV = {
  tritonUrls: "TRITON_SERVING_TRITON_URLS",
  repositoryRoot: "TRITON_SERVING_REPOSITORY_ROOT",
  trackingUri: "MLFLOW_TRACKING_URI",
  readyTimeoutMs: "TRITON_SERVING_READY_TIMEOUT_MS",
  lockWaitMs: "TRITON_SERVING_LOCK_WAIT_MS",
} as const;

export function deployEnvironmentFor(config: StackConfig, env: Env): DeployEnvironment {
  const urls = env[ENV.tritonUrls]?.trim()
    ? (env[ENV.tritonUrls] ?? "")
        .split(",")
        .map((u) => u.trim())
        .filter((u) => u !== "")
    : config.deploy.tritonEndpoints;
  for (const url of urls) {
    if (!/^https?:\/\/[^\s/]+/.test(url)) {
      throw new UsageError(
        `${ENV.tritonUrls} entry ${JSON.stringify(url)} is not an http(s) URL; expected e.g. http://triton:8000`,
      );
    }
  }
  const root = env[ENV.repositoryRoot]?.trim() || config.storage.localMountPath;
  if (!root.startsWith("/")) {
    throw new UsageError(
      `${ENV.repositoryRoot} ${JSON.stringify(root)} is not an absolute path; expected the model repository mount, e.g. /mnt/models`,
    );
  }
  const apiKey = env[SECRET_KEYS.tritonApiKey.env];
  // The stack's `mlflow.username` stands in for MLFLOW_TRACKING_USERNAME when only the password
  // is in the environment; the core then builds Basic auth (and refuses a password without a user).
  const password = env[SECRET_KEYS.mlflowTrackingPassword.env];
  const username = env.MLFLOW_TRACKING_USERNAME || (password ? config.mlflow.username : undefined);
  let mlflow;
  try {
    mlflow = mlflowClientOptionsFromEnv(
      { ...env, MLFLOW_TRACKING_USERNAME: username },
      env[ENV.trackingUri]?.trim() || config.mlflow.trackingUri,
    );
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  mlflow = { ...mlflow, timeoutMs: mlflow.timeoutMs ?? config.mlflow.requestTimeoutMs };
  return {
    repositoryRoot: root,
    tritonEndpoints: urls,
    ...(apiKey !== undefined && apiKey !== ""
      ? { restrictedApi: { header: config.triton.adminHeader, value: apiKey } }
      : {}),
    mlflow,
    timeouts: {
      requestMs: config.deploy.requestTimeoutMs,
      loadMs: config.deploy.loadTimeoutMs,
      readyMs: numberEnv(env, ENV.readyTimeoutMs) ?? config.deploy.readyTimeoutMs,
      ...(numberEnv(env, ENV.lockWaitMs) !== undefined
        ? { lockWaitMs: numberEnv(env, ENV.lockWaitMs) }
        : {}),
    },
  };
}

function numberEnv(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new UsageError(
      `${name}=${JSON.stringify(raw)} is invalid; expected a whole number of milliseconds`,
    );
  }
  return n;
}

/**
 * Credentials a deploy cannot do without, checked before anything is resolved or downloaded: the
 * platform always starts Triton with `--http-restricted-api` (the model-repository API needs the
 * `triton.adminHeader` header), and a stack that names an MLflow user needs its password.
 */
export function assertDeployCredentials(
  config: StackConfig,
  deployEnv: DeployEnvironment,
  env: Env,
): void {
  const problems: string[] = [];
  if (deployEnv.restrictedApi === undefined) {
    const name = SECRET_KEYS.tritonApiKey.env;
    problems.push(
      `${name} is not set; expected the value of the '${config.triton.adminHeader}' header that unlocks Triton's model-repository API (the stack's secret tritonApiKey: export ${name}="$(pulumi config get tritonApiKey --stack <stack>)")`,
    );
  }
  const password = SECRET_KEYS.mlflowTrackingPassword.env;
  if (config.mlflow.username !== undefined && !env[password] && !env.MLFLOW_TRACKING_TOKEN) {
    problems.push(
      `${password} is not set; expected the MLflow password of mlflow.username '${config.mlflow.username}' (the stack's secret mlflowTrackingPassword)`,
    );
  }
  if (problems.length > 0) throw new CredentialsError(problems.join("; "));
}

/** A credential the command needs is missing from the environment (exit 2, nothing was done). */
export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CredentialsError";
  }
}
