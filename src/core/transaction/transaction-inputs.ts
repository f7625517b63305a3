// What the deployment transaction is given: its time limits, the ports it talks to and the plan.
import type { ProgressListener } from "../progress";
import type { RepositoryOwner } from "../repository";
import type { ArtifactSource, ModelConfigPort, TritonEndpoint } from "./ports";
import type { SmokeSpec } from "./smoke";

/** Time limits of the transaction. */
export interface TransactionTimeouts {
  /** Load plus readiness of one version on one endpoint. */
  readyMs: number;
  /** Interval between readiness checks. */
  readyPollMs: number;
  /** How long to wait for another transaction's lock before failing. 0 = fail at once. */
  lockWaitMs: number;
  /** A lock held on another host longer than this is stale (lock.ts). */
  lockStaleAfterMs: number;
}

/** Everything the transaction talks to. */
export interface TransactionDeps {
  repositoryRoot: string;
  endpoints: TritonEndpoint[];
  source: ArtifactSource;
  config: ModelConfigPort;
  timeouts: TransactionTimeouts;
  /** Who runs the deployment (recorded in the lock and history). */
  owner: string;
  /** Host name for the lock (tests). */
  host?: string;
  /** The stack deploying: the repository must belong to it (claimed on first use). */
  repositoryOwner?: RepositoryOwner;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Wall clock for timestamps and quarantine names. */
  now?: () => Date;
}

/** What to deploy: an already resolved registry version of one model. */
export interface DeploymentPlan {
  /** The Triton model name (the directory under the repository root). */
  model: string;
  registeredModel: string;
  version: string;
  alias?: string;
  /** The run id seen when the version was resolved (preview); a different one fails `resolve`. */
  expectedRunId?: string;
  smoke: SmokeSpec;
}
