import { errorMessage } from "../errors";
import { HttpError, retrySummary } from "../http";

export type MlflowErrorCode =
  | "ALIAS_NOT_FOUND"
  | "MODEL_NOT_FOUND"
  | "VERSION_NOT_FOUND"
  | "VERSION_NOT_READY"
  | "UNSUPPORTED_ARTIFACT_URI"
  | "NO_ONNX_FILE"
  | "EXTERNAL_DATA_MISSING"
  | "TRUNCATED"
  | "SIZE_MISMATCH"
  | "SHA256_MISMATCH"
  | "DOWNLOAD_FAILED"
  | "REQUEST_FAILED";

/**
 * A failure the deployment can act on, with a stable `code`. `cause` is the HttpError (or other
 * error) underneath, when there is one; neither carries credentials.
 */
export class MlflowError extends Error {
  readonly code: MlflowErrorCode;

  constructor(code: MlflowErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "MlflowError";
    this.code = code;
  }
}

/** `INVALID_PARAMETER_VALUE: Registered model alias x not found.` — MLflow's own phrasing of a server error. */
export function serverSaid(err: unknown, access: RegistryAccess = "read"): string {
  if (err instanceof HttpError) {
    if (err.kind !== "status") return err.message;
    const text = [err.errorCode, err.serverMessage ?? err.rawText].filter((s) => s).join(": ");
    const notes = [credentialsHint(err, access), retrySummary(err)].filter((n) => n !== "");
    return `${text || `HTTP ${err.status}`}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
  }
  return errorMessage(err);
}

/**
 * 401/403 from MLflow: the credentials are missing or not accepted. The variables are MLflow's
 * own (mlflow-contract.md §5); the stack's secrets mlflowTrackingToken/-Password fill them.
 */
function credentialsHint(err: HttpError, access: RegistryAccess): string {
  if (err.status !== 401 && err.status !== 403) return "";
  return `HTTP ${err.status}: MLflow ${err.status === 401 ? "did not accept the credentials or got none" : "refused these credentials access"}; set MLFLOW_TRACKING_TOKEN (or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) to credentials that may ${access} this registered model`;
}

/** What a request needed: reads resolve and download; writes are the write-back's tags and alias. */
export type RegistryAccess = "read" | "write";

export function isStatus(err: unknown, status: number, errorCode?: string): err is HttpError {
  return (
    err instanceof HttpError &&
    err.kind === "status" &&
    err.status === status &&
    (errorCode === undefined || err.errorCode === errorCode)
  );
}

/** `err` as an MlflowError saying what was being done (aborts and MlflowErrors pass through). */
export function wrapError(err: unknown, doing: string, access: RegistryAccess = "read"): Error {
  if (err instanceof MlflowError) return err;
  if (err instanceof Error && err.name === "AbortError") return err;
  return new MlflowError("REQUEST_FAILED", `${doing} failed: ${serverSaid(err, access)}`, err);
}
