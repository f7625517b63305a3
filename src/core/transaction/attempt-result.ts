// The result of an attempt (from its state and step timings) and its line in the history.
import {
  appendHistory,
  readCurrentPointer,
  type HistoryEntry,
  type VerificationSummary,
} from "../repository";
import type { Attempt } from "./attempt";
import type { DeploymentResult } from "./result";
import { percentile, type SmokeReport, type SmokeSpec } from "./smoke";
import type { StepRunner } from "./step-runner";
import type { DeploymentPlan } from "./transaction-inputs";

export async function committedResult(
  plan: DeploymentPlan,
  a: Attempt,
  steps: StepRunner,
): Promise<DeploymentResult> {
  const onDisk = await readCurrentPointer(a.paths.current);
  return {
    ...baseResult(plan, a, steps, "committed", plan.version),
    verification: onDisk?.verification,
  };
}

/**
 * The verification summary recorded in current.json: the staging smoke runs (the first report of
 * each endpoint; the later one-request checks on the served name only confirm the switch).
 */
export function summarize(
  reports: SmokeReport[],
  endpoints: number,
  spec: SmokeSpec,
): VerificationSummary {
  const staging = reports.slice(0, endpoints);
  const latencies = staging.flatMap((r) => r.latenciesMs);
  return {
    endpoints,
    requests: staging[0]?.requests ?? 0,
    mode: spec.golden === undefined ? "generated" : "golden",
    p95Ms: Math.round(percentile(latencies, 0.95) * 10) / 10,
    ...(spec.latencyBudgetMs !== undefined ? { latencyBudgetMs: spec.latencyBudgetMs } : {}),
  };
}

export function baseResult(
  plan: DeploymentPlan,
  a: Attempt,
  steps: StepRunner,
  outcome: DeploymentResult["outcome"],
  committedVersion: string | undefined,
): DeploymentResult {
  return {
    outcome,
    model: plan.model,
    registeredModel: plan.registeredModel,
    fromVersion: a.committed?.activeVersion,
    toVersion: plan.version,
    committedVersion,
    runId: a.runId ?? a.committed?.runId,
    alias: plan.alias,
    sha256: a.manifest?.sha256,
    sizeBytes: a.manifest?.sizeBytes,
    reusedFiles: a.reused,
    stepsMs: { ...steps.durations },
    verification: undefined,
    smoke: a.smoke,
    repairedEndpoints: [],
    quarantinedAs: undefined,
    cleanedUp: a.cleanedUp,
    tookOverStaleLock: a.tookOverStaleLock,
  };
}

export async function record(
  a: Attempt,
  plan: DeploymentPlan,
  result: DeploymentResult,
  at: Date,
  extra: { step?: string; reason?: string },
): Promise<void> {
  const entry: HistoryEntry = {
    at_utc: at.toISOString(),
    model: plan.model,
    outcome: result.outcome === "unchanged" ? "recovered" : result.outcome,
    from_version: result.fromVersion ?? null,
    to_version: plan.version,
    registered_model: plan.registeredModel,
    run_id: result.runId ?? null,
    alias: plan.alias ?? null,
    sha256: result.sha256 ?? null,
    ...(extra.step !== undefined ? { step: extra.step } : {}),
    ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
    ...(result.quarantinedAs !== undefined ? { quarantined_as: result.quarantinedAs } : {}),
    steps_ms: result.stepsMs,
  };
  await appendHistory(a.paths.history, entry);
}
