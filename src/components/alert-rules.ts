// The environment's alert rules as a PrometheusRule, labelled for (and only for) the
// environment's Prometheus: its `release` label.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Labels } from "../lib/labels";
import { buildPrometheusRule } from "./alert-rules.manifests";

export interface AlertRulesArgs {
  readonly name: string;
  readonly namespace: pulumi.Input<string>;
  /** Must include `release: <monitoring release>`. */
  readonly labels: Labels;
  /** What the child object waits for (e.g. the release that installs the monitoring CRDs). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** From `buildRuleGroups` (src/observability). */
  readonly groups: readonly unknown[];
}

export class AlertRules extends pulumi.ComponentResource {
  public readonly prometheusRule: k8s.apiextensions.CustomResource;

  constructor(name: string, args: AlertRulesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("triton-serving:platform:AlertRules", name, {}, opts);
    const rule = buildPrometheusRule(args);
    this.prometheusRule = new k8s.apiextensions.CustomResource(
      `${name}-prometheus-rule`,
      { apiVersion: rule.apiVersion, kind: rule.kind, metadata: rule.metadata, spec: rule.spec },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    this.registerOutputs({ prometheusRuleName: this.prometheusRule.metadata.name });
  }
}
