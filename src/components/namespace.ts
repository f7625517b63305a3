// One Kubernetes namespace of an environment, labelled env / part-of / managed-by.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildNamespaceMetadata } from "./namespace.manifests";

export interface NamespaceArgs {
  /** Namespace name (from stack config). */
  readonly name: string;
  /** Value of the `env` label. */
  readonly environment: string;
}

export class Namespace extends pulumi.ComponentResource {
  public readonly namespace: k8s.core.v1.Namespace;
  /** The namespace's name, resolved once it exists (use it to order dependants). */
  public readonly namespaceName: pulumi.Output<string>;

  constructor(name: string, args: NamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("triton-serving:platform:Namespace", name, {}, opts);
    this.namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: buildNamespaceMetadata(args.name, args.environment) },
      { parent: this },
    );
    this.namespaceName = this.namespace.metadata.name;
    this.registerOutputs({ namespaceName: this.namespaceName });
  }
}
