// The identical re-run: the requested version is already committed with the same config, so the
// deployment does nothing but repair endpoints that do not serve it.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { DeploymentError, errorMessage } from "../errors";
import {
  clearPendingCommit,
  pathExists,
  readCommitRecord,
  PRIMARY_FILE,
  verifyVersionDir,
  type CommittedPointer,
  type ModelPaths,
} from "../repository";
import type { Attempt } from "./attempt";
import { baseResult, record } from "./attempt-result";
import { observeServing } from "./observe-serving";
import type { ModelConfigPort } from "./ports";
import type { DeploymentResult } from "./result";
import { restoreCommitted, unloadQuietly } from "./rollback";
import { StepError, type StepRunner } from "./step-runner";
import type { DeploymentPlan, TransactionDeps } from "./transaction-inputs";

export async function readCommittedConfig(
  paths: ModelPaths,
  committed: CommittedPointer | undefined,
  config: ModelConfigPort,
): Promise<string | undefined> {
  if (committed === undefined) return undefined;
  const record = await readCommitRecord(paths.committedConfig);
  // Only a config that pins the committed version (and, when recorded, its sha256) can restore it.
  if (
    record !== undefined &&
    record.version === committed.activeVersion &&
    (record.sha256 === undefined || record.sha256 === committed.sha256)
  ) {
    return record.config;
  }
  // A repository committed by the old platform: its config.pbtxt, pinned to the committed version.
  if (config.pinnedFromPbtxt === undefined) return undefined;
  try {
    const text = await fs.readFile(paths.config, "utf8");
    return config.pinnedFromPbtxt(text, paths.model, committed.activeVersion);
  } catch {
    return undefined;
  }
}

/**
 * An identical re-run (same registered model and version committed, its directory intact) does
 * nothing — except making endpoints that do not serve it (a restarted or crashed pod) serve it.
 */
export async function unchangedIfIdentical(
  deps: TransactionDeps,
  plan: DeploymentPlan,
  a: Attempt,
  steps: StepRunner,
): Promise<DeploymentResult | undefined> {
  const c = a.committed;
  if (c === undefined || c.activeVersion !== plan.version) return undefined;
  if (c.registeredModel !== undefined && c.registeredModel !== plan.registeredModel) {
    return undefined;
  }
  if (plan.expectedRunId !== undefined && c.runId !== undefined && c.runId !== plan.expectedRunId) {
    return undefined;
  }
  // The same version with another Triton config (batching, instances, dims) is a new deployment.
  const desired = (): string | undefined => {
    try {
      return deps.config.loadConfigJson(plan.model, plan.version);
    } catch {
      return undefined;
    }
  };
  let desiredConfig = desired();
  if (desiredConfig === undefined) {
    // A request that leaves inputs/outputs out has no config until a graph completes it: take
    // the committed version's graph (an unreadable one means: deploy it again, fully).
    try {
      await deps.config.validate(join(a.paths.modelDir, plan.version, PRIMARY_FILE));
    } catch {
      return undefined;
    }
    desiredConfig = desired();
  }
  if (desiredConfig === undefined || desiredConfig !== a.committedConfigJson) return undefined;
  const dir = await verifyVersionDir(join(a.paths.modelDir, plan.version));
  if (!dir.ok || (c.sha256 !== undefined && dir.manifest.sha256 !== c.sha256)) return undefined;

  // A staging directory here is the leftover of a crashed attempt: discard it (and the staging
  // model it may have left loaded) so that the repository converges without manual cleanup.
  if (await pathExists(a.paths.stagingDir)) {
    await unloadQuietly(deps.endpoints, a.paths.stagingModel);
    await fs.rm(a.paths.stagingDir, { recursive: true, force: true });
    a.cleanedUp.push(a.paths.stagingModel);
  }
  const repaired = [...a.driftedEndpoints];
  if (repaired.length > 0) {
    try {
      await steps.run("load", () => restoreCommitted(deps, plan, a, repaired));
    } catch (error) {
      const cause = error instanceof StepError ? error.cause : error;
      const serving = await observeServing(deps, plan.model, c.activeVersion);
      const result = baseResult(plan, a, steps, "rollback_failed", c.activeVersion);
      await record(a, plan, result, now(deps), {
        step: "load",
        reason: `could not make every endpoint serve the committed version: ${errorMessage(cause)}`,
      });
      throw new DeploymentError({
        model: plan.model,
        version: plan.version,
        step: "load",
        cause,
        serving,
        rollbackFailed: true,
        rollbackError: "the committed version could not be reloaded",
        result,
      });
    }
  }
  // Every pod serves the commit a killed run left unfinished: nothing is left to finish.
  if (a.finishedCommit) await clearPendingCommit(a.paths);
  const result: DeploymentResult = {
    ...baseResult(plan, a, steps, "unchanged", c.activeVersion),
    sha256: dir.manifest.sha256,
    sizeBytes: dir.manifest.sizeBytes,
    reusedFiles: true,
    verification: c.verification,
    repairedEndpoints: repaired,
  };
  // Plain no-op re-runs are not recorded (they would flood history from every `pulumi up`); a
  // repair is.
  if (repaired.length > 0) {
    await record(a, plan, result, now(deps), {
      reason: `reloaded on ${repaired.join(", ")}`,
    }).catch(() => undefined);
  }
  return result;
}

function now(deps: TransactionDeps): Date {
  return (deps.now ?? (() => new Date()))();
}
