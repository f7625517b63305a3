// Pure builder of the monitoring release's Helm arguments. The chart values themselves come from
// src/observability.
import type { StackConfig } from "../config/schema";

type Monitoring = StackConfig["monitoring"];

/**
 * helm.v3.Release arguments. `name` is explicit: without it the release (and therefore the
 * `release` label Prometheus selects on) would be `<resource name>-<random hex>`.
 */
export function buildReleaseArgs<N>(a: {
  monitoring: Monitoring;
  namespace: N;
  values: Record<string, unknown>;
}) {
  const m = a.monitoring;
  return {
    name: m.releaseName,
    namespace: a.namespace,
    chart: m.chart.name,
    version: m.chart.version,
    repositoryOpts: { repo: m.chart.repository },
    values: a.values,
    // The namespace is a Pulumi resource of this stack (labelled, shared with the rules).
    createNamespace: false,
    timeout: m.timeoutSeconds,
    cleanupOnFail: true,
    maxHistory: 10,
  };
}
