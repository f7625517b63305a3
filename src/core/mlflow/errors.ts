import { errorMessage } from "../errors";
import { HttpError } from "../http";

export type MlflowErrorCode =
  | "ALIAS_NOT_FOUND"
  | "MODEL_NOT_FOUND"
  | "VERSION_NOT_FOUND"
  | "VERSION_NOT_READY"
  | "UNSUPPORTED_ARTIFACT_URI"
  | "NO_ONNX_FILE"
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
export function serverSaid(err: unknown): string {
  if (err instanceof HttpError) {
    if (err.kind !== "status") return err.message;
    const text = [err.errorCode, err.serverMessage ?? err.rawText].filter((s) => s).join(": ");
    return text || `HTTP ${err.status}`;
  }
  return errorMessage(err);
}

export function isStatus(err: unknown, status: number, errorCode?: string): err is HttpError {
  return (
    err instanceof HttpError &&
    err.kind === "status" &&
    err.status === status &&
    (errorCode === undefined || err.errorCode === errorCode)
  );
}

/** `err` as an MlflowError saying what was being done (aborts and MlflowErrors pass through). */
export function wrapError(err: unknown, doing: string): Error {
  if (err instanceof MlflowError) return err;
  if (err instanceof Error && err.name === "AbortError") return err;
  return new MlflowError("REQUEST_FAILED", `${doing} failed: ${serverSaid(err)}`, err);
}
