// The Grafana dashboard for one stack, loaded by the chart's Grafana sidecar from a ConfigMap.
// Queries use only Triton's own metrics (triton-contract.md §5), so every panel works with any
// Prometheus that scrapes Triton, and the e2e test can run each query against a real Prometheus.
import type { ObservabilityInput } from "./input";
import {
  eq,
  failureRatio,
  meanMsPerRequest,
  NOT_STAGING,
  p95Ms,
  selector,
  sumRate,
  TRITON_METRICS,
} from "./promql";

export interface DashboardTarget {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat: string;
  readonly datasource: { readonly type: "prometheus"; readonly uid: string };
  readonly instant?: boolean;
  readonly range?: boolean;
}

export interface DashboardPanel {
  readonly id: number;
  readonly type: "timeseries" | "stat";
  readonly title: string;
  readonly description: string;
  readonly datasource: { readonly type: "prometheus"; readonly uid: string };
  readonly gridPos: {
    readonly h: number;
    readonly w: number;
    readonly x: number;
    readonly y: number;
  };
  readonly fieldConfig: { readonly defaults: Record<string, unknown>; readonly overrides: [] };
  readonly options: Record<string, unknown>;
  readonly targets: readonly DashboardTarget[];
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly [key: string]: unknown;
  readonly templating: { readonly list: readonly Record<string, unknown>[] };
  readonly panels: readonly DashboardPanel[];
}

/** Grafana uids are at most 40 characters of [a-zA-Z0-9_-]; the same env always gives the same uid. */
export function dashboardUid(env: string): string {
  return `triton-serving-${env.replace(/[^a-zA-Z0-9_-]/g, "-")}`.slice(0, 40);
}

const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;

// Variable references as Grafana substitutes them; `$__rate_interval` is Grafana's own.
// Every per-model query also excludes staging models (the core's `<model>.staging`, which carry
// only smoke traffic): the `model` variable's "All" is `.*`, which would otherwise include them.
const MODEL_MATCHERS = ['namespace="$namespace"', 'model=~"$model"', NOT_STAGING];
const VERSION_MATCHER = 'version=~"$version"';
const MODEL_SEL = selector([...MODEL_MATCHERS, VERSION_MATCHER]);
const SERVER_SEL = selector(['namespace="$namespace"']);
const RANGE = "$__rate_interval";

interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly type: "timeseries" | "stat";
  readonly unit: string;
  readonly expr: string;
  readonly legend: string;
}

function panelSpecs(): PanelSpec[] {
  return [
    {
      title: "Requests per second",
      description: "Successful inference requests per second, per model and version.",
      type: "timeseries",
      unit: "reqps",
      expr: sumRate(TRITON_METRICS.success, MODEL_SEL, RANGE, "model, version"),
      legend: "{{model}} v{{version}}",
    },
    {
      title: "Mean latency",
      description:
        "Mean end-to-end request time in Triton (request duration / successful requests), per model.",
      type: "timeseries",
      unit: "ms",
      expr: meanMsPerRequest(TRITON_METRICS.requestDuration, MODEL_SEL, RANGE, "model"),
      legend: "{{model}}",
    },
    {
      title: "p95 latency",
      description:
        "p95 request latency from Triton's summary (needs --metrics-config summary_latencies=true); max over pods.",
      type: "timeseries",
      unit: "ms",
      expr: p95Ms(selector([...MODEL_MATCHERS, VERSION_MATCHER, eq("quantile", "0.95")]), "model"),
      legend: "{{model}}",
    },
    {
      title: "Queue time",
      description: "Mean time a request waits in Triton's scheduler queue, per model.",
      type: "timeseries",
      unit: "ms",
      expr: meanMsPerRequest(TRITON_METRICS.queueDuration, MODEL_SEL, RANGE, "model"),
      legend: "{{model}}",
    },
    {
      title: "Failure rate",
      description:
        "Failed / all requests counted by Triton. Execution failures only: HTTP 4xx (bad input) never reach this counter.",
      type: "timeseries",
      unit: "percentunit",
      expr: failureRatio(MODEL_SEL, RANGE, "model"),
      legend: "{{model}}",
    },
    {
      title: "CPU utilisation",
      description: "Triton's nv_cpu_utilization (0–1), per scrape target.",
      type: "timeseries",
      unit: "percentunit",
      expr: `max by (instance) (${TRITON_METRICS.cpuUtilization}${SERVER_SEL})`,
      legend: "{{instance}}",
    },
    {
      title: "Memory used",
      description: "Triton's nv_cpu_memory_used_bytes, per scrape target.",
      type: "timeseries",
      unit: "bytes",
      expr: `max by (instance) (${TRITON_METRICS.cpuMemoryUsed}${SERVER_SEL})`,
      legend: "{{instance}}",
    },
    {
      title: "Total inferences",
      description:
        "Inferences since the version was loaded (nv_inference_count: a batch of n counts n).",
      type: "stat",
      unit: "short",
      expr: `sum by (model) (${TRITON_METRICS.inferenceCount}${MODEL_SEL})`,
      legend: "{{model}}",
    },
    {
      title: "Serving version",
      description: "Model versions Triton has loaded (a series exists exactly while loaded).",
      type: "stat",
      unit: "none",
      // Every version (no $version filter): the panel shows which versions are loaded.
      expr: `count by (model, version) (${TRITON_METRICS.success}${selector(MODEL_MATCHERS)})`,
      legend: "{{model}} v{{version}}",
    },
  ];
}

function panel(spec: PanelSpec, index: number): DashboardPanel {
  const w = 8;
  const h = 8;
  const perRow = 24 / w;
  return {
    id: index + 1,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos: { h, w, x: (index % perRow) * w, y: Math.floor(index / perRow) * h },
    fieldConfig: { defaults: { unit: spec.unit }, overrides: [] },
    options:
      spec.type === "stat"
        ? {
            reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
            textMode: spec.title === "Serving version" ? "name" : "value_and_name",
          }
        : { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } },
    targets: [{ refId: "A", expr: spec.expr, legendFormat: spec.legend, datasource: DATASOURCE }],
  };
}

function queryVariable(name: string, label: string, query: string, multi: boolean) {
  return {
    type: "query",
    name,
    label,
    datasource: DATASOURCE,
    definition: query,
    query: { query, refId: `${name}-variable` },
    refresh: 2, // on time-range change: versions come and go with deployments
    sort: 1,
    multi,
    includeAll: multi,
    ...(multi ? { allValue: ".*" } : {}),
    hide: 0,
  };
}

export function buildDashboard(input: ObservabilityInput): Dashboard {
  const namespaceVar = queryVariable(
    "namespace",
    "Namespace",
    `label_values(${TRITON_METRICS.success}, namespace)`,
    false,
  );
  return {
    uid: dashboardUid(input.env),
    title: `Triton serving (${input.env})`,
    tags: ["triton", "triton-serving", input.env],
    editable: false,
    schemaVersion: 39,
    version: 1,
    timezone: "utc",
    refresh: "30s",
    time: { from: "now-3h", to: "now" },
    templating: {
      list: [
        {
          type: "datasource",
          name: "datasource",
          label: "Data source",
          query: "prometheus",
          regex: "",
          hide: 0,
          refresh: 1,
        },
        // Preselect this stack's namespace; the list still offers any other the datasource sees.
        {
          ...namespaceVar,
          current: { selected: true, text: input.tritonNamespace, value: input.tritonNamespace },
        },
        queryVariable(
          "model",
          "Model",
          `label_values(${TRITON_METRICS.success}${selector(['namespace="$namespace"', NOT_STAGING])}, model)`,
          true,
        ),
        queryVariable(
          "version",
          "Version",
          `label_values(${TRITON_METRICS.success}${selector(['namespace="$namespace"', 'model=~"$model"', NOT_STAGING])}, version)`,
          true,
        ),
      ],
    },
    panels: panelSpecs().map(panel),
  };
}
