// kube-prometheus-stack values for one stack's release (chart 88.x, pulumi-notes.md §4). Each
// Prometheus selects only its own release's ServiceMonitors/rules, and only in this stack's
// namespaces, so two releases in one cluster never scrape or alert on each other's Triton.
import { buildAlertmanagerConfig } from "./alertmanager-config";
import { GRAFANA_DASHBOARD_LABEL, type ObservabilityInput } from "./input";

type Values = Record<string, unknown>;

/** Selects objects labelled `release: <releaseName>` (what the chart's own objects carry). */
function releaseSelector(input: ObservabilityInput): Values {
  return { matchLabels: { release: input.releaseName } };
}

/**
 * Selects this stack's Triton namespace and the monitoring namespace (the chart's own
 * ServiceMonitors live there). `kubernetes.io/metadata.name` is set on every namespace by the API
 * server (Kubernetes ≥ 1.22), so no extra namespace labels are needed.
 */
function namespaceSelector(input: ObservabilityInput): Values {
  const names = [...new Set([input.tritonNamespace, input.monitoringNamespace])];
  return {
    matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: names }],
  };
}

function optional(key: string, value: string | undefined): Values {
  return value === undefined ? {} : { [key]: value };
}

export function buildChartValues(input: ObservabilityInput): Values {
  const m = input.monitoring;
  const selectors = {
    // Explicit selectors: the `…NilUsesHelmValues` flags only matter for empty selectors.
    serviceMonitorSelectorNilUsesHelmValues: false,
    serviceMonitorSelector: releaseSelector(input),
    serviceMonitorNamespaceSelector: namespaceSelector(input),
    podMonitorSelectorNilUsesHelmValues: false,
    podMonitorSelector: releaseSelector(input),
    podMonitorNamespaceSelector: namespaceSelector(input),
    probeSelectorNilUsesHelmValues: false,
    probeSelector: releaseSelector(input),
    probeNamespaceSelector: namespaceSelector(input),
    ruleSelectorNilUsesHelmValues: false,
    ruleSelector: releaseSelector(input),
    ruleNamespaceSelector: namespaceSelector(input),
  };

  return {
    // One operator and one set of CRDs per cluster; the other releases reuse them.
    crds: { enabled: m.crds },
    prometheusOperator: { enabled: m.prometheusOperator },
    nodeExporter: { enabled: m.nodeExporter },
    kubeStateMetrics: { enabled: m.kubeStateMetrics },
    defaultRules: { create: m.defaultRules ?? (m.nodeExporter || m.kubeStateMetrics) },
    prometheus: {
      enabled: true,
      prometheusSpec: {
        ...selectors,
        // Added to every alert this Prometheus sends: Alertmanager routes on it.
        externalLabels: { env: input.env },
        ...optional("retention", m.retention),
        ...optional("retentionSize", m.retentionSize),
        ...optional("scrapeInterval", m.scrapeInterval),
        ...optional("evaluationInterval", m.evaluationInterval),
        ...(m.prometheusPodLabels === undefined
          ? {}
          : { podMetadata: { labels: { ...m.prometheusPodLabels } } }),
        ...(m.storageSize === undefined
          ? {}
          : {
              storageSpec: {
                volumeClaimTemplate: {
                  spec: {
                    accessModes: ["ReadWriteOnce"],
                    resources: { requests: { storage: m.storageSize } },
                  },
                },
              },
            }),
      },
    },
    alertmanager: {
      enabled: true,
      config: buildAlertmanagerConfig(input),
      alertmanagerSpec: {
        // Mounted at /etc/alertmanager/secrets/<name>/<key>: the Slack URL is read from a file.
        secrets: [input.webhookSecret.name],
      },
    },
    grafana: m.grafana
      ? {
          enabled: true,
          sidecar: {
            dashboards: {
              enabled: true,
              label: input.dashboardLabel ?? GRAFANA_DASHBOARD_LABEL,
              // A distinct value per env and a namespace-scoped search: this Grafana loads only
              // this env's dashboards even when another env's Grafana runs in the same cluster.
              labelValue: input.dashboardLabelValue,
              searchNamespace: input.monitoringNamespace,
            },
          },
        }
      : { enabled: false },
  };
}
