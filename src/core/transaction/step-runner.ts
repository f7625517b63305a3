// Times each transaction step, reports it as progress, and tags failures with the step's name so
// the rollback and the error message can say where the chain broke.
import { errorMessage, type DeploymentStep } from "../errors";
import type { ProgressListener } from "../progress";

/** A failure tagged with the step it happened in. */
export class StepError extends Error {
  readonly step: DeploymentStep;
  override readonly cause: unknown;
  constructor(step: DeploymentStep, cause: unknown) {
    super(errorMessage(cause));
    this.name = "StepError";
    this.step = step;
    this.cause = cause;
  }
}

export interface StepRunner {
  /** Run `fn` as `step`: timed, reported, failures wrapped in StepError. */
  run<T>(step: DeploymentStep, fn: () => Promise<T>, detail?: (value: T) => string): Promise<T>;
  /** Durations so far, ms, in the order the steps ran. */
  durations: Record<string, number>;
}

export function createStepRunner(args: {
  model: string;
  version: string;
  onProgress?: ProgressListener;
}): StepRunner {
  const durations: Record<string, number> = {};
  const emit = args.onProgress ?? (() => undefined);
  return {
    durations,
    async run(step, fn, detail) {
      const started = performance.now();
      emit({ model: args.model, version: args.version, step, phase: "start" });
      try {
        const value = await fn();
        const elapsedMs = performance.now() - started;
        durations[step] = Math.round((durations[step] ?? 0) + elapsedMs);
        emit({
          model: args.model,
          version: args.version,
          step,
          phase: "done",
          elapsedMs,
          ...(detail ? { detail: detail(value) } : {}),
        });
        return value;
      } catch (error) {
        const elapsedMs = performance.now() - started;
        durations[step] = Math.round((durations[step] ?? 0) + elapsedMs);
        const tagged = error instanceof StepError ? error : new StepError(step, error);
        emit({
          model: args.model,
          version: args.version,
          step,
          phase: "failed",
          elapsedMs,
          detail: tagged.message,
        });
        throw tagged;
      }
    },
  };
}

/**
 * Run `fn` for every item concurrently and wait for all of them to settle (so no call is still in
 * flight when a rollback starts); then throw the first failure, in item order.
 */
export async function forEachSettled<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  const settled = await Promise.allSettled(items.map((item) => fn(item)));
  for (const outcome of settled) {
    if (outcome.status === "rejected") throw outcome.reason;
  }
}
