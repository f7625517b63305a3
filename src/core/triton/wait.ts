import { systemClock, type Clock } from "../http";
import type { ModelReadiness, TritonClient } from "./client";
import { TritonError } from "./errors";

export interface WaitForReadyOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between polls. Default 500 ms. */
  intervalMs?: number;
  clock?: Clock;
  signal?: AbortSignal;
}

/**
 * Polls `GET …/ready` for one model version until it is ready or the deadline passes (Triton has
 * no readiness event to wait on). Throws a TritonError (code UNAVAILABLE) with Triton's last answer.
 */
export async function waitForModelReady(
  client: Pick<TritonClient, "modelReadiness" | "endpoint">,
  model: string,
  version: string | number | undefined,
  options: WaitForReadyOptions,
): Promise<{ polls: number; elapsedMs: number }> {
  const clock = options.clock ?? systemClock();
  const interval = options.intervalMs ?? 500;
  const started = clock.now();
  const deadline = started + options.timeoutMs;
  let last: ModelReadiness | undefined;
  let lastError: unknown;
  for (let polls = 1; ; polls++) {
    try {
      last = await client.modelReadiness(model, version, options.signal);
      lastError = undefined;
      if (last.ready) return { polls, elapsedMs: clock.now() - started };
    } catch (err) {
      if (options.signal?.aborted) throw err;
      // A restricted or broken endpoint will not heal by waiting.
      if (
        err instanceof TritonError &&
        (err.code === "RESTRICTED" || err.code === "BAD_RESPONSE")
      ) {
        throw err;
      }
      lastError = err;
    }
    const remaining = deadline - clock.now();
    if (remaining <= 0) {
      const what = `model "${model}"${version !== undefined ? ` version ${version}` : ""}`;
      const lastAnswer =
        lastError !== undefined
          ? lastError instanceof Error
            ? lastError.message
            : "unknown error"
          : last
            ? `HTTP ${last.status}${last.reason ? ` ${last.reason}` : ""}`
            : "no answer";
      throw new TritonError({
        code: "UNAVAILABLE",
        operation: "wait for ready",
        model,
        status: last?.status,
        tritonMessage: last?.reason,
        message: `${what} was not ready on ${client.endpoint} within ${options.timeoutMs} ms after ${polls} polls (last answer: ${lastAnswer})`,
        cause: lastError,
      });
    }
    await clock.sleep(Math.min(interval, remaining), options.signal);
  }
}
