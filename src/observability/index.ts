// Observability content for one stack, as plain data (no Pulumi): rule groups, Alertmanager
// config, Grafana dashboard and kube-prometheus-stack values. Components turn these into
// Kubernetes objects; `npm run render` writes them to files; tests run them through the real tools.
export {
  GRAFANA_DASHBOARD_LABEL,
  webhookSecretMount,
  webhookSecretName,
  type MonitoringChartOptions,
  type ObservabilityInput,
  type WebhookSecretMount,
} from "./input";
export {
  ALERT_NAMES,
  MODEL_ALERT_NAMES,
  RUNBOOKS_PATH,
  buildRuleGroups,
  runbookUrl,
  type AlertName,
  type AlertRule,
  type RuleGroup,
} from "./rule-groups";
export {
  NULL_RECEIVER,
  buildAlertmanagerConfig,
  pagerReceiverName,
  slackReceiverName,
  type AlertmanagerConfig,
  type AlertmanagerReceiver,
  type AlertmanagerRoute,
} from "./alertmanager-config";
export { buildDashboard, dashboardUid, type Dashboard, type DashboardPanel } from "./dashboard";
export { buildChartValues } from "./chart-values";
export { NOT_STAGING, STAGING_MODEL_PATTERN } from "./promql";
export { observabilityInputFromConfig } from "./from-stack-config";
export { WEBHOOK_SECRET_KEYS, alertmanagerSecretPath } from "../config/observability";
export {
  RENDERED_FILE_NAMES,
  renderObservabilityFiles,
  toYaml,
  type RenderedFileName,
} from "./render-files";
