// The credentials the provider needs, read inside the dynamic-provider host by `configure`.
//
// Why here and not in the inputs: inputs and outputs are stored in Pulumi state, and the engine
// sends them to this host in plain text (it declares acceptSecrets=false, pulumi-notes §1.6);
// outputs derived from secret config are stored in plain text too. So secrets never travel as
// inputs: the engine passes the full stack config to `configure` (secret values unwrapped), and
// the standard environment variables work as well (CI runners, the sandbox).
import { SECRET_KEYS } from "../config/schema";

export interface ProviderSecrets {
  /** Value of Triton's restricted-API header (`triton.adminHeader`). */
  tritonApiKey: string | undefined;
  mlflowTrackingToken: string | undefined;
  mlflowTrackingPassword: string | undefined;
  /**
   * Not a secret, but read the same way (stack config, in `configure`): MLflow write-back after a
   * deployment (stack `mlflow.writeBack`, on by default), tagged with the stack's `environment`.
   * Absent when write-back is off or the config names no environment. Not an input on purpose:
   * a new input would change every existing ModelDeployment's state and show a diff.
   */
  writeBack?: { environment: string };
}

/** The stack config keys (project namespace) the provider reads; each has an environment fallback. */
export const PROVIDER_SECRET_KEYS = [
  "tritonApiKey",
  "mlflowTrackingToken",
  "mlflowTrackingPassword",
] as const satisfies readonly (keyof ProviderSecrets & keyof typeof SECRET_KEYS)[];

/**
 * Read each secret from stack config (`get(key)` resolves `triton-serving:<key>`), else from its
 * environment variable (TRITON_API_KEY, MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_PASSWORD).
 */
export function readProviderSecrets(
  get: (key: string) => string | undefined,
  env: NodeJS.ProcessEnv,
): ProviderSecrets {
  const read = (key: (typeof PROVIDER_SECRET_KEYS)[number]) => {
    const fromConfig = get(key);
    if (fromConfig !== undefined && fromConfig !== "") return fromConfig;
    const fromEnv = env[SECRET_KEYS[key].env];
    return fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined;
  };
  const writeBack = writeBackSettings(get);
  return {
    tritonApiKey: read("tritonApiKey"),
    mlflowTrackingToken: read("mlflowTrackingToken"),
    mlflowTrackingPassword: read("mlflowTrackingPassword"),
    ...(writeBack !== undefined ? { writeBack } : {}),
  };
}

/** `environment` and `mlflow.writeBack` (a JSON object in the engine's config) of the stack. */
function writeBackSettings(get: (key: string) => string | undefined): ProviderSecrets["writeBack"] {
  const environment = get("environment");
  if (environment === undefined || environment === "") return undefined;
  let mlflow: unknown;
  try {
    mlflow = JSON.parse(get("mlflow") ?? "{}");
  } catch {
    mlflow = {};
  }
  const enabled = (mlflow as { writeBack?: unknown } | null)?.writeBack !== false;
  return enabled ? { environment } : undefined;
}

/** Every secret value that is set, for redaction of messages that leave the provider. */
export function secretValues(secrets: ProviderSecrets | undefined): string[] {
  if (secrets === undefined) return [];
  return Object.values(secrets).filter((v): v is string => typeof v === "string" && v.length > 0);
}

/** Replace every secret value in `text` with `***` (belt and braces: the core redacts too). */
export function redact(text: string, secrets: ProviderSecrets | undefined): string {
  let out = text;
  for (const value of secretValues(secrets)) out = out.split(value).join("***");
  return out;
}
