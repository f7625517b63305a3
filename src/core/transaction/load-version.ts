// Loading one version of a model on the endpoints, within the ready timeout.
import { StepFailure } from "../errors";
import type { TritonEndpoint } from "./ports";
import { forEachSettled, StepError, type StepRunner } from "./step-runner";
import type { TransactionDeps } from "./transaction-inputs";
import { notReadyMessage, waitVersionReady } from "./wait-ready";

/** Load a model pinned to `version` on every endpoint and wait until it is ready everywhere. */
export async function loadAndWait(
  deps: TransactionDeps,
  steps: StepRunner,
  model: string,
  version: string,
  configJson: string,
): Promise<void> {
  const started = Date.now();
  await steps.run("load", () =>
    forEachSettled(deps.endpoints, (endpoint) =>
      loadWithDeadline(deps, endpoint, model, version, configJson, started),
    ),
  );
  await steps.run("ready", () =>
    forEachSettled(deps.endpoints, (endpoint) =>
      waitReady(deps, endpoint, model, version, started),
    ),
  );
}

/** The same on one endpoint (the promote step and the restoring of the committed version). */
export async function loadOne(
  deps: TransactionDeps,
  endpoint: TritonEndpoint,
  model: string,
  version: string,
  configJson: string | undefined,
): Promise<void> {
  const started = Date.now();
  await loadWithDeadline(deps, endpoint, model, version, configJson, started);
  await waitReady(deps, endpoint, model, version, started);
}

/** Wait until `version` is ready on one endpoint, within the ready timeout counted from `started`. */
function waitReady(
  deps: TransactionDeps,
  endpoint: TritonEndpoint,
  model: string,
  version: string,
  started: number,
): Promise<void> {
  return waitVersionReady({
    endpoint,
    model,
    version,
    timeoutMs: deps.timeouts.readyMs,
    pollMs: deps.timeouts.readyPollMs,
    startedAt: started,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
}

/**
 * Triton's load call blocks until the load finishes (triton-contract.md §1.8), so a load slower
 * than the ready timeout is cut off here and reported as "not ready" (step `ready`).
 */
async function loadWithDeadline(
  deps: TransactionDeps,
  endpoint: TritonEndpoint,
  model: string,
  version: string,
  configJson: string | undefined,
  started: number,
): Promise<void> {
  const budget = Math.max(1, started + deps.timeouts.readyMs - Date.now());
  const timeout = AbortSignal.timeout(budget);
  const signal = deps.signal ? AbortSignal.any([deps.signal, timeout]) : timeout;
  try {
    await endpoint.load(model, configJson, signal);
  } catch (error) {
    if (timeout.aborted && !(deps.signal?.aborted ?? false)) {
      throw new StepError(
        "ready",
        new StepFailure(notReadyMessage(endpoint.name, model, version, deps.timeouts.readyMs)),
      );
    }
    throw error;
  }
}
