// The ModelDeployment resource: one model deployed from MLflow to Triton through the deployment
// transaction (design.md). Type token: `pulumi-nodejs:dynamic/triton-serving:ModelDeployment`.
//
// Deleting it (removing the model from the stack, or `pulumi destroy`) UNLOADS the model from
// Triton and KEEPS its files: `<root>/<model>/` with config.pbtxt, current.json, history.jsonl and
// the version directories stay on the NFS export, so the history survives and a re-added model
// reuses the verified files. Remove the directory by hand if the model is really gone.
import * as pulumi from "@pulumi/pulumi";
import { modelDeploymentProvider } from "./provider";
import type { ModelDeploymentInputs } from "./state";

export type ModelDeploymentArgs = {
  [K in keyof ModelDeploymentInputs]: pulumi.Input<ModelDeploymentInputs[K]>;
};

export class ModelDeployment extends pulumi.dynamic.Resource {
  // `declare`, not fields: a class field would shadow the output the base class sets
  // (pulumi-notes §1.11). Each key is also seeded with `undefined` in the props below.
  declare readonly modelName: pulumi.Output<string>;
  declare readonly version: pulumi.Output<string>;
  declare readonly runId: pulumi.Output<string>;
  declare readonly sha256: pulumi.Output<string>;
  declare readonly committedAt: pulumi.Output<string>;
  declare readonly previousVersion: pulumi.Output<string>;
  declare readonly servedVersion: pulumi.Output<string>;
  declare readonly tritonConfigDigest: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<string[]>;
  declare readonly stateVersion: pulumi.Output<number>;

  constructor(name: string, args: ModelDeploymentArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      modelDeploymentProvider,
      name,
      {
        ...args,
        sha256: undefined,
        committedAt: undefined,
        previousVersion: undefined,
        servedVersion: undefined,
        tritonConfigDigest: undefined,
        drift: undefined,
        stateVersion: undefined,
      },
      opts,
      "triton-serving",
      "ModelDeployment",
    );
  }
}
