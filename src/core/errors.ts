import type { DeploymentResult } from "./transaction/result";

// Errors of the deployment core. Plain classes with public fields (no `#private`): the dynamic
// provider host may serialise code that references them.

/** The steps of the deployment transaction, in order (design.md, "The deployment transaction"). */
export type DeploymentStep =
  | "lock"
  | "snapshot"
  | "resolve"
  | "materialize"
  | "validate"
  | "load"
  | "ready"
  | "smoke"
  | "promote"
  | "commit"
  | "rollback"
  | "unlock";

/** What Triton serves for one model after an attempt, as far as the core could verify it. */
export interface ServingState {
  /** The committed version (current.json), or undefined when the model was never deployed. */
  committedVersion: string | undefined;
  /** Why current.json could not be read ("current.json is corrupt"): the committed version is then unknown. */
  committedUnreadable?: string;
  /** Per Triton endpoint: the versions reported ready for the served model name. */
  endpoints: { endpoint: string; readyVersions: string[]; error?: string }[];
}

/** Render what is serving now as one short clause for error messages. */
function describeServing(serving: ServingState): string {
  const committed = serving.committedVersion;
  const parts = serving.endpoints.map((e) => {
    if (e.error !== undefined) return `${e.endpoint}: unknown (${e.error})`;
    return `${e.endpoint}: ${e.readyVersions.length > 0 ? `version ${e.readyVersions.join(",")}` : "nothing"}`;
  });
  const head =
    serving.committedUnreadable !== undefined
      ? `committed version unknown (${serving.committedUnreadable})`
      : committed === undefined
        ? "no committed version"
        : `committed version ${committed}`;
  return parts.length > 0 ? `${head}; serving ${parts.join("; ")}` : head;
}

/**
 * A failed deployment. `step` is the transaction step that failed, `cause` the underlying error,
 * `serving` what Triton serves now (after rollback), `rollbackFailed` true when the rollback itself
 * could not restore the committed version (a human is needed: CLI exit code 3).
 */
export class DeploymentError extends Error {
  readonly step: DeploymentStep;
  override readonly cause: unknown;
  readonly serving: ServingState;
  readonly rollbackFailed: boolean;
  /** The reason the rollback failed, when it did. */
  readonly rollbackError: string | undefined;
  /** The structured record of the attempt (outcome rolled_back or rollback_failed). */
  readonly result: DeploymentResult | undefined;

  constructor(args: {
    model: string;
    version: string;
    step: DeploymentStep;
    cause: unknown;
    serving: ServingState;
    rollbackFailed: boolean;
    rollbackError?: string;
    /** False when the attempt failed before it changed anything (lock, snapshot). */
    rolledBack?: boolean;
    result?: DeploymentResult;
  }) {
    const reason = errorMessage(args.cause);
    const rollback = args.rollbackFailed
      ? `rollback FAILED (${args.rollbackError ?? "unknown reason"}); ${describeServing(args.serving)}`
      : args.rolledBack === false
        ? `nothing was changed; ${describeServing(args.serving)}`
        : `rolled back; ${describeServing(args.serving)}`;
    super(
      `deploy of model '${args.model}' version ${args.version} failed at step '${args.step}': ${reason} — ${rollback}`,
    );
    this.name = "DeploymentError";
    this.step = args.step;
    this.cause = args.cause;
    this.serving = args.serving;
    this.rollbackFailed = args.rollbackFailed;
    this.rollbackError = args.rollbackError;
    this.result = args.result;
  }
}

/** The model's lock is held by another live transaction. */
export class LockHeldError extends Error {
  readonly lockPath: string;
  readonly holder: unknown;
  constructor(lockPath: string, holder: unknown, detail: string, recovery: string) {
    super(
      `lock ${lockPath} is held by ${detail}; expected it to be free (another deployment is running); ${recovery}`,
    );
    this.name = "LockHeldError";
    this.lockPath = lockPath;
    this.holder = holder;
  }
}

/** A step failed with a message meant for the operator (used as a DeploymentError cause). */
export class StepFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StepFailure";
  }
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
