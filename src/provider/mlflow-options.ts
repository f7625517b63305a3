// MLflow client options for the program's preview-time resolution and for the provider's deploy:
// one rule for both, so a preview reaches MLflow exactly as `up` will (TLS from the standard
// MLFLOW_TRACKING_* variables; credentials from secrets, never from inputs or state).
import { mlflowClientOptionsFromEnv, type MlflowClientOptions } from "../core";

export interface MlflowSettings {
  trackingUri: string;
  /** `mlflow.username` of the stack config (Basic auth with the password secret). */
  username: string | undefined;
  timeoutMs: number;
}

export interface MlflowCredentials {
  mlflowTrackingToken?: string | undefined;
  mlflowTrackingPassword?: string | undefined;
}

/**
 * Basic auth when a username and a password are known, else a bearer token, else none. The
 * username falls back to MLFLOW_TRACKING_USERNAME; credentials come from `credentials` (the
 * provider's secrets already fall back to their environment variables).
 */
export function mlflowClientOptions(
  settings: MlflowSettings,
  credentials: MlflowCredentials | undefined,
  env: NodeJS.ProcessEnv,
): MlflowClientOptions {
  // Credentials are decided here, so the core's own credential reading sees none of them.
  const {
    MLFLOW_TRACKING_USERNAME: envUser,
    MLFLOW_TRACKING_PASSWORD: _password,
    MLFLOW_TRACKING_TOKEN: _token,
    ...tlsAndRetry
  } = env;
  const options = mlflowClientOptionsFromEnv(tlsAndRetry, settings.trackingUri);
  const username = settings.username ?? envUser;
  const password = credentials?.mlflowTrackingPassword;
  const token = credentials?.mlflowTrackingToken;
  return {
    ...options,
    timeoutMs: settings.timeoutMs,
    ...(username !== undefined && password !== undefined
      ? { auth: { kind: "basic" as const, username, password } }
      : token !== undefined
        ? { auth: { kind: "bearer" as const, token } }
        : {}),
  };
}
