// The deployment environment (where the repository is, which Triton pods, which MLflow) and the
// clients built from it for one call of the public API.
import { hostname, userInfo } from "node:os";
import { MlflowClient, type MlflowClientOptions } from "../mlflow";
import type { RepositoryOwner } from "../repository";
import type { TritonEndpoint } from "./ports";
import type { TransactionTimeouts } from "./run-deployment";
import { tritonEndpoint } from "./triton-endpoint";

/** Time limits; every field has a default. */
export interface DeployTimeouts {
  /** Ordinary Triton calls (readiness, metadata, inference). Default 30 s. */
  requestMs?: number;
  /** One Triton load call. Default 10 min. */
  loadMs?: number;
  /** Load plus readiness of a version on one endpoint. Default 5 min. */
  readyMs?: number;
  /** Interval between readiness checks. Default 500 ms. */
  readyPollMs?: number;
  /** How long to wait for another deployment's lock. Default 0: fail at once. */
  lockWaitMs?: number;
  /** A lock held on another host longer than this is stale. Default 2 h. */
  lockStaleAfterMs?: number;
}

/** Where and how deployments run. Holds secrets (API key, MLflow credentials): never log it. */
export interface DeployEnvironment {
  /** The model repository as this machine sees it (`storage.localMountPath`). */
  repositoryRoot: string;
  /** Triton HTTP base URLs, one per pod (`deploy.tritonEndpoints`). */
  tritonEndpoints: string[];
  /** The `--http-restricted-api` header for model-repository/model-config calls. */
  restrictedApi?: { header: string; value: string };
  /** MLflow client options (tracking URI, auth, TLS, timeouts). */
  mlflow: MlflowClientOptions;
  timeouts?: DeployTimeouts;
  /** Recorded in the lock and history. Default `<user>@<host>`. */
  owner?: string;
  /**
   * The stack deploying. When set, the repository records it as its owner on first use and
   * refuses deploys and unloads from any other stack (repository/owner.ts).
   */
  repositoryOwner?: RepositoryOwner;
}

/** Defaults applied. */
export function transactionTimeouts(t: DeployTimeouts | undefined): TransactionTimeouts & {
  requestMs: number;
  loadMs: number;
} {
  return {
    requestMs: t?.requestMs ?? 30_000,
    loadMs: t?.loadMs ?? 600_000,
    readyMs: t?.readyMs ?? 300_000,
    readyPollMs: t?.readyPollMs ?? 500,
    lockWaitMs: t?.lockWaitMs ?? 0,
    lockStaleAfterMs: t?.lockStaleAfterMs ?? 2 * 60 * 60 * 1000,
  };
}

/** Who runs this (for the lock record and history). */
export function defaultOwner(): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers)
  }
  return `${user}@${hostname()}`;
}

/** Triton endpoints for `env`; call `closeAll` when done. */
export function openEndpoints(env: DeployEnvironment): {
  endpoints: TritonEndpoint[];
  closeAll: () => Promise<void>;
} {
  if (env.tritonEndpoints.length === 0) {
    throw new Error("tritonEndpoints is empty; expected at least one Triton HTTP URL");
  }
  const t = transactionTimeouts(env.timeouts);
  const opened = env.tritonEndpoints.map((baseUrl) =>
    tritonEndpoint({
      baseUrl,
      timeoutMs: t.requestMs,
      loadTimeoutMs: t.loadMs,
      ...(env.restrictedApi ? { restrictedApi: env.restrictedApi } : {}),
    }),
  );
  return {
    endpoints: opened,
    closeAll: async () => {
      await Promise.allSettled(opened.map((e) => e.close()));
    },
  };
}

/** An MLflow client for `env`; close it when done. */
export function openMlflow(env: DeployEnvironment): MlflowClient {
  return new MlflowClient(env.mlflow);
}
