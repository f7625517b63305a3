// zod sub-schemas for alerting: thresholds, `for` durations, Alertmanager routing and receivers.
// Imported by the main stack schema (src/config/schema.ts) as the `alerting` key. The defaults are
// generic on purpose: per-environment values live in the stack files, never in code.
import { z } from "zod";

/** A Prometheus duration such as `30s`, `5m`, `1h30m` (the syntax `for:` and range selectors accept). */
const DURATION = "a Prometheus duration such as 30s, 5m or 1h30m";
export const PromDurationSchema = z
  .string({ error: DURATION })
  // Every unit optional, but not all absent: "" is refused by the lookahead.
  .regex(/^(?=.)((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/, {
    error: DURATION,
    abort: true,
  });

/** A duration above zero: a rate window, group_interval and repeat_interval cannot be 0. */
export const PositivePromDurationSchema = PromDurationSchema.refine((d) => /[1-9]/.test(d), {
  error: "a Prometheus duration above zero, such as 30s or 5m",
});

export const SeveritySchema = z
  .enum(["critical", "warning", "info"], { error: 'one of: "critical", "warning", "info"' })
  .describe(
    "Value of the alert's `severity` label; `critical` also pages when a pager is configured.",
  );

const thresholdAlert = (opts: {
  what: string;
  unit: string;
  threshold: number;
  forDuration: string;
  severity: "critical" | "warning";
}) =>
  z
    .strictObject({
      threshold: z
        .number({ error: "a number > 0" })
        .positive({ error: "a number > 0" })
        .default(opts.threshold)
        .describe(`Fire when ${opts.what} is above this value (${opts.unit}).`),
      for: PromDurationSchema.default(opts.forDuration).describe(
        "How long the condition must hold before the alert fires (Prometheus `for`).",
      ),
      severity: SeveritySchema.default(opts.severity),
    })
    .prefault({});

const presenceAlert = (opts: { what: string; forDuration: string }) =>
  z
    .strictObject({
      for: PromDurationSchema.default(opts.forDuration).describe(
        `How long ${opts.what} before the alert fires (Prometheus \`for\`).`,
      ),
      severity: SeveritySchema.default("critical"),
    })
    .prefault({});

export const AlertRulesConfigSchema = z
  .strictObject({
    window: PositivePromDurationSchema.default("5m").describe(
      "Range over which rates are taken for the mean latency, queue time and error ratio alerts.",
    ),
    meanLatency: thresholdAlert({
      what: "the mean request latency per model over `window` (nv_inference_request_duration_us / nv_inference_request_success)",
      unit: "milliseconds",
      threshold: 500,
      forDuration: "5m",
      severity: "warning",
    }).describe("Alert TritonMeanLatencyHigh: mean request latency per model."),
    errorRatio: thresholdAlert({
      what: "failures / (successes + failures) per model over `window`",
      unit: "ratio 0..1",
      threshold: 0.05,
      forDuration: "5m",
      severity: "critical",
    })
      .refine((a) => a.threshold < 1, {
        error: "a threshold below 1 (the error ratio is a fraction of requests)",
        path: ["threshold"],
      })
      .describe("Alert TritonHighErrorRate: share of requests Triton failed, per model."),
    queueLatency: thresholdAlert({
      what: "the mean time a request waits in the scheduler queue per model over `window`",
      unit: "milliseconds",
      threshold: 100,
      forDuration: "5m",
      severity: "warning",
    }).describe("Alert TritonQueueLatencyHigh: mean scheduler queue time per model."),
    p95Latency: thresholdAlert({
      what: 'the p95 request latency per model (nv_inference_request_summary_us{quantile="0.95"}; needs --metrics-config summary_latencies=true)',
      unit: "milliseconds",
      threshold: 1000,
      forDuration: "10m",
      severity: "warning",
    }).describe("Alert TritonP95LatencyHigh: p95 request latency per model."),
    serverDown: presenceAlert({
      what: "a Triton scrape target must be down (or absent)",
      forDuration: "2m",
    }).describe("Alert TritonServerDown: a Triton metrics target is down or gone."),
    modelNotServing: presenceAlert({
      what: "a model this stack deploys must have no metric series",
      forDuration: "5m",
    }).describe("Alert TritonModelNotServing: a model of this stack has no loaded version."),
  })
  .prefault({});

export const SlackConfigSchema = z
  .strictObject({
    channel: z
      .string({ error: "a Slack channel such as #triton-alerts" })
      .regex(/^[#@]?[\w.-]+$/, { error: "a Slack channel such as #triton-alerts" })
      .default("#triton-alerts")
      .describe(
        "Slack channel this environment's alerts go to. The webhook URL is a secret mounted into Alertmanager (api_url_file), never inline.",
      ),
    sendResolved: z
      .boolean({ error: "true or false" })
      .default(true)
      .describe("Also post a message when an alert resolves."),
  })
  .prefault({});

export const PagerConfigSchema = z
  .strictObject({
    enabled: z
      .boolean({ error: "true or false" })
      .default(false)
      .describe(
        "Send critical alerts of this environment to PagerDuty (Events API v2) as well as to Slack. The routing key comes from the webhook Secret.",
      ),
    url: z
      .url({ protocol: /^https?$/, error: "an http(s) URL" })
      .default("https://events.pagerduty.com/v2/enqueue")
      .describe("PagerDuty Events API v2 endpoint."),
  })
  .prefault({});

export const RoutingConfigSchema = z
  .strictObject({
    groupBy: z
      .array(z.string().min(1, { error: "a label name" }), { error: "a list of label names" })
      .min(1, { error: "at least one label name" })
      .default(["alertname", "env", "namespace", "model"])
      .describe("Labels Alertmanager groups notifications by."),
    groupWait: PromDurationSchema.default("30s").describe(
      "How long Alertmanager waits to batch the first notification of a new group.",
    ),
    groupInterval: PositivePromDurationSchema.default("5m").describe(
      "How long Alertmanager waits before notifying about new alerts added to a group.",
    ),
    repeatInterval: PositivePromDurationSchema.default("4h").describe(
      "How long Alertmanager waits before re-sending a notification for a still-firing group.",
    ),
  })
  .prefault({});

export const AlertingConfigSchema = z
  .strictObject({
    runbookBaseUrl: z
      .url({ protocol: /^https?$/, error: "an http(s) URL" })
      .default("https://github.com/triton-serving/triton-serving")
      .describe(
        "Web page of this repository; each alert's runbook_url is `<runbookBaseUrl>/blob/main/docs/runbooks.md#runbook-<alertname in lower case>`. A URL ending in .md or .html is taken as the runbooks page itself.",
      ),
    rules: AlertRulesConfigSchema.describe("Thresholds, durations and severities of the alerts."),
    routing: RoutingConfigSchema.describe("Alertmanager grouping and timing."),
    slack: SlackConfigSchema.describe("The Slack receiver of this environment."),
    pager: PagerConfigSchema.describe("The optional pager receiver for critical alerts."),
  })
  .prefault({});

export type AlertingConfig = z.infer<typeof AlertingConfigSchema>;
export type AlertRulesConfig = z.infer<typeof AlertRulesConfigSchema>;
export type Severity = z.infer<typeof SeveritySchema>;

/**
 * Keys of the Kubernetes Secret (created by the alerting component) that Alertmanager mounts.
 * The files under /etc/alertmanager/secrets/<secret>/ carry these names.
 */
export const WEBHOOK_SECRET_KEYS = {
  slackWebhookUrl: "slack-webhook-url",
  pagerRoutingKey: "pager-routing-key",
} as const;

/** Where the prometheus-operator mounts a key of a Secret listed in alertmanagerSpec.secrets. */
export function alertmanagerSecretPath(secretName: string, key: string): string {
  return `/etc/alertmanager/secrets/${secretName}/${key}`;
}
