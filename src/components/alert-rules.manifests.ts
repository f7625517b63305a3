// Pure builder of the PrometheusRule object; the rule groups come from src/observability.
import type { Labels } from "../lib/labels";

export function buildPrometheusRule<N>(a: {
  name: string;
  namespace: N;
  labels: Labels;
  groups: readonly unknown[];
}) {
  return {
    apiVersion: "monitoring.coreos.com/v1" as const,
    kind: "PrometheusRule" as const,
    metadata: { name: a.name, namespace: a.namespace, labels: a.labels },
    spec: { groups: a.groups },
  };
}
