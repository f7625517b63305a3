// The public API of the deployment core (design.md layer 4). The CLI (src/cli/model.ts) and the
// Pulumi provider (src/provider) are thin adapters over exactly these functions and types. Plain
// TypeScript: nothing here imports Pulumi, and no module keeps state at load time, so the dynamic
// provider host can serialise it.
import {
  deployModel as deployModelImpl,
  readHistory as readHistoryImpl,
  readModelStatus as readModelStatusImpl,
  resolveModelVersion as resolveModelVersionImpl,
  unloadModel as unloadModelImpl,
  verifyModel as verifyModelImpl,
  type CallOptions,
  type DeployRequest,
  type ModelStatus,
  type SmokeRequest,
  type UnloadResult,
} from "./transaction/api";
import type { DeployEnvironment } from "./transaction/environment";
import type { DeploymentResult } from "./transaction/result";
import type { SmokeReport } from "./transaction/smoke";
import type { HistoryEntry } from "./repository";
import type { ResolvedModelVersion, VersionSelector } from "./mlflow";

/**
 * Deploy one resolved registry version of a model through the verification chain:
 * lock → snapshot → resolve → materialize → validate → load → ready → smoke → promote → commit →
 * unlock. The candidate is verified under the staging model `<model>.staging` before production
 * traffic can reach it; every Triton endpoint (pod) is loaded and verified.
 *
 * @returns outcome `committed`, or `unchanged` when the same version is already committed (pods that
 *   do not serve it are reloaded with it; `repairedEndpoints` lists them).
 * @throws DeploymentError after a rollback: `step` (where it failed), `cause`, `serving` (what is
 *   served now), `rollbackFailed` (true: a human is needed), `result` (outcome `rolled_back` or
 *   `rollback_failed`, with step durations and where the candidate was quarantined). The attempt is
 *   recorded in history.jsonl either way.
 */
export function deployModel(
  env: DeployEnvironment,
  request: DeployRequest,
  options: CallOptions = {},
): Promise<DeploymentResult> {
  return deployModelImpl(env, request, options);
}

/**
 * Resolve an MLflow alias (or check a pinned version) to a READY model version — what the program
 * does at preview time, so that `up` deploys exactly the previewed version even if the alias moves.
 * @throws MlflowError naming the model, alias or version when it does not resolve.
 */
export function resolveModelVersion(
  env: DeployEnvironment,
  registeredModel: string,
  selector: VersionSelector,
  options: { signal?: AbortSignal } = {},
): Promise<ResolvedModelVersion> {
  return resolveModelVersionImpl(env, registeredModel, selector, options);
}

/**
 * The committed version (current.json, including files written by the old platform), the versions
 * each Triton endpoint reports ready for the model, `drift` when any endpoint does not serve exactly
 * the committed version, and the lock record while a transaction runs. Read-only.
 */
export function readModelStatus(
  env: DeployEnvironment,
  model: string,
  options: { signal?: AbortSignal } = {},
): Promise<ModelStatus> {
  return readModelStatusImpl(env, model, options);
}

/**
 * Re-run the smoke check against the committed version on every endpoint (explicit version in
 * every request), with expected outputs from that version's metadata and the optional golden
 * expectation and latency budget of `smoke`. Read-only.
 * @throws StepFailure naming the endpoint and the discrepancy.
 */
export function verifyModel(
  env: DeployEnvironment,
  model: string,
  smoke?: SmokeRequest,
  options: CallOptions = {},
): Promise<SmokeReport[]> {
  return verifyModelImpl(env, model, smoke, options);
}

/** The model's history.jsonl entries, oldest first; `limit` keeps only the newest ones. */
export function readHistory(
  env: Pick<DeployEnvironment, "repositoryRoot">,
  model: string,
  options: { limit?: number } = {},
): Promise<HistoryEntry[]> {
  return readHistoryImpl(env, model, options);
}

/**
 * Delete semantics for the provider: under the lock, unload the model (and its staging model) on
 * every endpoint, keep every file, and move current.json to `current.unloaded-<UTC>.json` so that
 * the pod readiness check and restarted pods stop expecting the model. Recorded in history.
 */
export function unloadModel(
  env: DeployEnvironment,
  model: string,
  options: CallOptions = {},
): Promise<UnloadResult> {
  return unloadModelImpl(env, model, options);
}

export type {
  CallOptions,
  DeployRequest,
  ModelStatus,
  SmokeRequest,
  TensorRequest,
  UnloadResult,
} from "./transaction/api";
export type { DeployEnvironment, DeployTimeouts } from "./transaction/environment";
export type { DeploymentOutcome, DeploymentResult } from "./transaction/result";
export type { SmokeReport, SmokeSpec, GoldenOutput } from "./transaction/smoke";
export { runDeployment } from "./transaction/run-deployment";
export { mapBounded, PARALLEL_DEPLOYMENTS } from "./transaction/bounded-map";
export type {
  DeploymentPlan,
  TransactionDeps,
  TransactionTimeouts,
} from "./transaction/run-deployment";
export type {
  ArtifactSource,
  ExpectedOutput,
  InferResult as SmokeInferResult,
  InferTensor,
  ModelConfigPort,
  ModelMetadataView,
  ResolvedArtifact,
  TritonEndpoint,
} from "./transaction/ports";
export {
  DeploymentError,
  errorMessage,
  LockHeldError,
  StepFailure,
  type DeploymentStep,
  type ServingState,
} from "./errors";
export {
  createProgressFormatter,
  formatStructured,
  type FormatterOptions,
  type LineFormat,
  type ProgressEvent,
  type ProgressListener,
  type ProgressSink,
} from "./progress";
export {
  assertRepositoryRoot,
  isStagingModelName,
  modelPaths,
  RepositoryOwnerError,
  RepositoryRootError,
  stagingModelName,
  STAGING_SUFFIX,
  type AttemptOutcome,
  type CommittedPointer,
  type HistoryEntry,
  type LockRecord,
  type RepositoryOwner,
  type VerificationSummary,
} from "./repository";
export type { MlflowClientOptions, ResolvedModelVersion, VersionSelector } from "./mlflow";
export { mlflowClientOptionsFromEnv } from "./mlflow";
export {
  registryOutcomeOf,
  writeBackDeployment,
  writeBackKeys,
  type DeploymentOutcomeForRegistry,
  type WriteBackReport,
} from "./writeback";
