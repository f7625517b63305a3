import { redactUrl } from "./redact";

/** What went wrong: the server answered with a failing status, the call timed out, or the connection failed. */
export type HttpErrorKind = "status" | "timeout" | "network";

/** The server's own error, parsed from the body when it has one of the known shapes. */
export interface ServerError {
  /** MLflow `error_code` (e.g. `RESOURCE_DOES_NOT_EXIST`). Triton has none. */
  errorCode?: string;
  /** MLflow `message`, Triton `error`, FastAPI `detail`. */
  message?: string;
  /** The body as text (truncated) when it is not one of the known JSON shapes. */
  rawText?: string;
}

export interface HttpErrorInit extends ServerError {
  kind: HttpErrorKind;
  method: string;
  url: string | URL;
  status?: number;
  attempts: number;
  timeoutMs?: number;
  cause?: unknown;
  /** From the first attempt to this failure, when the call was retried. */
  elapsedMs?: number;
  /** A `Retry-After` (ms) longer than `maxRetryAfterMs`, which is why the call was not retried. */
  retryAfterMs?: number;
  maxRetryAfterMs?: number;
}

const MAX_RAW_TEXT = 500;

/**
 * A failed HTTP call. The URL is redacted at construction and no header is ever stored, so the
 * error can be logged or put in Pulumi state without leaking credentials.
 */
export class HttpError extends Error {
  readonly kind: HttpErrorKind;
  readonly method: string;
  /** Redacted URL. */
  readonly url: string;
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly serverMessage: string | undefined;
  readonly rawText: string | undefined;
  readonly attempts: number;
  readonly elapsedMs: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly maxRetryAfterMs: number | undefined;
  readonly timeoutMs: number | undefined;

  constructor(init: HttpErrorInit) {
    const url = redactUrl(init.url);
    super(describe(init, url), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "HttpError";
    this.kind = init.kind;
    this.method = init.method;
    this.url = url;
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.serverMessage = init.message;
    this.rawText = init.rawText;
    this.attempts = init.attempts;
    this.elapsedMs = init.elapsedMs;
    this.retryAfterMs = init.retryAfterMs;
    this.maxRetryAfterMs = init.maxRetryAfterMs;
    this.timeoutMs = init.timeoutMs;
  }
}

/** `err` with the retry loop's facts: how long the attempts took, a refused Retry-After. */
export function withRetryFacts(
  err: HttpError,
  facts: Pick<HttpErrorInit, "elapsedMs" | "retryAfterMs" | "maxRetryAfterMs">,
): HttpError {
  // Rebuilt from the public (redacted) fields: the original URL may carry credentials.
  return new HttpError({
    kind: err.kind,
    method: err.method,
    url: err.url,
    ...(err.status !== undefined ? { status: err.status } : {}),
    attempts: err.attempts,
    ...(err.timeoutMs !== undefined ? { timeoutMs: err.timeoutMs } : {}),
    ...(err.cause !== undefined ? { cause: err.cause } : {}),
    ...(err.errorCode !== undefined ? { errorCode: err.errorCode } : {}),
    ...(err.serverMessage !== undefined ? { message: err.serverMessage } : {}),
    ...(err.rawText !== undefined ? { rawText: err.rawText } : {}),
    ...facts,
  });
}

/**
 * What the retries of a failed call amounted to, for messages that name the server's own error
 * rather than the HTTP exchange: "after 5 attempts over 12.4 s", and a Retry-After that was more
 * than this client waits. Empty when the call was tried once and no Retry-After was refused.
 */
export function retrySummary(err: HttpError): string {
  const parts: string[] = [];
  if (err.attempts > 1) {
    const over = err.elapsedMs === undefined ? "" : ` over ${seconds(err.elapsedMs)}`;
    parts.push(`retried: ${err.attempts} attempts${over}`);
  }
  if (err.retryAfterMs !== undefined && err.maxRetryAfterMs !== undefined) {
    parts.push(
      `not retried: its Retry-After header asks to wait ${seconds(err.retryAfterMs)}, more than the ${seconds(err.maxRetryAfterMs)} a deployment waits for it; try again later`,
    );
  }
  return parts.join("; ");
}

// Whole seconds: retries and Retry-After are about waits of seconds to minutes.
function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function describe(init: HttpErrorInit, url: string): string {
  const what = `${init.method} ${url}`;
  const tries = init.attempts > 1 ? ` (after ${init.attempts} attempts)` : "";
  if (init.kind === "timeout") {
    return `${what} timed out${init.timeoutMs !== undefined ? ` after ${init.timeoutMs} ms` : ""}${tries}`;
  }
  if (init.kind === "network") {
    const cause = init.cause instanceof Error ? init.cause.message : String(init.cause);
    const code = (init.cause as { code?: unknown } | undefined)?.code;
    return `${what} failed: ${cause}${typeof code === "string" ? ` (${code})` : ""}${tries}`;
  }
  const detail = [init.errorCode, init.message ?? init.rawText].filter((s) => s).join(": ");
  return `${what} returned HTTP ${init.status}${detail ? `: ${detail}` : ""}${tries}`;
}

/**
 * Parses an error body: MLflow `{"error_code","message"}` (mlflow-contract.md §4), Triton
 * `{"error"}` (triton-contract.md §0), FastAPI `{"detail"}`; anything else is kept as raw text.
 */
export function parseServerError(text: string): ServerError {
  const trimmed = text.trim();
  if (trimmed === "") return {};
  try {
    const body = JSON.parse(trimmed) as unknown;
    if (body && typeof body === "object" && !Array.isArray(body)) {
      const o = body as Record<string, unknown>;
      const errorCode = typeof o.error_code === "string" ? o.error_code : undefined;
      const message =
        typeof o.message === "string"
          ? o.message
          : typeof o.error === "string"
            ? o.error
            : typeof o.detail === "string"
              ? o.detail
              : undefined;
      if (errorCode !== undefined || message !== undefined) return { errorCode, message };
    }
  } catch {
    // Not JSON: plain text (auth middleware, proxies) or HTML (unknown routes) — kept raw.
  }
  // An HTML error page (Flask/Werkzeug, proxies) reads better as its text.
  const readable = /^<(!doctype|html)/i.test(trimmed)
    ? trimmed
        .replace(/<[^>]*>/g, " ")
        .replace(/\s+/g, " ")
        .trim()
    : trimmed;
  return {
    rawText: readable.length > MAX_RAW_TEXT ? `${readable.slice(0, MAX_RAW_TEXT)}…` : readable,
  };
}
