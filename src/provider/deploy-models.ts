// The program side of model deployments: one ModelDeployment per configured model, with the
// MLflow alias resolved to an immutable version WHILE PREVIEWING and passed as an input. That is
// what makes the PR preview show `version: "12" => "13"` and makes `up` deploy exactly the
// previewed version even if the alias moves in between (design.md, "resolve"). A pinned version
// goes through the same resolution (it must exist and be READY) and gives the same inputs.
import * as pulumi from "@pulumi/pulumi";
import type { ModelConfig, StackConfig } from "../config/schema";
import { ModelDeployment } from "./model-deployment";
import type { ModelDeploymentInputs } from "./state";

/** What the preview needs from MLflow for one model. */
export interface ResolvedModelVersion {
  version: string;
  runId: string;
}

/** Resolves a model's alias or pinned version (the real one asks MLflow: resolve-model-version.ts). */
export type ModelVersionResolver = (model: ModelConfig) => pulumi.Input<ResolvedModelVersion>;

export interface DeployModelsOptions {
  /** Resolves alias/version → version + run id; called once per model while the program runs. */
  resolve: ModelVersionResolver;
  /** The Triton server component: a deployment needs the pods up before it can load anything. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
  /** This stack: the model repository must belong to it (core/repository/owner.ts). */
  repositoryOwner?: ModelDeploymentInputs["repositoryOwner"];
}

/** The stack outputs of one model (`pulumi stack output models`). */
export interface ModelStackOutputs {
  version: string;
  runId: string;
  sha256: string;
  committedAt: string;
}

export interface DeployedModels {
  deployments: ModelDeployment[];
  /** Keyed by Triton model name; one Output so it resolves as a whole stack output. */
  outputs: pulumi.Output<Record<string, ModelStackOutputs>>;
}

/** The inputs of one model's ModelDeployment, given its resolved version (pure; tested exactly). */
export function modelDeploymentInputs(
  config: StackConfig,
  model: ModelConfig,
  resolved: ResolvedModelVersion,
  repositoryOwner?: ModelDeploymentInputs["repositoryOwner"],
): ModelDeploymentInputs {
  return {
    modelName: model.name,
    repositoryRoot: config.storage.localMountPath,
    registeredModel: model.registeredModel,
    ...(model.alias !== undefined ? { alias: model.alias } : {}),
    version: resolved.version,
    runId: resolved.runId,
    tritonConfig: {
      maxBatchSize: model.maxBatchSize,
      // Left out in the stack config: left out here too (the core reads them from the ONNX
      // graph); an empty list would be a different, invalid config.
      ...(model.inputs !== undefined ? { inputs: model.inputs } : {}),
      ...(model.outputs !== undefined ? { outputs: model.outputs } : {}),
      instanceGroup: model.instanceGroup,
      ...(model.dynamicBatching !== undefined ? { dynamicBatching: model.dynamicBatching } : {}),
    },
    smoke: model.smoke,
    tritonEndpoints: config.deploy.tritonEndpoints,
    tritonAdminHeader: config.triton.adminHeader,
    mlflowTrackingUri: config.mlflow.trackingUri,
    ...(config.mlflow.username !== undefined ? { mlflowUsername: config.mlflow.username } : {}),
    timeouts: {
      tritonRequestMs: config.deploy.requestTimeoutMs,
      tritonLoadMs: config.deploy.loadTimeoutMs,
      tritonReadyMs: config.deploy.readyTimeoutMs,
      mlflowRequestMs: config.mlflow.requestTimeoutMs,
    },
    ...(repositoryOwner !== undefined ? { repositoryOwner } : {}),
  };
}

/** Registers one ModelDeployment per configured model and returns the per-model stack outputs. */
export function deployModels(config: StackConfig, options: DeployModelsOptions): DeployedModels {
  const deployments: ModelDeployment[] = [];
  const outputs: Record<string, pulumi.Output<ModelStackOutputs>> = {};
  for (const model of config.models) {
    // A rejected resolution fails the preview with the resolver's message (it names the
    // tracking URI and the model/alias); nothing is registered with a guessed version.
    const resolved = pulumi.output(options.resolve(model));
    // Everything but the version and run id comes straight from stack config.
    const known = modelDeploymentInputs(
      config,
      model,
      { version: "", runId: "" },
      options.repositoryOwner,
    );
    const deployment = new ModelDeployment(
      `model-${model.name}`,
      { ...known, version: resolved.version, runId: resolved.runId },
      { dependsOn: options.dependsOn },
    );
    deployments.push(deployment);
    outputs[model.name] = pulumi
      .all([deployment.version, deployment.runId, deployment.sha256, deployment.committedAt])
      .apply(([version, runId, sha256, committedAt]) => ({ version, runId, sha256, committedAt }));
  }
  return { deployments, outputs: pulumi.output(outputs) };
}
