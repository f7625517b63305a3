// The environment's Grafana dashboard as a ConfigMap picked up by its Grafana's sidecar.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Labels } from "../lib/labels";
import { buildDashboardConfigMap } from "./dashboards.manifests";

export interface DashboardsArgs {
  readonly name: string;
  readonly namespace: pulumi.Input<string>;
  readonly labels: Labels;
  /** What the child object waits for (e.g. the release that installs the monitoring CRDs). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
  readonly sidecarLabel: { readonly key: string; readonly value: string };
  readonly fileName: string;
  /** From `buildDashboard` (src/observability). */
  readonly dashboard: unknown;
}

export class Dashboards extends pulumi.ComponentResource {
  public readonly configMap: k8s.core.v1.ConfigMap;

  constructor(name: string, args: DashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("triton-serving:platform:Dashboards", name, {}, opts);
    this.configMap = new k8s.core.v1.ConfigMap(
      `${name}-config-map`,
      buildDashboardConfigMap(args),
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    this.registerOutputs({ configMapName: this.configMap.metadata.name });
  }
}
