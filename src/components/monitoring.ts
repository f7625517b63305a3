// The monitoring stack of one environment: kube-prometheus-stack as a Helm release with generated
// values, and the Secret holding the alert webhooks that the release's Alertmanager mounts.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/schema";
import type { Labels } from "../lib/labels";
import { buildReleaseArgs } from "./monitoring.manifests";

export interface MonitoringArgs {
  /** Namespace of the release (pass the Namespace component's output). */
  readonly namespace: pulumi.Input<string>;
  readonly monitoring: StackConfig["monitoring"];
  /** Chart values, from `buildChartValues` (src/observability). */
  readonly values: Record<string, unknown>;
  readonly labels: Labels;
  /** The Secret Alertmanager mounts: its name and its keys as secret Outputs. */
  readonly webhookSecret: {
    readonly name: string;
    readonly data: Readonly<Record<string, pulumi.Output<string>>>;
  };
}

export class Monitoring extends pulumi.ComponentResource {
  public readonly webhookSecret: k8s.core.v1.Secret;
  public readonly release: k8s.helm.v3.Release;
  public readonly releaseName: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("triton-serving:platform:Monitoring", name, {}, opts);

    this.webhookSecret = new k8s.core.v1.Secret(
      `${name}-webhooks`,
      {
        metadata: {
          name: args.webhookSecret.name,
          namespace: args.namespace,
          labels: args.labels,
        },
        type: "Opaque",
        stringData: { ...args.webhookSecret.data },
      },
      { parent: this },
    );

    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      buildReleaseArgs({
        monitoring: args.monitoring,
        namespace: args.namespace,
        values: args.values,
      }),
      // Alertmanager mounts the Secret: without it its pod never starts and the release times out.
      { parent: this, dependsOn: [this.webhookSecret] },
    );

    this.releaseName = this.release.name;
    this.registerOutputs({ releaseName: this.releaseName });
  }
}
