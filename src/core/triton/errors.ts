import { errorMessage } from "../errors";
import { HttpError } from "../http";

/**
 * Triton's error class, recovered from the HTTP status and, for servers before 24.01 (which
 * answered 400 for every core error, triton-contract.md §0), from the message text.
 */
export type TritonErrorCode =
  | "NOT_FOUND"
  | "UNAVAILABLE"
  | "INVALID_ARG"
  | "INTERNAL"
  | "UNSUPPORTED"
  | "RESTRICTED"
  | "METHOD_NOT_ALLOWED"
  | "TIMEOUT"
  | "NETWORK"
  | "BAD_RESPONSE"
  | "UNKNOWN";

/** A failed Triton call: which operation, on which model, Triton's `error` text, and its class. */
export class TritonError extends Error {
  readonly code: TritonErrorCode;
  readonly operation: string;
  readonly model: string | undefined;
  readonly status: number | undefined;
  /** Triton's `{"error": …}` text (or the raw body), when there was one. */
  readonly tritonMessage: string | undefined;

  constructor(args: {
    code: TritonErrorCode;
    operation: string;
    model?: string;
    status?: number;
    tritonMessage?: string;
    message: string;
    cause?: unknown;
  }) {
    super(args.message, args.cause === undefined ? undefined : { cause: args.cause });
    this.name = "TritonError";
    this.code = args.code;
    this.operation = args.operation;
    this.model = args.model;
    this.status = args.status;
    this.tritonMessage = args.tritonMessage;
  }
}

/** Maps status + text to a code, tolerating both the pre-24.01 (all 400) and post-24.01 statuses. */
export function classifyTritonError(status: number, text: string): TritonErrorCode {
  if (status === 403) return "RESTRICTED";
  if (status === 405) return "METHOD_NOT_ALLOWED";
  if (status === 404) return "NOT_FOUND";
  if (status === 503) return "UNAVAILABLE";
  if (status === 501) return "UNSUPPORTED";
  if (status === 500) return "INTERNAL";
  if (status === 400) {
    // Before 24.01 these core errors were 400 too; their text still says what they are. Every
    // model-lookup message starts "Request for unknown model:", so readiness is checked first.
    if (
      /not at ready state|Server not ready|is not allowed if polling is enabled|Exceeds maximum queue size|Request timeout expired/i.test(
        text,
      )
    ) {
      return "UNAVAILABLE";
    }
    if (/is not found|has no available versions/i.test(text)) return "NOT_FOUND";
    if (/failed to poll from model repository|failed to parse the request JSON/i.test(text)) {
      return "INTERNAL";
    }
    return "INVALID_ARG";
  }
  return "UNKNOWN";
}

// 403 is Triton's answer to a restricted API called without the right header value
// (triton-contract.md §0 and §4, --http-restricted-api). Deployments send it from TRITON_API_KEY (the CLI)
// or the stack's secret tritonApiKey (pulumi up).
const RESTRICTED_HINT =
  "; the restricted API needs the admin header's value: set TRITON_API_KEY (the stack's secret tritonApiKey) to the key this Triton was started with";

/** Wraps whatever a call threw into a TritonError naming the operation and the model. */
export function toTritonError(err: unknown, operation: string, model?: string): Error {
  if (err instanceof TritonError) return err;
  const subject = model === undefined ? operation : `${operation} of model "${model}"`;
  if (err instanceof HttpError) {
    if (err.kind === "timeout" || err.kind === "network") {
      return new TritonError({
        code: err.kind === "timeout" ? "TIMEOUT" : "NETWORK",
        operation,
        model,
        message: `Triton ${subject} failed: ${err.message}`,
        cause: err,
      });
    }
    const text = err.serverMessage ?? err.rawText ?? "";
    const status = err.status ?? 0;
    const code = classifyTritonError(status, text);
    return new TritonError({
      code,
      operation,
      model,
      status,
      tritonMessage: text || undefined,
      message: `Triton ${subject} failed: HTTP ${status}${text ? `: ${text.trim()}` : ""} (${err.method} ${err.url})${code === "RESTRICTED" ? RESTRICTED_HINT : ""}`,
      cause: err,
    });
  }
  if (err instanceof Error && err.name === "AbortError") return err;
  return new TritonError({
    code: "BAD_RESPONSE",
    operation,
    model,
    message: `Triton ${subject} failed: ${errorMessage(err)}`,
    cause: err,
  });
}
