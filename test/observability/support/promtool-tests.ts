// Generates a `promtool test rules` file for one stack's rules, from that stack's own thresholds
// and `for` durations. For every alert: a "hot" model above the threshold that must fire exactly
// once `for` has elapsed (not one step before) and resolve after it cools down, a "cool" model just
// below the threshold that never fires, and (for the rate alerts) a hot model in a foreign
// namespace that must be ignored. A last scenario gives the staging model the core verifies
// candidates under (`<model>.staging`) slow, queued, failing traffic and a high p95, and expects
// no alert at all. Expected labels and fully expanded annotations are written out
// here independently of the rule code, so the measured value in `description` is checked too.
import { stagingModelName } from "../../../src/core";
import type { ObservabilityInput } from "../../../src/observability";
import { runbookUrl, type AlertName } from "../../../src/observability";

/** Prometheus duration → seconds (y, w, d, h, m, s, ms). */
export function durationSeconds(d: string): number {
  const units: Record<string, number> = {
    y: 365 * 86400,
    w: 7 * 86400,
    d: 86400,
    h: 3600,
    m: 60,
    s: 1,
    ms: 0.001,
  };
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) {
    total += Number(n) * (units[unit as string] ?? NaN);
  }
  return total;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

interface SeriesSpec {
  readonly series: string;
  readonly values: string;
}

interface ExpectedAlert {
  readonly exp_labels: Record<string, string>;
  readonly exp_annotations: Record<string, string>;
}

interface Scenario {
  readonly name: string;
  readonly alert: AlertName;
  readonly series: SeriesSpec[];
  /** First step at which the condition holds. */
  readonly activeFrom: number;
  /** Steps the `for` duration spans. */
  readonly forSteps: number;
  /** Step from which the condition no longer holds for the hot series (undefined: stays). */
  readonly resolvedAt?: number;
  readonly expected: ExpectedAlert[];
  readonly totalSteps: number;
}

// Go's %.4g as Prometheus' humanize prints it, for the ratios these tests use.
function humanize(v: number): string {
  return String(Number(v.toPrecision(4)));
}

function seriesName(metric: string, labels: Record<string, string>): string {
  const body = Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(", ");
  return `${metric}{${body}}`;
}

/** Cumulative counter values from per-step increments (increment k is applied at step k). */
function counter(steps: number, increment: (step: number) => number): string {
  const values: number[] = [0];
  for (let k = 1; k < steps; k++) values.push((values[k - 1] ?? 0) + increment(k));
  return values.join(" ");
}

function gauge(steps: number, value: (step: number) => number | undefined): string {
  return Array.from({ length: steps }, (_, k) => {
    const v = value(k);
    return v === undefined ? "_" : String(v);
  }).join(" ");
}

export function buildPromtoolTests(input: ObservabilityInput, rulesFile: string): object {
  const cfg = input.alerting.rules;
  const fors = [
    cfg.meanLatency.for,
    cfg.errorRatio.for,
    cfg.queueLatency.for,
    cfg.p95Latency.for,
    cfg.serverDown.for,
    cfg.modelNotServing.for,
  ].map(durationSeconds);
  const windowSec = durationSeconds(cfg.window);
  const stepSec = [windowSec, ...fors].reduce((a, b) => gcd(a, b), 60);
  const steps = (sec: number) => sec / stepSec;
  const windowSteps = steps(windowSec);

  const ns = input.tritonNamespace;
  const env = input.env;
  const hotModel = input.models[0] ?? "model-a";
  const otherModels = input.models.slice(1);
  const coolModel = otherModels[0] ?? "cool-model";
  const job = input.tritonJob ?? "triton";
  const target = (model: string, namespace = ns) => ({
    instance: "10.0.0.7:8002",
    job,
    model,
    namespace,
    version: "3",
  });
  const base = (alert: AlertName, severity: string) => ({
    severity,
    env,
    runbook: runbookUrl(input.alerting.runbookBaseUrl, alert),
  });
  const where = (model: string) => `model ${model} in ${ns} (env ${env})`;

  /** Timeline shared by one scenario: hot until `switchAt`, then cool. */
  const timeline = (activeFrom: number, forDuration: string, afterSwitch: number) => {
    const forSteps = steps(durationSeconds(forDuration));
    const switchAt = activeFrom + forSteps + 2;
    const resolvedAt = switchAt + afterSwitch;
    return { forSteps, switchAt, resolvedAt, totalSteps: resolvedAt + 2 };
  };

  const scenarios: Scenario[] = [];
  const requestsPerStep = 100;

  // --- mean latency and queue time: cumulative µs counters over successful requests ----------
  for (const [alert, key, metric, describe] of [
    [
      "TritonMeanLatencyHigh",
      "meanLatency",
      "nv_inference_request_duration_us",
      (m: string, v: string) =>
        `Mean request latency of ${where(m)} is ${v} ms over ${cfg.window}, above ${cfg.meanLatency.threshold} ms.`,
    ],
    [
      "TritonQueueLatencyHigh",
      "queueLatency",
      "nv_inference_queue_duration_us",
      (m: string, v: string) =>
        `Requests to ${where(m)} wait ${v} ms in the queue on average over ${cfg.window}, above ${cfg.queueLatency.threshold} ms.`,
    ],
  ] as const) {
    const rule = cfg[key];
    const t = timeline(1, rule.for, windowSteps + 1);
    const hotMs = rule.threshold * 2;
    const coolMs = rule.threshold * 0.9;
    const latencySeries = (labels: Record<string, string>, msAt: (k: number) => number) => [
      {
        series: seriesName("nv_inference_request_success", labels),
        values: counter(t.totalSteps, () => requestsPerStep),
      },
      {
        series: seriesName(metric, labels),
        values: counter(t.totalSteps, (k) => requestsPerStep * msAt(k) * 1000),
      },
    ];
    const b = base(alert, rule.severity);
    scenarios.push({
      name: alert,
      alert,
      activeFrom: 1,
      forSteps: t.forSteps,
      resolvedAt: t.resolvedAt,
      totalSteps: t.totalSteps,
      series: [
        ...latencySeries(target(hotModel), (k) => (k <= t.switchAt ? hotMs : coolMs)),
        ...latencySeries(target(coolModel), () => coolMs),
        ...latencySeries(target(hotModel, `${ns}-elsewhere`), () => hotMs),
      ],
      expected: [
        {
          exp_labels: { severity: b.severity, env, namespace: ns, model: hotModel },
          exp_annotations: {
            summary:
              alert === "TritonMeanLatencyHigh"
                ? `Triton mean latency high: ${hotModel}`
                : `Triton queue time high: ${hotModel}`,
            description: describe(hotModel, hotMs.toFixed(1)),
            runbook_url: b.runbook,
          },
        },
      ],
    });
  }

  // --- error ratio: failures{reason} / (successes + failures) -------------------------------
  {
    const rule = cfg.errorRatio;
    const t = timeline(1, rule.for, windowSteps + 1);
    const total = 10_000;
    const hotRatio = Math.min(rule.threshold * 2, (1 + rule.threshold) / 2);
    const coolRatio = rule.threshold * 0.5;
    const errorSeries = (labels: Record<string, string>, ratioAt: (k: number) => number) => [
      {
        series: seriesName("nv_inference_request_success", labels),
        values: counter(t.totalSteps, (k) => total - Math.round(total * ratioAt(k))),
      },
      // All four reasons exist from load on (triton-contract.md §5.2); only BACKEND moves here.
      ...["BACKEND", "CANCELED", "OTHER", "REJECTED"].map((reason) => ({
        series: seriesName("nv_inference_request_failure", { ...labels, reason }),
        values: counter(t.totalSteps, (k) =>
          reason === "BACKEND" ? Math.round(total * ratioAt(k)) : 0,
        ),
      })),
    ];
    const b = base("TritonHighErrorRate", rule.severity);
    const measured = Math.round(total * hotRatio) / total;
    scenarios.push({
      name: "TritonHighErrorRate",
      alert: "TritonHighErrorRate",
      activeFrom: 1,
      forSteps: t.forSteps,
      resolvedAt: t.resolvedAt,
      totalSteps: t.totalSteps,
      series: [
        ...errorSeries(target(hotModel), (k) => (k <= t.switchAt ? hotRatio : 0)),
        ...errorSeries(target(coolModel), () => coolRatio),
        ...errorSeries(target(hotModel, `${ns}-elsewhere`), () => hotRatio),
      ],
      expected: [
        {
          exp_labels: { severity: b.severity, env, namespace: ns, model: hotModel },
          exp_annotations: {
            summary: `Triton failure ratio high: ${hotModel}`,
            description: `${humanize(measured * 100)}% of requests to ${where(hotModel)} failed in Triton over ${cfg.window}, above ${Number((rule.threshold * 100).toPrecision(6))}%.`,
            runbook_url: b.runbook,
          },
        },
      ],
    });
  }

  // --- p95 from the request summary (gauges per quantile) -----------------------------------
  {
    const rule = cfg.p95Latency;
    const t = timeline(0, rule.for, 1);
    const us = (ms: number) => ms * 1000;
    const quantiles = (labels: Record<string, string>, p95At: (k: number) => number) =>
      ["0.5", "0.9", "0.95", "0.99"].map((quantile) => ({
        series: seriesName("nv_inference_request_summary_us", { ...labels, quantile }),
        // The 0.99 quantile is far above the threshold on every model: only 0.95 may count.
        values: gauge(t.totalSteps, (k) =>
          quantile === "0.99"
            ? us(rule.threshold * 10)
            : us(p95At(k) * (quantile === "0.95" ? 1 : 0.5)),
        ),
      }));
    const hotMs = rule.threshold * 2;
    const b = base("TritonP95LatencyHigh", rule.severity);
    scenarios.push({
      name: "TritonP95LatencyHigh",
      alert: "TritonP95LatencyHigh",
      activeFrom: 0,
      forSteps: t.forSteps,
      resolvedAt: t.resolvedAt,
      totalSteps: t.totalSteps,
      series: [
        ...quantiles(target(hotModel), (k) => (k <= t.switchAt ? hotMs : rule.threshold * 0.5)),
        ...quantiles(target(coolModel), () => rule.threshold * 0.9),
      ],
      expected: [
        {
          exp_labels: { severity: b.severity, env, namespace: ns, model: hotModel },
          exp_annotations: {
            summary: `Triton p95 latency high: ${hotModel}`,
            description: `The p95 request latency of ${where(hotModel)} is ${hotMs.toFixed(1)} ms, above ${rule.threshold} ms.`,
            runbook_url: b.runbook,
          },
        },
      ],
    });
  }

  // --- server down: a target reporting up == 0, and no target at all ------------------------
  {
    const rule = cfg.serverDown;
    const t = timeline(0, rule.for, 1);
    const b = base("TritonServerDown", rule.severity);
    const upLabels = (instance: string) => ({ instance, job, namespace: ns });
    const description = (instance: string) =>
      `The Triton metrics target ${instance} in ${ns} (env ${env}) has not been scraped successfully for ${rule.for}.`;
    scenarios.push({
      name: "TritonServerDown (target down)",
      alert: "TritonServerDown",
      activeFrom: 0,
      forSteps: t.forSteps,
      resolvedAt: t.resolvedAt,
      totalSteps: t.totalSteps,
      series: [
        {
          series: seriesName("up", upLabels("10.0.0.7:8002")),
          values: gauge(t.totalSteps, (k) => (k <= t.switchAt ? 0 : 1)),
        },
        {
          series: seriesName("up", upLabels("10.0.0.8:8002")),
          values: gauge(t.totalSteps, () => 1),
        },
        {
          series: seriesName("up", {
            instance: "10.9.9.9:8002",
            job,
            namespace: `${ns}-elsewhere`,
          }),
          values: gauge(t.totalSteps, () => 0),
        },
      ],
      expected: [
        {
          exp_labels: { severity: b.severity, env, ...upLabels("10.0.0.7:8002") },
          exp_annotations: {
            summary: `Triton is down in ${ns}`,
            description: description("10.0.0.7:8002"),
            runbook_url: b.runbook,
          },
        },
      ],
    });
    scenarios.push({
      name: "TritonServerDown (no target)",
      alert: "TritonServerDown",
      activeFrom: 0,
      forSteps: t.forSteps,
      resolvedAt: t.resolvedAt,
      totalSteps: t.totalSteps,
      series: [
        {
          series: seriesName("up", upLabels("10.0.0.7:8002")),
          values: gauge(t.totalSteps, (k) => (k <= t.switchAt ? undefined : 1)),
        },
      ],
      expected: [
        {
          exp_labels: {
            severity: b.severity,
            env,
            namespace: ns,
            ...(input.tritonJob === undefined ? {} : { job }),
          },
          exp_annotations: {
            summary: `Triton is down in ${ns}`,
            description: description("(none discovered)"),
            runbook_url: b.runbook,
          },
        },
      ],
    });
  }

  // --- model not serving: the stack's first model has no series until it is loaded ----------
  if (input.models.length > 0) {
    const rule = cfg.modelNotServing;
    const t = timeline(0, rule.for, 1);
    const b = base("TritonModelNotServing", rule.severity);
    // A series stays visible for Prometheus' 5m lookback after its last sample, so "absent" is
    // modelled as never having had a sample yet (a fresh model before its first deployment).
    scenarios.push({
      name: "TritonModelNotServing",
      alert: "TritonModelNotServing",
      activeFrom: 0,
      forSteps: t.forSteps,
      resolvedAt: t.resolvedAt,
      totalSteps: t.totalSteps,
      series: [
        {
          series: seriesName("nv_inference_request_success", target(hotModel)),
          values: gauge(t.totalSteps, (k) => (k <= t.switchAt ? undefined : 0)),
        },
        ...otherModels.map((m) => ({
          series: seriesName("nv_inference_request_success", target(m)),
          values: gauge(t.totalSteps, () => 0),
        })),
        // A model the stack does not deploy is not this alert's business.
        {
          series: seriesName("nv_inference_request_success", target("someone-elses-model")),
          values: gauge(t.totalSteps, () => 0),
        },
      ],
      expected: [
        {
          exp_labels: { severity: b.severity, env, namespace: ns, model: hotModel },
          exp_annotations: {
            summary: `Triton does not serve ${hotModel}`,
            description: `No version of ${where(hotModel)} is loaded: Triton has reported no nv_inference_request_success series for it for ${rule.for}. Models this stack deploys: ${input.models.map((m) => JSON.stringify(m)).join(", ")}.`,
            runbook_url: b.runbook,
          },
        },
      ],
    });
  }

  const at = (step: number) => `${step * stepSec}s`;
  return {
    rule_files: [rulesFile],
    evaluation_interval: `${stepSec}s`,
    tests: [
      ...scenarios.map((s) => {
        const fireStep = s.activeFrom + s.forSteps;
        const checks: { eval_time: string; alertname: string; exp_alerts: ExpectedAlert[] }[] = [];
        // Not before `for` has elapsed (only meaningful when `for` spans at least one step).
        if (s.forSteps > 0) {
          checks.push({ eval_time: at(fireStep - 1), alertname: s.alert, exp_alerts: [] });
        }
        checks.push({ eval_time: at(fireStep), alertname: s.alert, exp_alerts: s.expected });
        if (s.resolvedAt !== undefined) {
          checks.push({ eval_time: at(s.resolvedAt), alertname: s.alert, exp_alerts: [] });
        }
        return {
          name: s.name,
          interval: `${stepSec}s`,
          input_series: s.series,
          alert_rule_test: checks,
        };
      }),
      stagingScenario({ input, hotModel, target, stepSec }),
    ],
  };
}

/** The name of the promtool test in which a staging model is slow and failing. */
export const STAGING_TEST_NAME = "staging model: slow and failing, nothing fires";

/**
 * The staging model the core verifies candidates under (`<model>.staging`) gets traffic far above
 * every per-model threshold: mean latency, queue time, failure ratio and p95. Each per-model alert
 * is checked at the step where its scenario for a served model fires, and at the end: none may
 * fire. Without the staging exclusion in the rules every one of these checks fails.
 */
function stagingScenario(ctx: {
  readonly input: ObservabilityInput;
  readonly hotModel: string;
  readonly target: (model: string) => Record<string, string>;
  readonly stepSec: number;
}): object {
  const cfg = ctx.input.alerting.rules;
  const steps = (d: string) => durationSeconds(d) / ctx.stepSec;
  const fireSteps: [AlertName, number][] = [
    ["TritonMeanLatencyHigh", 1 + steps(cfg.meanLatency.for)],
    ["TritonHighErrorRate", 1 + steps(cfg.errorRatio.for)],
    ["TritonQueueLatencyHigh", 1 + steps(cfg.queueLatency.for)],
    ["TritonP95LatencyHigh", steps(cfg.p95Latency.for)],
  ];
  const totalSteps = Math.max(...fireSteps.map(([, step]) => step)) + 2;
  const labels = ctx.target(stagingModelName(ctx.hotModel));
  const total = 10_000;
  const ratio = Math.min(cfg.errorRatio.threshold * 2, (1 + cfg.errorRatio.threshold) / 2);
  const failed = Math.round(total * ratio);
  const succeeded = total - failed;
  const us = (ms: number) => ms * 1000;
  const series: SeriesSpec[] = [
    {
      series: seriesName("nv_inference_request_success", labels),
      values: counter(totalSteps, () => succeeded),
    },
    ...["BACKEND", "CANCELED", "OTHER", "REJECTED"].map((reason) => ({
      series: seriesName("nv_inference_request_failure", { ...labels, reason }),
      values: counter(totalSteps, () => (reason === "BACKEND" ? failed : 0)),
    })),
    {
      series: seriesName("nv_inference_request_duration_us", labels),
      values: counter(totalSteps, () => succeeded * us(cfg.meanLatency.threshold * 2)),
    },
    {
      series: seriesName("nv_inference_queue_duration_us", labels),
      values: counter(totalSteps, () => succeeded * us(cfg.queueLatency.threshold * 2)),
    },
    ...["0.5", "0.9", "0.95", "0.99"].map((quantile) => ({
      series: seriesName("nv_inference_request_summary_us", { ...labels, quantile }),
      values: gauge(totalSteps, () => us(cfg.p95Latency.threshold * 2)),
    })),
  ];
  const at = (step: number) => `${step * ctx.stepSec}s`;
  return {
    name: STAGING_TEST_NAME,
    interval: `${ctx.stepSec}s`,
    input_series: series,
    alert_rule_test: fireSteps.flatMap(([alertname, step]) => [
      { eval_time: at(step), alertname, exp_alerts: [] },
      { eval_time: at(totalSteps - 1), alertname, exp_alerts: [] },
    ]),
  };
}
