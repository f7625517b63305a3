import { setTimeout as delay } from "node:timers/promises";

/**
 * Time and randomness used by the retry loop and progress reporting. Injected so tests can
 * assert exact waits (no real sleeping) and exact jitter.
 */
export interface Clock {
  /** Milliseconds since the epoch (used to turn a `Retry-After` HTTP-date into a wait). */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A number in [0, 1), as Math.random. */
  random(): number;
}

/** The real clock. A function, not a module-level constant, so the provider host can serialise this module. */
export function systemClock(): Clock {
  return {
    now: () => Date.now(),
    sleep: async (ms, signal) => {
      await delay(ms, undefined, signal ? { signal } : undefined);
    },
    random: () => Math.random(),
  };
}
