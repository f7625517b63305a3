// Undoing a failed attempt: making every endpoint serve the committed version again, dropping the
// commit record the commit step began with, and quarantining the candidate.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { DeploymentError, errorMessage } from "../errors";
import {
  CurrentPointerError,
  clearPendingCommit,
  isCommitOf,
  quarantineCandidate,
  readCommitRecord,
  readCurrentPointer,
  type ModelPaths,
} from "../repository";
import type { Attempt } from "./attempt";
import { baseResult, record } from "./attempt-result";
import { loadOne } from "./load-version";
import { observeServing } from "./observe-serving";
import type { TritonEndpoint } from "./ports";
import type { DeploymentResult } from "./result";
import { forEachSettled, StepError, type StepRunner } from "./step-runner";
import type { DeploymentPlan, TransactionDeps } from "./transaction-inputs";

/** Reload the committed version on `names` (all endpoints when undefined) and wait for it. */
export async function restoreCommitted(
  deps: TransactionDeps,
  plan: DeploymentPlan,
  a: Attempt,
  names?: string[],
): Promise<void> {
  const targets = deps.endpoints.filter((e) => names === undefined || names.includes(e.name));
  const committed = a.committed?.activeVersion;
  await forEachSettled(targets, async (endpoint) => {
    if (committed === undefined) {
      // First deployment: nothing was committed, so nothing may serve.
      await endpoint.unload(plan.model, deps.signal);
      return;
    }
    // Without the committed load config (a repository written by the old platform) a plain
    // load reads config.pbtxt from disk.
    await loadOne(deps, endpoint, plan.model, committed, a.committedConfigJson);
  });
}

/**
 * Rollback: make every endpoint serve the committed version (reload with the committed config
 * where the served model was touched or had drifted, otherwise check it is still ready), unload
 * the staging model, quarantine the candidate, record the attempt, and return the error to throw.
 */
export async function rollback(
  deps: TransactionDeps,
  plan: DeploymentPlan,
  a: Attempt,
  steps: StepRunner,
  clock: () => Date,
  error: unknown,
): Promise<DeploymentError> {
  // The rollback runs to completion even when the caller aborted (Ctrl-C): that abort is the
  // reason we are rolling back, so the restoring calls must not inherit its signal.
  deps = { ...deps, signal: undefined };
  const step = error instanceof StepError ? error.step : "snapshot";
  const cause = error instanceof StepError ? error.cause : error;
  const committed = a.committed?.activeVersion;
  let rollbackError: string | undefined;
  let quarantinedAs: string | undefined;
  try {
    await steps.run("rollback", async () => {
      const problems: string[] = [];
      if (a.stagingLoaded) await unloadQuietly(deps.endpoints, a.paths.stagingModel);
      const needReload = deps.endpoints
        .filter((e) => a.servedModelTouched || a.driftedEndpoints.has(e.name))
        .map((e) => e.name);
      if (committed !== undefined) {
        for (const endpoint of deps.endpoints) {
          if (needReload.includes(endpoint.name)) continue;
          const ready = await endpoint
            .isVersionReady(plan.model, committed, deps.signal)
            .catch(() => false);
          if (!ready) needReload.push(endpoint.name);
        }
      }
      if (needReload.length > 0) {
        try {
          await restoreCommitted(deps, plan, a, needReload);
        } catch (restoreError) {
          problems.push(errorMessage(restoreError));
        }
      }
      // Before the commit point only the pending commit record was written: it is dropped. One
      // the snapshot finished stays until every pod was reloaded (the next run reloads them).
      const pending = await readCommitRecord(a.paths.pendingCommit);
      if (pending !== undefined && (problems.length === 0 || !isCommitOf(pending, a.committed))) {
        await clearPendingCommit(a.paths);
      }
      const candidate = a.partialDir ?? a.candidateDir;
      const committedDir = committed === undefined ? undefined : join(a.paths.modelDir, committed);
      if (candidate !== undefined && candidate !== committedDir) {
        quarantinedAs = await quarantineCandidate(
          a.paths.modelDir,
          candidate,
          plan.version,
          clock(),
        );
      }
      await fs.rm(a.paths.stagingDir, { recursive: true, force: true });
      if (problems.length > 0) throw new Error(problems.join("; "));
    });
  } catch (rollbackFailure) {
    rollbackError = errorMessage(
      rollbackFailure instanceof StepError ? rollbackFailure.cause : rollbackFailure,
    );
  }
  const serving = await observeServing(deps, plan.model, committed);
  const failed = rollbackError !== undefined;
  const result: DeploymentResult = {
    ...baseResult(plan, a, steps, failed ? "rollback_failed" : "rolled_back", committed),
    quarantinedAs,
  };
  await record(a, plan, result, clock(), {
    step,
    reason: failed
      ? `${errorMessage(cause)}; rollback failed: ${rollbackError}`
      : errorMessage(cause),
  }).catch(() => undefined);
  return new DeploymentError({
    model: plan.model,
    version: plan.version,
    step,
    cause,
    serving,
    rollbackFailed: failed,
    ...(rollbackError !== undefined ? { rollbackError } : {}),
    result,
  });
}

/** A failure before anything changed (lock held, unreadable current.json). */
export async function failedBeforeChange(
  deps: TransactionDeps,
  plan: DeploymentPlan,
  paths: ModelPaths,
  step: "resolve" | "lock" | "snapshot",
  error: unknown,
): Promise<DeploymentError> {
  const cause = error instanceof StepError ? error.cause : error;
  let unreadable: string | undefined;
  const committed = await readCurrentPointer(paths.current).catch((e: unknown) => {
    unreadable =
      e instanceof CurrentPointerError
        ? "current.json is corrupt"
        : `current.json unreadable: ${errorMessage(e)}`;
    return undefined;
  });
  const serving = await observeServing(deps, plan.model, committed?.activeVersion);
  return new DeploymentError({
    model: plan.model,
    version: plan.version,
    step,
    cause,
    serving: unreadable === undefined ? serving : { ...serving, committedUnreadable: unreadable },
    rollbackFailed: false,
    rolledBack: false,
  });
}

export async function unloadQuietly(endpoints: TritonEndpoint[], model: string): Promise<void> {
  // The staging model never serves production traffic; failing to unload it wastes memory on a
  // pod but cannot affect what is served, so it never fails a deployment.
  await Promise.allSettled(endpoints.map((e) => e.unload(model)));
}
