// The Prometheus alert rules for one stack, as plain objects: the same `groups` list goes into a
// PrometheusRule's spec and, rendered as YAML, into the file `promtool` checks and tests.
import type { Severity } from "../config/observability";
import type { ObservabilityInput } from "./input";
import {
  eq,
  failureRatio,
  meanMsPerRequest,
  NOT_STAGING,
  p95Ms,
  quote,
  selector,
  TRITON_METRICS,
} from "./promql";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** Every alert this project defines; the runbook has one section per name. */
export const ALERT_NAMES = [
  "TritonMeanLatencyHigh",
  "TritonHighErrorRate",
  "TritonQueueLatencyHigh",
  "TritonP95LatencyHigh",
  "TritonServerDown",
  "TritonModelNotServing",
] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

/** The alerts about one model; TritonServerDown inhibits these in the same namespace. */
export const MODEL_ALERT_NAMES: readonly AlertName[] = ALERT_NAMES.filter(
  (a) => a !== "TritonServerDown",
);

/** Where the runbooks live in this repository; docs/runbooks.md has one section per alert. */
export const RUNBOOKS_PATH = "docs/runbooks.md";

/**
 * The runbook link of an alert: `#runbook-<alertname lower-cased>` is GitHub's anchor of the heading
 * `### Runbook: <AlertName>` in docs/runbooks.md. `baseUrl` is the repository's web page
 * (`<base>/blob/main/docs/runbooks.md#…`), or the runbooks page itself when it already names a
 * `.md` or `.html` file (a copy hosted elsewhere), which is then used as is.
 */
export function runbookUrl(baseUrl: string, alert: AlertName): string {
  const base = baseUrl.replace(/#.*$/, "").replace(/\/+$/, "");
  const page = /\.(md|html?)$/i.test(base) ? base : `${base}/blob/main/${RUNBOOKS_PATH}`;
  return `${page}#runbook-${alert.toLowerCase()}`;
}

export function buildRuleGroups(input: ObservabilityInput): RuleGroup[] {
  const { rules: cfg, runbookBaseUrl } = input.alerting;
  const ns = eq("namespace", input.tritonNamespace);
  // Staging models (the core's `<model>.staging`) carry smoke traffic only: never alert on them.
  const modelSel = selector([ns, NOT_STAGING]);
  const by = "namespace, model";
  const labels = (severity: Severity) => ({ severity, env: input.env });
  const where = `model {{ $labels.model }} in {{ $labels.namespace }} (env ${input.env})`;
  const annotations = (alert: AlertName, summary: string, description: string) => ({
    summary,
    description,
    runbook_url: runbookUrl(runbookBaseUrl, alert),
  });

  const servingRules: AlertRule[] = [
    {
      alert: "TritonMeanLatencyHigh",
      expr: `${meanMsPerRequest(TRITON_METRICS.requestDuration, modelSel, cfg.window, by)}\n> ${cfg.meanLatency.threshold}`,
      for: cfg.meanLatency.for,
      labels: labels(cfg.meanLatency.severity),
      annotations: annotations(
        "TritonMeanLatencyHigh",
        `Triton mean latency high: {{ $labels.model }}`,
        `Mean request latency of ${where} is {{ printf "%.1f" $value }} ms over ${cfg.window}, above ${cfg.meanLatency.threshold} ms.`,
      ),
    },
    {
      alert: "TritonHighErrorRate",
      expr: `${failureRatio(modelSel, cfg.window, by)}\n> ${cfg.errorRatio.threshold}`,
      for: cfg.errorRatio.for,
      labels: labels(cfg.errorRatio.severity),
      annotations: annotations(
        "TritonHighErrorRate",
        `Triton failure ratio high: {{ $labels.model }}`,
        `{{ $value | humanizePercentage }} of requests to ${where} failed in Triton over ${cfg.window}, above ${fmtPercent(cfg.errorRatio.threshold)}.`,
      ),
    },
    {
      alert: "TritonQueueLatencyHigh",
      expr: `${meanMsPerRequest(TRITON_METRICS.queueDuration, modelSel, cfg.window, by)}\n> ${cfg.queueLatency.threshold}`,
      for: cfg.queueLatency.for,
      labels: labels(cfg.queueLatency.severity),
      annotations: annotations(
        "TritonQueueLatencyHigh",
        `Triton queue time high: {{ $labels.model }}`,
        `Requests to ${where} wait {{ printf "%.1f" $value }} ms in the queue on average over ${cfg.window}, above ${cfg.queueLatency.threshold} ms.`,
      ),
    },
    {
      alert: "TritonP95LatencyHigh",
      expr: `${p95Ms(selector([ns, NOT_STAGING, eq("quantile", "0.95")]), by)}\n> ${cfg.p95Latency.threshold}`,
      for: cfg.p95Latency.for,
      labels: labels(cfg.p95Latency.severity),
      annotations: annotations(
        "TritonP95LatencyHigh",
        `Triton p95 latency high: {{ $labels.model }}`,
        `The p95 request latency of ${where} is {{ printf "%.1f" $value }} ms, above ${cfg.p95Latency.threshold} ms.`,
      ),
    },
  ];

  const upSel = selector(input.tritonJob === undefined ? [ns] : [ns, eq("job", input.tritonJob)]);
  const availabilityRules: AlertRule[] = [
    {
      alert: "TritonServerDown",
      // `absent` also covers "every pod is gone", where no `up` series is left to be 0.
      expr: `up${upSel} == 0\nor absent(up${upSel})`,
      for: cfg.serverDown.for,
      labels: labels(cfg.serverDown.severity),
      annotations: annotations(
        "TritonServerDown",
        `Triton is down in {{ $labels.namespace }}`,
        `The Triton metrics target {{ with $labels.instance }}{{ . }}{{ else }}(none discovered){{ end }} in {{ $labels.namespace }} (env ${input.env}) has not been scraped successfully for ${cfg.serverDown.for}.`,
      ),
    },
  ];
  if (input.models.length > 0) {
    availabilityRules.push({
      alert: "TritonModelNotServing",
      // Per-model series exist exactly while a version is loaded (triton-contract.md §5.5).
      // Stack model names cannot contain a dot, so `model="<m>"` never names a staging model;
      // NOT_STAGING is kept anyway so every per-model expression carries the same exclusion.
      expr: input.models
        .map(
          (m) => `absent(${TRITON_METRICS.success}${selector([ns, eq("model", m), NOT_STAGING])})`,
        )
        .join("\nor "),
      for: cfg.modelNotServing.for,
      labels: labels(cfg.modelNotServing.severity),
      annotations: annotations(
        "TritonModelNotServing",
        `Triton does not serve {{ $labels.model }}`,
        `No version of ${where} is loaded: Triton has reported no ${TRITON_METRICS.success} series for it for ${cfg.modelNotServing.for}. Models this stack deploys: ${input.models.map(quote).join(", ")}.`,
      ),
    });
  }

  return [
    { name: `triton-serving.${input.env}.serving`, rules: servingRules },
    { name: `triton-serving.${input.env}.availability`, rules: availabilityRules },
  ];
}

function fmtPercent(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))}%`;
}
