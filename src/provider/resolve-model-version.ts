// Resolves a configured model's MLflow alias (or pinned version) to an immutable version while the
// program runs — i.e. during `pulumi preview` — through the core's MLflow client.
import type * as pulumi from "@pulumi/pulumi";
import type { ModelConfig, StackConfig } from "../config/schema";
import type { StackSecrets } from "../config/load";
import { MlflowClient } from "../core/mlflow";
import { mlflowClientOptions } from "./mlflow-options";
import type { ResolvedModelVersion } from "./deploy-models";

/** MLflow credentials in plain text, only ever held inside an `apply`. */
export interface MlflowCredentials {
  token?: string | undefined;
  password?: string | undefined;
}

/**
 * Resolve one model against MLflow. Fails with a message naming the tracking URI, the model and
 * the alias or version, and MLflow's own reason (unreachable, alias not found, not READY…).
 */
export async function resolveModelVersion(
  config: StackConfig,
  model: ModelConfig,
  credentials: MlflowCredentials,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedModelVersion> {
  const selector =
    model.alias !== undefined ? { alias: model.alias } : { version: model.version ?? "" };
  const what =
    model.alias !== undefined ? `alias '${model.alias}'` : `pinned version ${model.version}`;
  const client = new MlflowClient({
    ...mlflowClientOptions(
      {
        trackingUri: config.mlflow.trackingUri,
        username: config.mlflow.username,
        timeoutMs: config.mlflow.requestTimeoutMs,
      },
      {
        mlflowTrackingToken: nonEmpty(credentials.token) ?? nonEmpty(env.MLFLOW_TRACKING_TOKEN),
        mlflowTrackingPassword:
          nonEmpty(credentials.password) ?? nonEmpty(env.MLFLOW_TRACKING_PASSWORD),
      },
      env,
    ),
    // A preview should fail within seconds when MLflow is down, not after minutes of backoff.
    retry: { maxAttempts: 3, baseDelayMs: 250 },
  });
  try {
    const resolved = await client.resolveVersion(model.registeredModel, selector);
    return { version: resolved.version, runId: resolved.runId };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `cannot resolve model '${model.name}' (MLflow registered model '${model.registeredModel}', ` +
        `${what}) at MLflow ${client.trackingUri}: ${reason}; expected a reachable tracking ` +
        `server where that ${model.alias !== undefined ? "alias" : "version"} exists (the preview resolves it to the version that \`up\` deploys)`,
    );
  } finally {
    await client.close();
  }
}

/**
 * The resolver the program uses: MLflow credentials come from the stack's secret config (else the
 * standard MLFLOW_TRACKING_* variables). A plain Promise, not an Output: the resolved version is
 * not secret (the preview must show `version: "12" => "13"`, not `[secret]`), and the program
 * resolves every model before it registers anything (resolve-gate.ts).
 */
export function mlflowResolver(
  config: StackConfig,
  secrets: Pick<StackSecrets, "mlflowTrackingToken" | "mlflowTrackingPassword">,
): (model: ModelConfig) => Promise<ResolvedModelVersion> {
  const credentials = Promise.all([
    valueOf(secrets.mlflowTrackingToken),
    valueOf(secrets.mlflowTrackingPassword),
  ]);
  return async (model) => {
    const [token, password] = await credentials;
    return resolveModelVersion(config, model, { token, password });
  };
}

/** The plain value of a config secret (known in preview and up alike: it comes from the stack). */
function valueOf(secret: pulumi.Output<string> | undefined): Promise<string | undefined> {
  if (secret === undefined) return Promise.resolve(undefined);
  return new Promise((resolve) => secret.apply((value) => resolve(value)));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
