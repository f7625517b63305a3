// The Triton server of one environment: the restricted-API key Secret, the Deployment, its
// Service, the ServiceMonitor the environment's Prometheus selects, a PodDisruptionBudget when
// there are several replicas, and a NetworkPolicy.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { API_KEY_SECRET_KEY } from "../lib/names";
import {
  buildDeployment,
  buildNetworkPolicy,
  buildPodDisruptionBudget,
  buildService,
  buildServiceMonitor,
  type TritonObjectArgs,
} from "./triton-server.manifests";

/** The objects' inputs (TritonObjectArgs), plus what only the component handles. */
export interface TritonServerArgs extends TritonObjectArgs<pulumi.Input<string>> {
  /** The resource that creates the model repository claim (the Deployment waits for it). */
  readonly claim?: pulumi.Resource;
  /** Value of the restricted-API header (secret Output); only ever written to the Secret. */
  readonly apiKey: pulumi.Output<string>;
  /**
   * What the ServiceMonitor must wait for: the release that installs the monitoring CRDs (in the
   * stack that owns them), so its kind exists.
   */
  readonly serviceMonitorDependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class TritonServer extends pulumi.ComponentResource {
  public readonly apiKeySecret: k8s.core.v1.Secret;
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly service: k8s.core.v1.Service;
  public readonly serviceMonitor: k8s.apiextensions.CustomResource;
  public readonly podDisruptionBudget?: k8s.policy.v1.PodDisruptionBudget;
  public readonly networkPolicy?: k8s.networking.v1.NetworkPolicy;
  public readonly deploymentName: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  public readonly apiKeySecretName: pulumi.Output<string>;

  constructor(name: string, args: TritonServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("triton-serving:platform:TritonServer", name, {}, opts);
    const child = { parent: this };

    const { claim, apiKey, serviceMonitorDependsOn, ...objects } = args;

    this.apiKeySecret = new k8s.core.v1.Secret(
      `${name}-api-key`,
      {
        metadata: { name: args.apiKeySecretName, namespace: args.namespace, labels: args.labels },
        type: "Opaque",
        // stringData from the secret Output: Pulumi keeps it encrypted in state.
        stringData: { [API_KEY_SECRET_KEY]: apiKey },
      },
      child,
    );

    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      buildDeployment(objects),
      // The pods read the key at start and mount the claim: create both first.
      { parent: this, dependsOn: [this.apiKeySecret, ...(claim ? [claim] : [])] },
    );

    this.service = new k8s.core.v1.Service(`${name}-service`, buildService(objects), child);

    const sm = buildServiceMonitor(objects);
    this.serviceMonitor = new k8s.apiextensions.CustomResource(
      `${name}-service-monitor`,
      { apiVersion: sm.apiVersion, kind: sm.kind, metadata: sm.metadata, spec: sm.spec },
      { parent: this, dependsOn: serviceMonitorDependsOn ?? [] },
    );

    const pdb = buildPodDisruptionBudget(objects);
    if (pdb) {
      this.podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, pdb, child);
    }

    const netpol = buildNetworkPolicy(objects);
    if (netpol) {
      this.networkPolicy = new k8s.networking.v1.NetworkPolicy(
        `${name}-network-policy`,
        netpol,
        child,
      );
    }

    this.deploymentName = this.deployment.metadata.name;
    this.serviceName = this.service.metadata.name;
    this.apiKeySecretName = this.apiKeySecret.metadata.name;
    this.registerOutputs({
      deploymentName: this.deploymentName,
      serviceName: this.serviceName,
      apiKeySecretName: this.apiKeySecretName,
    });
  }
}
