// Small PromQL builders shared by the rules and the dashboard, so both query Triton's metrics
// (triton-contract.md §5) the same way.

/** A PromQL string literal (JSON escaping is a subset of PromQL's Go-style escapes). */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** `{a="x", b=~"y"}` from a list of ready-made matchers; empty list gives an empty string. */
export function selector(matchers: readonly string[]): string {
  return matchers.length === 0 ? "" : `{${matchers.join(", ")}}`;
}

export function eq(label: string, value: string): string {
  return `${label}=${quote(value)}`;
}

/**
 * The Triton model names of staging models, as a (fully anchored) PromQL regular expression.
 *
 * The deployment core verifies a candidate under the model name `<model>.staging` before promoting
 * it (src/core/repository/layout.ts `stagingModelName`, `STAGING_SUFFIX`). Its smoke traffic and
 * latency are not production's, so no alert and no dashboard query may count them. Observability
 * must not depend on the core, so the naming is repeated here; a test in test/observability
 * checks this pattern against the core's `stagingModelName`.
 */
export const STAGING_MODEL_PATTERN = ".*\\.staging";

/** `model!~".*\\.staging"`: leaves staging models out of a per-model selector. */
export const NOT_STAGING = `model!~${quote(STAGING_MODEL_PATTERN)}`;

/** Triton's per-model metric names (triton-contract.md §5.2, §5.3). */
export const TRITON_METRICS = {
  success: "nv_inference_request_success",
  failure: "nv_inference_request_failure",
  inferenceCount: "nv_inference_count",
  requestDuration: "nv_inference_request_duration_us",
  queueDuration: "nv_inference_queue_duration_us",
  requestSummary: "nv_inference_request_summary_us",
  pending: "nv_inference_pending_request_count",
  cpuUtilization: "nv_cpu_utilization",
  cpuMemoryUsed: "nv_cpu_memory_used_bytes",
} as const;

/** `sum by (<by>) (rate(<metric><sel>[<range>]))` */
export function sumRate(metric: string, sel: string, range: string, by: string): string {
  return `sum by (${by}) (rate(${metric}${sel}[${range}]))`;
}

/**
 * Mean of a cumulative microsecond counter per request, in milliseconds: Δduration / Δsuccess.
 * Triton adds request/queue duration only for successful requests (infer_stats.cc UpdateSuccess),
 * so successes are the matching denominator. With no traffic this is NaN, which compares false.
 */
export function meanMsPerRequest(
  durationMetric: string,
  sel: string,
  range: string,
  by: string,
): string {
  return (
    `${sumRate(durationMetric, sel, range, by)}\n` +
    `  / ${sumRate(TRITON_METRICS.success, sel, range, by)}\n` +
    `  / 1000`
  );
}

/** failures / (successes + failures) per `by`; NaN with no traffic. */
export function failureRatio(sel: string, range: string, by: string): string {
  const failures = sumRate(TRITON_METRICS.failure, sel, range, by);
  const successes = sumRate(TRITON_METRICS.success, sel, range, by);
  return `${failures}\n  / (${successes} + ${failures})`;
}

/** The p95 from Triton's request summary, in ms; max across pods (quantiles cannot be averaged). */
export function p95Ms(sel: string, by: string): string {
  return `max by (${by}) (${TRITON_METRICS.requestSummary}${sel}) / 1000`;
}
