import type { Agent } from "undici";
import {
  createDispatcher,
  HttpClient,
  parseServerError,
  redactUrl,
  type Clock,
  type HttpCall,
  type RetryPolicy,
  type TlsOptions,
} from "../http";
import { TritonError, toTritonError } from "./errors";
import { tritonSchemas } from "./schemas";

export interface TritonClientOptions {
  /** Triton's HTTP endpoint, e.g. `http://127.0.0.1:8000` (may carry a path prefix, e.g. an API-server proxy). */
  baseUrl: string;
  /** Timeout of every call except load. Default 10 s. */
  timeoutMs?: number;
  /** Timeout of `load`, which returns only when the load has finished (triton-contract.md §1.8). Default 10 min. */
  loadTimeoutMs?: number;
  /**
   * The `--http-restricted-api` header for the `model-repository` and `model-config` categories
   * (triton-contract.md §4). Never logged.
   */
  restrictedApi?: { header: string; value: string };
  tls?: TlsOptions;
  /** Retries for read-only calls. Load, unload and infer are never repeated. Default 3 attempts. */
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
}

export interface RepositoryIndexEntry {
  name: string;
  /** Absent for directories Triton never loaded. */
  version?: string;
  /** READY, UNAVAILABLE, LOADING, UNLOADING. */
  state?: string;
  reason?: string;
}

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

/** A JSON tensor (triton-contract.md §1.10): `data` flat or nested, row-major. */
export interface InferInputTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

export interface InferOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  /** Flat, row-major; absent for binary outputs. */
  data?: unknown[];
  parameters?: Record<string, unknown>;
}

export interface InferResult {
  modelName: string;
  /** The version that answered: how the deployment proves which version served a request. */
  modelVersion: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: InferOutputTensor[];
}

export interface InferOptions {
  /** Output names to return (all when omitted). */
  outputs?: string[];
  id?: string;
  parameters?: Record<string, unknown>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Model readiness as Triton reported it. */
export interface ModelReadiness {
  ready: boolean;
  status: number;
  /** Triton's error text when not ready. */
  reason?: string;
}

export interface LoadOptions {
  /**
   * Model config in protobuf-JSON field names (`max_batch_size`, `input`, `data_type`, `dims`, …);
   * sent as the `config` parameter, which also forces a reload (triton-contract.md §1.8).
   */
  config?: Record<string, unknown>;
  /** `file:<path>` overrides, e.g. `{"1/model.onnx": bytes}`; Triton requires `config` with them. */
  files?: Record<string, Uint8Array>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_LOAD_TIMEOUT_MS = 600_000;

function modelPath(model: string, version?: string | number): string {
  if (model === "" || model === "." || model === ".." || model.includes("/")) {
    throw new Error(
      `invalid Triton model name "${model}": it must be non-empty and contain no "/"`,
    );
  }
  let path = `/v2/models/${encodeURIComponent(model)}`;
  if (version !== undefined) {
    const v = String(version);
    // Triton's routes only accept digits here; anything else would be a 404 "Not Found" (§0).
    if (!/^\d+$/.test(v)) {
      throw new Error(`invalid Triton model version "${v}" for "${model}": expected digits`);
    }
    path += `/versions/${v}`;
  }
  return path;
}

/** Triton HTTP/REST (KServe v2) client for the calls a deployment makes. */
export class TritonClient {
  /** The endpoint, redacted (safe to log). */
  readonly endpoint: string;
  private readonly http: HttpClient;
  private readonly agent: Agent | undefined;
  private readonly restrictedHeaders: Record<string, string>;
  private readonly loadTimeoutMs: number;

  constructor(options: TritonClientOptions) {
    this.endpoint = redactUrl(options.baseUrl);
    const tls = options.tls;
    const needsAgent =
      tls !== undefined && Object.values(tls).some((v) => v !== undefined && v !== false);
    this.agent = needsAgent ? createDispatcher({ tls }) : undefined;
    this.http = new HttpClient({
      baseUrl: options.baseUrl,
      dispatcher: this.agent,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2_000, ...(options.retry ?? {}) },
      clock: options.clock,
    });
    this.restrictedHeaders = options.restrictedApi
      ? // Sent exactly as configured: whether Triton matches the name case-insensitively is
        // unconfirmed (triton-contract.md §4).
        { [options.restrictedApi.header]: options.restrictedApi.value }
      : {};
    this.loadTimeoutMs = options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }

  /** `GET /v2/health/live`: 200 → true, 400 → false (empty bodies). */
  async isLive(signal?: AbortSignal): Promise<boolean> {
    return this.health("/v2/health/live", "liveness check", signal);
  }

  /** `GET /v2/health/ready`: 200 → true, 400 → false. Under strict readiness one failed model makes it false. */
  async isReady(signal?: AbortSignal): Promise<boolean> {
    return this.health("/v2/health/ready", "readiness check", signal);
  }

  /** `GET /v2`. */
  async serverMetadata(signal?: AbortSignal): Promise<ServerMetadata> {
    return this.call("server metadata", undefined, { method: "GET", path: "/v2", signal }, (b) =>
      tritonSchemas().serverMetadata.parse(b),
    );
  }

  /** `POST /v2/repository/index` (restricted: model-repository). */
  async repositoryIndex(
    options: { ready?: boolean; signal?: AbortSignal } = {},
  ): Promise<RepositoryIndexEntry[]> {
    return this.call(
      "repository index",
      undefined,
      {
        method: "POST",
        path: "/v2/repository/index",
        json: options.ready === undefined ? {} : { ready: options.ready },
        headers: this.restrictedHeaders,
        // Reading the index changes nothing, so it may be repeated.
        idempotent: true,
        signal: options.signal,
      },
      (b) => tritonSchemas().repositoryIndex.parse(b),
    );
  }

  /**
   * `POST /v2/repository/models/{m}/load` (restricted: model-repository). Synchronous: resolves
   * once the model is loaded, rejects with Triton's error when the load failed. Never retried.
   */
  async load(model: string, options: LoadOptions = {}): Promise<void> {
    const parameters: Record<string, string> = {};
    if (options.config !== undefined) parameters.config = JSON.stringify(options.config);
    for (const [path, bytes] of Object.entries(options.files ?? {})) {
      parameters[`file:${path}`] = Buffer.from(bytes).toString("base64");
    }
    if (options.files && Object.keys(options.files).length > 0 && options.config === undefined) {
      throw new Error(
        `loading "${model}" with file overrides needs a config too: Triton rejects file: parameters without one (triton-contract.md §1.8)`,
      );
    }
    await this.call(
      "load",
      model,
      {
        method: "POST",
        path: `/v2/repository/models/${encodeURIComponent(checkName(model))}/load`,
        json: Object.keys(parameters).length > 0 ? { parameters } : {},
        headers: this.restrictedHeaders,
        timeoutMs: options.timeoutMs ?? this.loadTimeoutMs,
        retry: false,
        signal: options.signal,
      },
      () => undefined,
    );
  }

  /** `POST /v2/repository/models/{m}/unload` (restricted: model-repository). Returns when the unload has started. */
  async unload(
    model: string,
    options: { unloadDependents?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.call(
      "unload",
      model,
      {
        method: "POST",
        path: `/v2/repository/models/${encodeURIComponent(checkName(model))}/unload`,
        json: options.unloadDependents ? { parameters: { unload_dependents: true } } : {},
        headers: this.restrictedHeaders,
        retry: false,
        signal: options.signal,
      },
      () => undefined,
    );
  }

  /** `GET /v2/models/{m}[/versions/{v}]/ready` → true only on 200. */
  async modelReady(
    model: string,
    version?: string | number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    return (await this.modelReadiness(model, version, signal)).ready;
  }

  /**
   * Readiness with Triton's reason. 400/404/503 are "not ready" (each era and case of
   * triton-contract.md §1.4); 403 and anything else are errors.
   */
  async modelReadiness(
    model: string,
    version?: string | number,
    signal?: AbortSignal,
  ): Promise<ModelReadiness> {
    const path = `${modelPath(model, version)}/ready`;
    try {
      const res = await this.http.text({
        method: "GET",
        path,
        okStatuses: [200, 400, 404, 503],
        retry: false,
        signal,
      });
      if (res.status === 200) return { ready: true, status: 200 };
      const said = parseServerError(res.body);
      return { ready: false, status: res.status, reason: said.message ?? said.rawText };
    } catch (err) {
      throw toTritonError(err, "readiness check", model);
    }
  }

  /** `GET /v2/models/{m}[/versions/{v}]`. */
  async modelMetadata(
    model: string,
    version?: string | number,
    signal?: AbortSignal,
  ): Promise<ModelMetadata> {
    return this.call(
      "metadata",
      model,
      { method: "GET", path: modelPath(model, version), signal },
      (b) => tritonSchemas().modelMetadata.parse(b),
    );
  }

  /** `GET /v2/models/{m}[/versions/{v}]/config` (restricted: model-config): protobuf JSON with proto field names. */
  async modelConfig(
    model: string,
    version?: string | number,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    return this.call(
      "config",
      model,
      {
        method: "GET",
        path: `${modelPath(model, version)}/config`,
        headers: this.restrictedHeaders,
        signal,
      },
      (b) => tritonSchemas().modelConfig.parse(b),
    );
  }

  /**
   * `POST /v2/models/{m}[/versions/{v}]/infer` with JSON tensors. Not retried: a smoke test must
   * see every failure. The result names the version that answered.
   */
  async infer(
    model: string,
    version: string | number | undefined,
    inputs: InferInputTensor[],
    options: InferOptions = {},
  ): Promise<InferResult> {
    const body: Record<string, unknown> = { inputs };
    if (options.id !== undefined) body.id = options.id;
    if (options.parameters !== undefined) body.parameters = options.parameters;
    if (options.outputs !== undefined) {
      body.outputs = options.outputs.map((name) => ({ name, parameters: { binary_data: false } }));
    }
    const raw = await this.call(
      "inference",
      model,
      {
        method: "POST",
        path: `${modelPath(model, version)}/infer`,
        json: body,
        retry: false,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        signal: options.signal,
      },
      (b) => tritonSchemas().inferResponse.parse(b),
    );
    return {
      modelName: raw.model_name,
      modelVersion: raw.model_version,
      ...(raw.id !== undefined ? { id: raw.id } : {}),
      ...(raw.parameters !== undefined ? { parameters: raw.parameters } : {}),
      outputs: raw.outputs,
    };
  }

  private async health(path: string, operation: string, signal?: AbortSignal): Promise<boolean> {
    try {
      const res = await this.http.text({
        method: "GET",
        path,
        okStatuses: [200, 400],
        retry: false,
        signal,
      });
      return res.status === 200;
    } catch (err) {
      throw toTritonError(err, operation);
    }
  }

  private async call<T>(
    operation: string,
    model: string | undefined,
    call: HttpCall,
    parse: (body: unknown) => T,
  ): Promise<T> {
    let body: unknown;
    try {
      body = (await this.http.json(call)).body;
    } catch (err) {
      throw toTritonError(err, operation, model);
    }
    try {
      return parse(body);
    } catch (err) {
      const subject = model === undefined ? operation : `${operation} of model "${model}"`;
      throw new TritonError({
        code: "BAD_RESPONSE",
        operation,
        model,
        message: `Triton ${subject} returned an unexpected body: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`,
        cause: err,
      });
    }
  }
}

function checkName(model: string): string {
  modelPath(model);
  return model;
}
