/** How a failed call is retried. Attempts count the first try: `maxAttempts: 1` never retries. */
export interface RetryPolicy {
  /** Total tries including the first one. */
  maxAttempts: number;
  /** Backoff before retry n (1-based) is drawn uniformly from [0, min(maxDelayMs, baseDelayMs * 2^(n-1))) ("full jitter"). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Wait what the server's `Retry-After` asks for (seconds or HTTP-date) instead of the backoff. */
  respectRetryAfter: boolean;
  /** A `Retry-After` longer than this is not waited out: the call fails with the server's error instead. */
  maxRetryAfterMs: number;
}

export function defaultRetryPolicy(): RetryPolicy {
  return {
    maxAttempts: 5,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    respectRetryAfter: true,
    maxRetryAfterMs: 120_000,
  };
}

export function resolveRetryPolicy(
  ...overrides: (Partial<RetryPolicy> | undefined)[]
): RetryPolicy {
  const policy = defaultRetryPolicy();
  for (const o of overrides) {
    if (!o) continue;
    for (const [key, value] of Object.entries(o) as [keyof RetryPolicy, unknown][]) {
      if (value !== undefined) (policy as unknown as Record<string, unknown>)[key] = value;
    }
  }
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new Error(`retry maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  }
  if (policy.baseDelayMs < 0 || policy.maxDelayMs < 0) {
    throw new Error(
      `retry delays must be >= 0, got baseDelayMs=${policy.baseDelayMs} maxDelayMs=${policy.maxDelayMs}`,
    );
  }
  return policy;
}

/**
 * Statuses worth retrying: request timeout, rate limiting, and the transient server/gateway
 * failures (the set MLflow's own client retries, mlflow-contract.md §5). 501 and other 5xx
 * codes say "this will never work" and are not retried.
 */
export function isRetryableStatus(status: number): boolean {
  return (
    status === 408 ||
    status === 429 ||
    status === 500 ||
    status === 502 ||
    status === 503 ||
    status === 504
  );
}

/** Full-jitter exponential backoff before retry number `retry` (1 = the first retry). */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` as milliseconds from `nowMs`: either delta-seconds or an HTTP-date (RFC 9110
 * §10.2.3). Undefined when absent or unparseable; a date in the past gives 0.
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // Only accept something that looks like a date, so "soon" or "-5" are not misread.
  if (!/[A-Za-z]/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
