// Maps the parsed stack config onto the observability input: the only file in this folder that
// knows the stack config's shape, so the builders stay usable with hand-made (test) inputs.
import type { StackConfig } from "../config/schema";
import {
  webhookSecretMount,
  webhookSecretName,
  type MonitoringChartOptions,
  type ObservabilityInput,
} from "./input";

export function observabilityInputFromConfig(config: StackConfig): ObservabilityInput {
  const mon = config.monitoring;
  const monitoring: MonitoringChartOptions = {
    // The operator and its CRDs go together: the release that runs one owns the other.
    prometheusOperator: mon.shared.operator,
    crds: mon.shared.operator,
    nodeExporter: mon.shared.nodeExporter,
    kubeStateMetrics: mon.shared.kubeStateMetrics,
    grafana: mon.grafana.enabled,
    defaultRules: mon.defaultRules,
    retention: mon.prometheus.retention,
    retentionSize: mon.prometheus.retentionSize,
    storageSize: mon.prometheus.storageSize,
    scrapeInterval: mon.prometheus.scrapeInterval,
    evaluationInterval: mon.prometheus.evaluationInterval,
    prometheusPodLabels: mon.prometheus.podLabels,
  };
  return {
    env: config.environment,
    tritonNamespace: config.namespace,
    monitoringNamespace: mon.namespace,
    releaseName: mon.releaseName,
    models: config.models.map((m) => m.name),
    alerting: config.alerting,
    dashboardLabelValue: mon.grafana.dashboardLabelValue,
    webhookSecret: webhookSecretMount(webhookSecretName(mon.releaseName)),
    monitoring,
  };
}
