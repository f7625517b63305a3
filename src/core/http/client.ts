import { request, type Dispatcher } from "undici";
import { systemClock, type Clock } from "./clock";
import { HttpError, parseServerError, withRetryFacts } from "./errors";
import { redactUrl } from "./redact";
import {
  backoffDelayMs,
  isRetryableStatus,
  parseRetryAfterMs,
  resolveRetryPolicy,
  type RetryPolicy,
} from "./retry";

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface HttpCall {
  method: HttpMethod;
  /** A path appended to the client's base URL (which may carry a prefix), or an absolute http(s) URL. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Sent as `application/json`. */
  json?: unknown;
  body?: string | Uint8Array;
  /**
   * For buffered calls: the deadline for the whole call (headers and body). For streamed calls:
   * the deadline for the headers, and the longest silence allowed while reading the body.
   */
  timeoutMs?: number;
  /**
   * Whether the call may be repeated after a failure. Defaults to true for GET/HEAD/PUT/DELETE and
   * false for POST/PATCH: a POST that reached the server is never sent twice unless the caller says so.
   */
  idempotent?: boolean;
  /** Overrides for this call; `false` means a single attempt. */
  retry?: Partial<RetryPolicy> | false;
  signal?: AbortSignal;
  /** Statuses that count as an answer rather than an error (default: any 2xx). */
  okStatuses?: readonly number[];
  /**
   * Vetoes a retry the policy would make, for answers the caller knows are permanent although
   * their status is usually transient (e.g. MLflow's 503 "artifact serving disabled").
   */
  retryIf?: (error: HttpError) => boolean;
}

export interface HttpResponse<T> {
  status: number;
  headers: ResponseHeaders;
  body: T;
  attempts: number;
}

export interface StreamedResponse {
  status: number;
  headers: ResponseHeaders;
  body: AsyncIterable<Uint8Array>;
  /** The redacted URL, for messages. */
  url: string;
  /** Which attempt this response belongs to (1-based). */
  attempts: number;
}

export interface RetryEvent {
  method: string;
  /** Redacted URL. */
  url: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  /** `HTTP 503`, `timeout`, or the network error code. */
  reason: string;
}

export interface HttpClientOptions {
  baseUrl: string;
  /** Sent on every call (e.g. Authorization). Never copied into errors or retry events. */
  headers?: Record<string, string>;
  /** An undici dispatcher (TLS settings live here); the global one when omitted. */
  dispatcher?: Dispatcher;
  /** Default per-call timeout. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  /** Called before each wait between attempts, e.g. to log it. */
  onRetry?: (event: RetryEvent) => void;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_ERROR_BODY_BYTES = 64 * 1024;

type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: HttpError; retryable: boolean; retryAfterMs?: number };

/**
 * A small request layer over undici `request`: per-call timeouts, retries with full-jitter
 * exponential backoff that honour `Retry-After`, and typed errors that never carry secrets.
 */
export class HttpClient {
  private readonly baseUrl: string;
  private readonly defaultHeaders: Record<string, string>;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly timeoutMs: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly clock: Clock;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;

  constructor(options: HttpClientOptions) {
    const base = new URL(options.baseUrl);
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new Error(`base URL "${redactUrl(base)}" must be http:// or https://`);
    }
    if (base.username || base.password) {
      throw new Error(
        `base URL "${redactUrl(base)}" carries credentials; pass them as options instead so they never appear in URLs or errors`,
      );
    }
    this.baseUrl = base.toString().replace(/\/+$/, "");
    this.defaultHeaders = { ...(options.headers ?? {}) };
    this.dispatcher = options.dispatcher;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retryPolicy = resolveRetryPolicy(options.retry);
    this.clock = options.clock ?? systemClock();
    this.onRetry = options.onRetry;
  }

  /** The full URL a call goes to (unredacted: do not log it). */
  urlFor(path: string, query?: HttpCall["query"]): URL {
    const url = /^https?:\/\//i.test(path) ? new URL(path) : new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.append(key, String(value));
    }
    return url;
  }

  /** A buffered call whose body is returned as text. */
  async text(call: HttpCall): Promise<HttpResponse<string>> {
    return this.run(call, "buffered", async (res) => ({
      status: res.status,
      headers: res.headers,
      body: await readAllText(res.body),
      attempts: res.attempts,
    }));
  }

  /** A buffered call whose body is parsed as JSON (an empty body gives `undefined`). */
  async json(call: HttpCall): Promise<HttpResponse<unknown>> {
    const res = await this.text(call);
    const trimmed = res.body.trim();
    if (trimmed === "") return { ...res, body: undefined };
    try {
      return { ...res, body: JSON.parse(trimmed) as unknown };
    } catch {
      throw new Error(
        `${call.method} ${redactUrl(this.urlFor(call.path, call.query))} returned HTTP ${res.status} with a body that is not JSON: ${trimmed.slice(0, 200)}`,
      );
    }
  }

  /**
   * A streamed call: retries until a successful status arrives, then hands the body to `consume`
   * once. A failure while consuming (reset, idle timeout) is thrown as an HttpError and not
   * retried here, because only the consumer knows how to start over (e.g. truncate a file).
   */
  async stream<T>(call: HttpCall, consume: (res: StreamedResponse) => Promise<T>): Promise<T> {
    return this.run(call, "streamed", consume);
  }

  private async run<T>(
    call: HttpCall,
    mode: "buffered" | "streamed",
    consume: (res: StreamedResponse) => Promise<T>,
  ): Promise<T> {
    const url = this.urlFor(call.path, call.query);
    const idempotent = call.idempotent ?? !(call.method === "POST" || call.method === "PATCH");
    const policy =
      call.retry === false
        ? resolveRetryPolicy(this.retryPolicy, { maxAttempts: 1 })
        : resolveRetryPolicy(this.retryPolicy, call.retry);
    const maxAttempts = idempotent ? policy.maxAttempts : 1;

    const started = this.clock.now();
    // The final error says how long the retries took, so a message can say that they happened.
    const final = (error: HttpError) =>
      error.attempts > 1 ? withRetryFacts(error, { elapsedMs: this.clock.now() - started }) : error;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(call, url, mode, attempt, consume);
      if (outcome.ok) return outcome.value;
      if (!outcome.retryable || attempt >= maxAttempts || call.signal?.aborted) {
        throw final(outcome.error);
      }
      if (call.retryIf && !call.retryIf(outcome.error)) throw final(outcome.error);
      let delayMs = backoffDelayMs(attempt, policy, () => this.clock.random());
      if (policy.respectRetryAfter && outcome.retryAfterMs !== undefined) {
        // Waiting longer than the server asks is fine; asking for more than we allow is a no.
        if (outcome.retryAfterMs > policy.maxRetryAfterMs) {
          throw withRetryFacts(final(outcome.error), {
            ...(outcome.error.attempts > 1 ? { elapsedMs: this.clock.now() - started } : {}),
            retryAfterMs: outcome.retryAfterMs,
            maxRetryAfterMs: policy.maxRetryAfterMs,
          });
        }
        delayMs = outcome.retryAfterMs;
      }
      this.onRetry?.({
        method: call.method,
        url: outcome.error.url,
        attempt,
        delayMs,
        reason:
          outcome.error.kind === "status"
            ? `HTTP ${outcome.error.status}`
            : outcome.error.kind === "timeout"
              ? "timeout"
              : networkCode(outcome.error.cause),
      });
      await this.clock.sleep(delayMs, call.signal);
    }
  }

  private async attempt<T>(
    call: HttpCall,
    url: URL,
    mode: "buffered" | "streamed",
    attempt: number,
    consume: (res: StreamedResponse) => Promise<T>,
  ): Promise<Outcome<T>> {
    const timeoutMs = call.timeoutMs ?? this.timeoutMs;
    // Buffered calls get one deadline for the whole exchange; streamed ones only bound the wait
    // for headers and each silence in the body, since a large download may rightly take long.
    const deadline = mode === "buffered" ? AbortSignal.timeout(timeoutMs) : undefined;
    const signals = [deadline, call.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal =
      signals.length === 0
        ? undefined
        : signals.length === 1
          ? signals[0]
          : AbortSignal.any(signals);

    const headers: Record<string, string> = { ...this.defaultHeaders, ...(call.headers ?? {}) };
    let body: string | Uint8Array | undefined = call.body;
    if (call.json !== undefined) {
      body = JSON.stringify(call.json);
      headers["content-type"] = "application/json";
    }

    const fail = (kind: "timeout" | "network", cause: unknown): Outcome<T> => ({
      ok: false,
      retryable: true,
      error: new HttpError({ kind, method: call.method, url, attempts: attempt, timeoutMs, cause }),
    });
    const classify = (err: unknown): Outcome<T> => {
      if (call.signal?.aborted) throw call.signal.reason ?? err;
      if (deadline?.aborted || isTimeoutError(err)) return fail("timeout", err);
      if (err instanceof HttpError) return { ok: false, retryable: false, error: err };
      return fail("network", err);
    };

    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: call.method,
        headers,
        body,
        signal,
        dispatcher: this.dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (err) {
      return classify(err);
    }

    const okStatuses = call.okStatuses;
    const ok = okStatuses
      ? okStatuses.includes(res.statusCode)
      : res.statusCode >= 200 && res.statusCode < 300;
    if (!ok) {
      let text = "";
      try {
        text = await readLimitedText(res.body, MAX_ERROR_BODY_BYTES);
      } catch (err) {
        // The status is what matters; a body that fails to arrive is reported without it.
        void err;
      }
      const status = res.statusCode;
      const retryAfter = firstHeader(res.headers, "retry-after");
      return {
        ok: false,
        retryable: isRetryableStatus(status),
        retryAfterMs: parseRetryAfterMs(retryAfter, this.clock.now()),
        error: new HttpError({
          kind: "status",
          method: call.method,
          url,
          status,
          attempts: attempt,
          ...parseServerError(text),
        }),
      };
    }

    const streamed: StreamedResponse = {
      status: res.statusCode,
      headers: res.headers,
      body: res.body,
      url: redactUrl(url),
      attempts: attempt,
    };
    if (mode === "streamed") {
      try {
        return { ok: true, value: await consume(streamed) };
      } catch (err) {
        if (call.signal?.aborted) throw call.signal.reason ?? err;
        if (isNetworkError(err)) {
          const kind = isTimeoutError(err) ? "timeout" : "network";
          throw new HttpError({
            kind,
            method: call.method,
            url,
            attempts: attempt,
            timeoutMs,
            cause: err,
          });
        }
        throw err;
      } finally {
        discard(res.body);
      }
    }
    try {
      return { ok: true, value: await consume(streamed) };
    } catch (err) {
      return classify(err);
    }
  }
}

/** The first value of a response header (undici lower-cases names). */
export function firstHeader(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function isTimeoutError(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | undefined;
  return (
    e?.name === "TimeoutError" ||
    e?.code === "UND_ERR_HEADERS_TIMEOUT" ||
    e?.code === "UND_ERR_BODY_TIMEOUT" ||
    e?.code === "UND_ERR_CONNECT_TIMEOUT"
  );
}

/** Transport failures (as opposed to a bug or a consumer's own error, e.g. a full disk). */
function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== "string") return isTimeoutError(err);
  return (
    code.startsWith("UND_ERR") ||
    /^(ECONN|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND)/.test(code)
  );
}

function networkCode(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : "network error";
}

async function readAllText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Drops a body nobody will read. undici emits an "aborted" error when an unfinished body is
 * destroyed; with no listener that would be an uncaught exception.
 */
function discard(body: {
  destroyed?: boolean;
  destroy(): unknown;
  on(e: "error", l: () => void): unknown;
}): void {
  if (body.destroyed) return;
  body.on("error", () => undefined);
  body.destroy();
}

async function readLimitedText(
  body: AsyncIterable<Uint8Array> & Parameters<typeof discard>[0],
  limit: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk));
    size += chunk.byteLength;
    if (size >= limit) {
      discard(body);
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}
