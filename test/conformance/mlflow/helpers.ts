// Shared plumbing for the MLflow test-server conformance suite: raw HTTP calls that expose
// status, headers and body exactly as sent (no client-side retries or decoding).
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request, type Dispatcher } from "undici";
import type { MlflowHandle } from "../../support/mlflow";

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly text: string;
  /** The parsed JSON body, or undefined when it is not JSON. Untyped on purpose: the tests
   * assert its exact shape with deepEqual instead of trusting a declared type. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

export interface CallOptions {
  readonly headers?: Record<string, string>;
  /** A JSON body (sent with Content-Type: application/json unless headers say otherwise). */
  readonly json?: unknown;
  readonly body?: string | Buffer;
  readonly dispatcher?: Dispatcher;
}

export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: string | Buffer | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
      headers["content-type"] = "application/json";
    }
  }
  const response = await request(`${baseUrl}${path}`, {
    method,
    headers,
    body,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  const buffer = Buffer.from(await response.body.arrayBuffer());
  const text = buffer.toString("utf8");
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, body: buffer, text, json };
}

/** A small client bound to one server. */
export function client(handle: Pick<MlflowHandle, "url">, defaults: CallOptions = {}) {
  const merged = (options: CallOptions = {}): CallOptions => ({
    ...defaults,
    ...options,
    headers: { ...(defaults.headers ?? {}), ...(options.headers ?? {}) },
  });
  return {
    get: (path: string, options?: CallOptions) => call(handle.url, "GET", path, merged(options)),
    post: (path: string, json: unknown, options?: CallOptions) =>
      call(handle.url, "POST", path, merged({ ...options, json })),
    patch: (path: string, json: unknown, options?: CallOptions) =>
      call(handle.url, "PATCH", path, merged({ ...options, json })),
    del: (path: string, json: unknown, options?: CallOptions) =>
      call(handle.url, "DELETE", path, merged({ ...options, json })),
    put: (path: string, body: Buffer | string, options?: CallOptions) =>
      call(handle.url, "PUT", path, merged({ ...options, body })),
    call: (method: string, path: string, options?: CallOptions) =>
      call(handle.url, method, path, merged(options)),
  };
}

export type Client = ReturnType<typeof client>;

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A deterministic clock: each call returns the next millisecond after `start`. */
export function steppingClock(start = 1_750_000_000_000): () => number {
  let t = start;
  return () => t++;
}

/** Deterministic pseudo-random bytes (not an ONNX model; artifacts are opaque to MLflow). */
export function bytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const API = "/api/2.0/mlflow";
export const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";

/** MLflow's exact text for an absent required parameter (mlflow-contract.md §4). */
export function missingParam(name: string): { error_code: string; message: string } {
  return {
    error_code: "INVALID_PARAMETER_VALUE",
    message: `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  };
}

export const FLASK_404_HTML =
  "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n" +
  "<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n";

/**
 * A GET whose path goes on the wire exactly as given: URL parsers (undici's included) resolve
 * `..` and `%2E%2E` segments, which would hide what the server does with them.
 */
export function rawGet(baseUrl: string, path: string): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        const text = body.toString("utf8");
        let json: unknown = undefined;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}
