// What the observability builders need to know about one stack. Everything here is plain data so
// the same input can be built from the stack config (from-stack-config.ts) or by a test with
// short, test-only thresholds.
import {
  alertmanagerSecretPath,
  WEBHOOK_SECRET_KEYS,
  type AlertingConfig,
} from "../config/observability";

/**
 * How this release shares the cluster with other kube-prometheus-stack releases
 * (pulumi-notes.md §4 "Two releases in one cluster"): exactly one release runs the operator and
 * the CRDs; node-exporter (hostNetwork port 9100), kube-state-metrics and Grafana are run once
 * unless a release asks for its own.
 */
export interface MonitoringChartOptions {
  /** Run the prometheus-operator in this release (one operator per cluster). */
  readonly prometheusOperator: boolean;
  /** Install the monitoring.coreos.com CRDs with this release (one release per cluster). */
  readonly crds: boolean;
  /** Run node-exporter (a DaemonSet on hostNetwork port 9100: two releases would clash). */
  readonly nodeExporter: boolean;
  /** Run kube-state-metrics. */
  readonly kubeStateMetrics: boolean;
  /** Run a Grafana in this release (its dashboard sidecar then loads only this env's dashboards). */
  readonly grafana: boolean;
  /**
   * Install the chart's default Kubernetes alert rules. Default: only in the release that runs
   * node-exporter or kube-state-metrics, so cluster alerts are not raised twice.
   */
  readonly defaultRules?: boolean;
  /** Prometheus retention, e.g. `10d`; the chart default when absent. */
  readonly retention?: string;
  /** Prometheus size-based retention, e.g. `40GB`. */
  readonly retentionSize?: string;
  /** PVC size for Prometheus data; emptyDir when absent. */
  readonly storageSize?: string;
  /** Prometheus scrape interval, e.g. `30s`; the chart default when absent. */
  readonly scrapeInterval?: string;
  /** Prometheus rule evaluation interval, e.g. `30s`; the chart default when absent. */
  readonly evaluationInterval?: string;
  /** Labels of the Prometheus pods (Triton's NetworkPolicy admits pods with these labels). */
  readonly prometheusPodLabels?: Readonly<Record<string, string>>;
}

/** The Secret Alertmanager mounts (alertmanagerSpec.secrets) and where its keys appear as files. */
export interface WebhookSecretMount {
  /** Name of the Kubernetes Secret in the monitoring namespace. */
  readonly name: string;
  /** File holding the Slack incoming-webhook URL (Slack `api_url_file`). */
  readonly slackUrlFile: string;
  /** File holding the PagerDuty routing key (`routing_key_file`); used only when the pager is enabled. */
  readonly pagerRoutingKeyFile: string;
}

export interface ObservabilityInput {
  /** Value of the `env` label: alert label, Prometheus external label, Alertmanager route. */
  readonly env: string;
  /** Namespace Triton runs in (the `namespace` label of its series). */
  readonly tritonNamespace: string;
  /** Namespace of the kube-prometheus-stack release (ServiceMonitor/rules/dashboards live here too). */
  readonly monitoringNamespace: string;
  /** Helm release name: the `release` label Prometheus selects ServiceMonitors and rules by. */
  readonly releaseName: string;
  /** The Triton model names this stack deploys (TritonModelNotServing watches each). */
  readonly models: readonly string[];
  /** Thresholds, durations, routing and receivers. */
  readonly alerting: AlertingConfig;
  /** Value of the dashboard label this env's Grafana sidecar loads (distinct per env). */
  readonly dashboardLabelValue: string;
  /** Key of that label; {@link GRAFANA_DASHBOARD_LABEL} (the chart's default) when absent. */
  readonly dashboardLabel?: string;
  /** Where the Slack/pager secret is mounted in Alertmanager. */
  readonly webhookSecret: WebhookSecretMount;
  /** How this release shares the cluster. */
  readonly monitoring: MonitoringChartOptions;
  /**
   * Optional `job` label of Triton's scrape target (the Service name with a ServiceMonitor). When
   * absent, every target in the Triton namespace counts as Triton for TritonServerDown.
   */
  readonly tritonJob?: string;
}

/** The label key ConfigMaps carry for the Grafana dashboard sidecar (the chart's default). */
export const GRAFANA_DASHBOARD_LABEL = "grafana_dashboard";

/** The physical name of the Secret holding the webhook URL/routing key, in the monitoring namespace. */
export function webhookSecretName(releaseName: string): string {
  return `${releaseName}-alert-webhooks`;
}

/** The mount of `secretName` as the prometheus-operator lays it out under /etc/alertmanager/secrets. */
export function webhookSecretMount(secretName: string): WebhookSecretMount {
  return {
    name: secretName,
    slackUrlFile: alertmanagerSecretPath(secretName, WEBHOOK_SECRET_KEYS.slackWebhookUrl),
    pagerRoutingKeyFile: alertmanagerSecretPath(secretName, WEBHOOK_SECRET_KEYS.pagerRoutingKey),
  };
}
