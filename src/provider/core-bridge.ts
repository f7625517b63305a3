// Maps ModelDeployment inputs + provider secrets onto the deployment core's public API
// (src/core/index.ts) and its results back onto what the provider records. No deployment logic:
// deploy, status and unload are the core's.
import {
  createProgressFormatter,
  deployModel,
  modelPaths,
  readModelStatus,
  unloadModel,
  type CommittedPointer,
  type DeployEnvironment,
  type DeploymentResult,
  type DeployRequest,
} from "../core";
import { sha256File } from "../core/repository";
import { mlflowClientOptions } from "./mlflow-options";
import type { ProviderSecrets } from "./secrets";
import type { ModelDeploymentInputs } from "./state";
import { writeBackAfterDeploy } from "./write-back";

/** What a successful deployment adds to the resource's outputs. */
export interface DeployOutcome {
  sha256: string;
  committedAt: string;
  previousVersion: string;
  servedVersion: string;
  tritonConfigDigest: string;
}

/** What a refresh learns about a model. */
export interface ModelStatusView {
  committed:
    | {
        version: string;
        runId: string | undefined;
        sha256: string | undefined;
        committedAt: string | undefined;
        previousVersion: string | undefined;
      }
    | undefined;
  /** sha256 of the committed config.pbtxt; undefined when there is none. */
  configDigest: string | undefined;
  served: { endpoint: string; readyVersions: string[]; error?: string }[];
}

/** The core's environment for these inputs: where, which Triton pods, which MLflow, credentials. */
export function environmentFor(
  secrets: ProviderSecrets | undefined,
  inputs: Pick<
    ModelDeploymentInputs,
    | "repositoryRoot"
    | "tritonEndpoints"
    | "tritonAdminHeader"
    | "mlflowTrackingUri"
    | "mlflowUsername"
    | "timeouts"
    | "repositoryOwner"
  >,
  env: NodeJS.ProcessEnv = process.env,
  purpose: "deploy" | "triton-only" = "deploy",
): DeployEnvironment {
  return {
    repositoryRoot: inputs.repositoryRoot,
    tritonEndpoints: inputs.tritonEndpoints,
    ...(secrets?.tritonApiKey !== undefined && inputs.tritonAdminHeader !== ""
      ? { restrictedApi: { header: inputs.tritonAdminHeader, value: secrets.tritonApiKey } }
      : {}),
    // Refresh and delete talk only to Triton and the files; state from an older provider may not
    // even know the tracking URI, so MLflow options are built (and validated) only to deploy.
    mlflow:
      purpose === "deploy"
        ? mlflowClientOptions(
            {
              trackingUri: inputs.mlflowTrackingUri,
              username: inputs.mlflowUsername,
              timeoutMs: inputs.timeouts.mlflowRequestMs,
            },
            secrets,
            env,
          )
        : { trackingUri: inputs.mlflowTrackingUri },
    timeouts: {
      requestMs: inputs.timeouts.tritonRequestMs,
      loadMs: inputs.timeouts.tritonLoadMs,
      readyMs: inputs.timeouts.tritonReadyMs,
    },
    owner: `pulumi:${env.USER ?? "unknown"}`,
    ...(inputs.repositoryOwner !== undefined ? { repositoryOwner: inputs.repositoryOwner } : {}),
  };
}

/** The core's request for these inputs. */
export function requestFor(inputs: ModelDeploymentInputs): DeployRequest {
  const config = inputs.tritonConfig;
  return {
    model: inputs.modelName,
    registeredModel: inputs.registeredModel,
    version: inputs.version,
    ...(inputs.alias !== undefined ? { alias: inputs.alias } : {}),
    ...(inputs.runId !== "" ? { expectedRunId: inputs.runId } : {}),
    maxBatchSize: config.maxBatchSize,
    // Absent stays absent: the core then takes them from the ONNX graph.
    ...(config.inputs !== undefined ? { inputs: config.inputs as DeployRequest["inputs"] } : {}),
    ...(config.outputs !== undefined
      ? { outputs: config.outputs as DeployRequest["outputs"] }
      : {}),
    instanceGroup: config.instanceGroup as NonNullable<DeployRequest["instanceGroup"]>,
    ...(config.dynamicBatching !== undefined ? { dynamicBatching: config.dynamicBatching } : {}),
    smoke: inputs.smoke,
  };
}

/** Run the core's transaction; progress goes to `writeLine` (what `pulumi up` shows). */
export async function deployWithCore(
  secrets: ProviderSecrets | undefined,
  inputs: ModelDeploymentInputs,
  writeLine: (line: string) => void,
): Promise<DeployOutcome> {
  const env = environmentFor(secrets, inputs);
  // One structured line per finished step (the host's stdout is not a terminal).
  const onProgress = createProgressFormatter(
    { write: (text) => writeLine(text.replace(/\n$/, "")) },
    { tty: false },
  );
  let result: DeploymentResult;
  try {
    result = await deployModel(env, requestFor(inputs), { onProgress });
  } catch (error) {
    // The transaction has decided (rolled back); the registry hears of it, then up fails as before.
    await writeBackAfterDeploy(secrets, env, inputs, { error }, writeLine);
    throw error;
  }
  const status = await modelStatus(secrets, inputs);
  const committed = status.committed;
  if (committed === undefined || committed.version !== inputs.version) {
    throw new Error(
      `deploy of model '${inputs.modelName}' version ${inputs.version} reported '${result.outcome}' ` +
        `but current.json names ${committed === undefined ? "no version" : `version ${committed.version}`}`,
    );
  }
  writeLine(
    `model=${inputs.modelName} step=deploy status=${result.outcome} version=${inputs.version}` +
      (result.fromVersion !== undefined ? ` from=${result.fromVersion}` : ""),
  );
  await writeBackAfterDeploy(
    secrets,
    env,
    inputs,
    {
      result,
      ...(committed.committedAt !== undefined ? { committedAt: committed.committedAt } : {}),
    },
    writeLine,
  );
  return {
    sha256: committed.sha256 ?? result.sha256 ?? "",
    committedAt: committed.committedAt ?? "",
    previousVersion: committed.previousVersion ?? "",
    servedVersion: servedVersionOf(status.served),
    tritonConfigDigest: status.configDigest ?? "",
  };
}

/**
 * What Triton serves over all endpoints, for the `servedVersion` output: "13" when all agree,
 * "13 | 12" when they differ, "" when nothing is served, "?" for an endpoint that did not answer.
 */
export function servedVersionOf(served: ModelStatusView["served"]): string {
  const distinct = new Set(
    served.map((s) => (s.error !== undefined ? "?" : s.readyVersions.join(","))),
  );
  return [...distinct].join(" | ");
}

/** current.json, config.pbtxt digest and what each endpoint serves. Read-only. */
export async function modelStatus(
  secrets: ProviderSecrets | undefined,
  inputs: ModelDeploymentInputs,
): Promise<ModelStatusView> {
  // readModelStatus refuses a missing repository root (assertRepositoryRoot) before anything else.
  const env = environmentFor(secrets, inputs, process.env, "triton-only");
  const status = await readModelStatus(env, inputs.modelName);
  return {
    committed: status.committed === undefined ? undefined : committedView(status.committed),
    // No config.pbtxt (never deployed, or removed by hand): no digest to compare.
    configDigest: await sha256File(
      modelPaths(inputs.repositoryRoot, inputs.modelName).config,
    ).catch(() => undefined),
    served: status.served,
  };
}

/** Unload from every endpoint; the core keeps every file (see src/core/index.ts unloadModel). */
export async function unloadFromTriton(
  secrets: ProviderSecrets | undefined,
  inputs: ModelDeploymentInputs,
): Promise<void> {
  // unloadModel refuses a missing repository root (assertRepositoryRoot) before taking the lock.
  await unloadModel(environmentFor(secrets, inputs, process.env, "triton-only"), inputs.modelName);
}

function committedView(pointer: CommittedPointer): NonNullable<ModelStatusView["committed"]> {
  return {
    version: pointer.activeVersion,
    runId: pointer.runId,
    sha256: pointer.sha256,
    committedAt: pointer.updatedAtUtc,
    previousVersion: pointer.previousVersion,
  };
}
