// Pure builder of the dashboard ConfigMap the environment's Grafana sidecar loads. The dashboard
// JSON comes from src/observability.
import type { Labels } from "../lib/labels";

export function buildDashboardConfigMap<N>(a: {
  name: string;
  namespace: N;
  labels: Labels;
  /** Sidecar label key and this environment's value (distinct per environment). */
  sidecarLabel: { key: string; value: string };
  fileName: string;
  dashboard: unknown;
}) {
  return {
    metadata: {
      name: a.name,
      namespace: a.namespace,
      labels: { ...a.labels, [a.sidecarLabel.key]: a.sidecarLabel.value },
    },
    data: { [a.fileName]: JSON.stringify(a.dashboard, null, 2) },
  };
}
