// MLflow write-back: after a deployment attempt, tell the registry what happened, so that people
// looking at a model version in MLflow see where it serves (issue 13 point 4):
//   committed → tags `triton.<env>.deployed_at` (UTC) and `triton.<env>.verified_p95_ms` (the
//               smoke p95), and the alias `<env>-serving` moved to the version;
//   unchanged → the alias `<env>-serving` made to point at the served version (it converges);
//   failed    → tags `triton.<env>.failed_at` and `triton.<env>.failure` (the step and reason).
//
// It runs AFTER the transaction has returned, never inside it: the deployment's outcome is
// decided by then and a registry write cannot change it. A refused write (a read-only token,
// MLflow down) becomes a warning in the report; this module never throws.
import { DeploymentError, errorMessage } from "../errors";
import { MlflowClient, type MlflowClientOptions } from "../mlflow";
import type { DeploymentResult } from "../transaction/result";

/** What the write-back reports: each write done, and each one refused (as a warning line). */
export interface WriteBackReport {
  written: string[];
  warnings: string[];
}

/** The attempt to write back: the transaction's outcome for one model version. */
export type DeploymentOutcomeForRegistry =
  | {
      outcome: "committed" | "unchanged";
      registeredModel: string;
      version: string;
      /** When the version was committed (current.json `updated_at_utc`). */
      committedAt: string;
      /** The smoke p95 the version was verified with (ms); absent when not measured. */
      p95Ms: number | undefined;
    }
  | {
      outcome: "failed";
      registeredModel: string;
      version: string;
      failedAt: string;
      /** `<step>: <reason>` of the failed attempt. */
      reason: string;
    };

export interface WriteBackOptions {
  /** The environment label (stack config `environment`): it names the tags and the alias. */
  environment: string;
  mlflow: MlflowClientOptions;
  signal?: AbortSignal;
}

// MLflow limits tag values (5000 characters in current stores); a reason is cut well below that.
const MAX_REASON = 1000;

/** The registry keys of an environment (exported for tests and docs). */
export function writeBackKeys(environment: string) {
  return {
    deployedAt: `triton.${environment}.deployed_at`,
    verifiedP95Ms: `triton.${environment}.verified_p95_ms`,
    failedAt: `triton.${environment}.failed_at`,
    failure: `triton.${environment}.failure`,
    servingAlias: `${environment}-serving`,
  };
}

/**
 * What to write for the transaction's answer: its result, or the error it threw. `committedAt`
 * is when the version was committed, when the caller knows it (current.json), else now.
 */
export function registryOutcomeOf(
  deployed: { registeredModel: string; version: string },
  answer: { result: DeploymentResult; committedAt?: string } | { error: unknown },
  now: () => Date = () => new Date(),
): DeploymentOutcomeForRegistry {
  if ("result" in answer) {
    const { result } = answer;
    return {
      outcome: result.outcome === "unchanged" ? "unchanged" : "committed",
      registeredModel: deployed.registeredModel,
      version: deployed.version,
      committedAt: answer.committedAt ?? now().toISOString(),
      p95Ms: result.verification?.p95Ms,
    };
  }
  const { error } = answer;
  return {
    outcome: "failed",
    registeredModel: deployed.registeredModel,
    version: deployed.version,
    failedAt: now().toISOString(),
    reason:
      error instanceof DeploymentError
        ? `${error.step}: ${errorMessage(error.cause)}`
        : errorMessage(error),
  };
}

/** Write the outcome to MLflow. Never throws: refusals are `warnings`. */
export async function writeBackDeployment(
  options: WriteBackOptions,
  attempt: DeploymentOutcomeForRegistry,
): Promise<WriteBackReport> {
  const keys = writeBackKeys(options.environment);
  const report: WriteBackReport = { written: [], warnings: [] };
  const { registeredModel: name, version } = attempt;
  const client = new MlflowClient({
    ...options.mlflow,
    // A registry that is down must not hold the deployment's result back for minutes.
    retry: { maxAttempts: 2, baseDelayMs: 250 },
  });
  const write = async (what: string, run: () => Promise<void>) => {
    try {
      await run();
      report.written.push(what);
    } catch (error) {
      report.warnings.push(
        `MLflow write-back of ${name} version ${version}: ${what} was refused (${errorMessage(error)}); ` +
          "the deployment itself stands",
      );
    }
  };
  const tag = (key: string, value: string) =>
    write(`tag ${key}=${value}`, () =>
      client.setModelVersionTag(name, version, key, value, options.signal),
    );
  try {
    if (attempt.outcome === "failed") {
      await tag(keys.failedAt, attempt.failedAt);
      await tag(keys.failure, attempt.reason.slice(0, MAX_REASON));
    } else {
      if (attempt.outcome === "committed") {
        await tag(keys.deployedAt, attempt.committedAt);
        if (attempt.p95Ms !== undefined) {
          await tag(keys.verifiedP95Ms, String(Math.round(attempt.p95Ms * 100) / 100));
        }
      }
      await write(`alias ${keys.servingAlias}→${version}`, () =>
        client.setAlias(name, keys.servingAlias, version, options.signal),
      );
    }
  } finally {
    await client.close();
  }
  return report;
}
