// Triton's HTTP/REST endpoints (server src/http_server.cc `HTTPAPIServer::Handle` and handlers):
// routing by the same regular expressions, the restricted-API check before the method check, the
// `{"error":"…"}` envelope and the core-error → status mapping (triton-contract.md §0, §1).
import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync, inflateSync } from "node:zlib";
import { TritonError, httpStatusFor, toTritonError } from "./errors";
import { INFER_HEADER, executeRequest, normalizeRequest, parseInferRequest } from "./inference";
import { parseRequestJson } from "./json-parse";
import type { LoadedModel } from "./loaded-model";
import { configToProtocol } from "./datatypes";
import { configToJson, type ConfigObject } from "./model-config-proto";
import type { LoadParameter } from "./repository-manager";
import { restrictionFailure, type RestrictedCategory } from "./restricted-apis";
import type { ServerCore } from "./server-core";

// triton-contract.md §1.2: extensions reported by core src/server.cc.
const EXTENSIONS = [
  "classification",
  "sequence",
  "model_repository",
  "model_repository(unload_dependents)",
  "schedule_policy",
  "model_configuration",
  "system_shared_memory",
  "cuda_shared_memory",
  "binary_tensor_data",
  "parameters",
  "statistics",
  "trace",
  "logging",
];

// Route patterns of the HTTPAPIServer constructor (triton-contract.md §0 "Routes"); versions only
// match [0-9]+, so a non-numeric version segment is an unknown path (404).
const MODEL_ROUTE =
  /^\/v2\/models\/([^/]+)(?:\/versions\/([0-9]+))?(?:\/(infer|generate|generate_stream|ready|config|stats|trace\/setting))?$/;
const HEALTH_ROUTE = /^\/v2(?:\/health\/(live|ready))?$/;
const REPOSITORY_ROUTE = /^\/v2\/repository(?:\/([^/]+))?\/(index|models\/([^/]+)\/(load|unload))$/;
const SYSTEM_SHM_ROUTE =
  /^\/v2\/systemsharedmemory(?:\/region\/([^/]+))?\/(status|register|unregister)$/;
const CUDA_SHM_ROUTE =
  /^\/v2\/cudasharedmemory(?:\/region\/([^/]+))?\/(status|register|unregister)$/;
const TRACE_ROUTE = /^\/v2\/trace\/setting$/;

class Exchange {
  private sent = false;
  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly body: Buffer,
    private readonly legacy: boolean,
  ) {}

  get method(): string {
    return this.req.method ?? "GET";
  }

  send(status: number, body: Buffer | string = "", headers: Record<string, string> = {}): void {
    if (this.sent) return;
    this.sent = true;
    const buf = typeof body === "string" ? Buffer.from(body) : body;
    this.res.writeHead(status, { ...headers, "content-length": String(buf.length) });
    this.res.end(buf);
  }

  /** `EVBufferAddErrorJson` with an explicit status (405, 404 Not Found, 403, 400). */
  sendErrorWith(status: number, message: string): void {
    this.send(status, JSON.stringify({ error: message }), { "content-type": "application/json" });
  }

  /** `RETURN_AND_RESPOND_IF_ERR`: status from the core error code (§0). */
  sendError(err: unknown): number {
    const e = toTritonError(err);
    const status = httpStatusFor(e.code, this.legacy);
    this.sendErrorWith(status, e.message);
    return status;
  }

  sendJson(value: unknown): void {
    this.send(200, JSON.stringify(value), { "content-type": "application/json" });
  }
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Builds the request handler for the HTTP port. */
export function createApiHandler(core: () => ServerCore) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", () => res.destroy());
    req.on("end", () => {
      const c = core();
      const x = new Exchange(req, res, Buffer.concat(chunks), c.config.legacyStatusCodes);
      route(c, x).catch((e: unknown) => {
        x.sendError(e);
      });
    });
  };
}

/**
 * `RETURN_AND_RESPOND_IF_RESTRICTED` then the method check (triton-contract.md §0, §4): the
 * status sent (403 or 405), or undefined when the request may proceed.
 */
function refuse(
  core: ServerCore,
  x: Exchange,
  category: RestrictedCategory,
  method: string | string[],
): number | undefined {
  const failure = restrictionFailure(core.config.restrictedApis, category, x.req.headers);
  if (failure !== undefined) {
    x.sendErrorWith(403, failure);
    return 403;
  }
  const allowed = Array.isArray(method) ? method : [method];
  if (!allowed.includes(x.method)) {
    x.sendErrorWith(405, "Method Not Allowed");
    return 405;
  }
  return undefined;
}

function guard(
  core: ServerCore,
  x: Exchange,
  category: RestrictedCategory,
  method: string | string[],
): boolean {
  return refuse(core, x, category, method) === undefined;
}

async function route(core: ServerCore, x: Exchange): Promise<void> {
  const path = (x.req.url ?? "/").split("?")[0]!;
  if (path === "/v2/models/stats") return handleStats(core, x, undefined, undefined);
  if (path === "/v2/logging") return handleLogging(core, x);
  const m = MODEL_ROUTE.exec(path);
  if (m) {
    const name = decodeName(m[1]!);
    const version = m[2];
    const kind = m[3] ?? "";
    switch (kind) {
      case "ready":
        return handleModelReady(core, x, name, version);
      case "infer":
        return handleInfer(core, x, name, version);
      case "generate":
      case "generate_stream":
        if (!guard(core, x, "inference", "POST")) return;
        x.sendError(
          new TritonError(
            "UNSUPPORTED",
            "the generate extension is not supported by this test server",
          ),
        );
        return;
      case "config":
        return handleModelConfig(core, x, name, version);
      case "stats":
        return handleStats(core, x, name, version);
      case "trace/setting":
        if (version === undefined) return handleTrace(core, x);
        break;
      default:
        return handleModelMetadata(core, x, name, version);
    }
  }
  if (path === "/v2") return handleServerMetadata(core, x);
  const h = HEALTH_ROUTE.exec(path);
  if (h) return handleHealth(core, x, h[1] === "live" ? "live" : "ready");
  const shm = SYSTEM_SHM_ROUTE.exec(path) ?? CUDA_SHM_ROUTE.exec(path);
  if (shm) return handleSharedMemory(core, x, shm[2]!);
  const r = REPOSITORY_ROUTE.exec(path);
  if (r) {
    const repoName = r[1];
    if (r[2] === "index") return handleIndex(core, x, repoName);
    return handleRepositoryControl(core, x, repoName, decodeName(r[3]!), r[4] as "load" | "unload");
  }
  if (TRACE_ROUTE.test(path)) return handleTrace(core, x);
  // triton-contract.md §0: unknown path (incl. a trailing slash) → 404 {"error":"Not Found"}.
  x.sendErrorWith(404, "Not Found");
}

/** `InferenceServer::GetModel` + "Request for unknown model: " prefix (§1.3). */
function getModel(core: ServerCore, name: string, version: string | undefined): LoadedModel {
  try {
    return core.lifecycle.getModel(name, version === undefined ? -1 : Number(version));
  } catch (e) {
    const err = toTritonError(e);
    throw new TritonError(err.code, `Request for unknown model: ${err.message}`);
  }
}

/** `getModel`, or undefined after replying with its error (the handlers' common first step). */
function modelOrReply(
  core: ServerCore,
  x: Exchange,
  name: string,
  version: string | undefined,
): LoadedModel | undefined {
  try {
    return getModel(core, name, version);
  } catch (e) {
    x.sendError(e);
    return undefined;
  }
}

function handleHealth(core: ServerCore, x: Exchange, kind: "live" | "ready"): void {
  if (!guard(core, x, "health", "GET")) return;
  // triton-contract.md §1.1: 200 or 400 with an empty body; 503 "Server exiting" on shutdown.
  if (core.state === "EXITING") {
    x.sendError(new TritonError("UNAVAILABLE", "Server exiting"));
    return;
  }
  const ok = kind === "live" ? true : core.isReady();
  x.send(ok ? 200 : 400);
}

function handleServerMetadata(core: ServerCore, x: Exchange): void {
  if (!guard(core, x, "metadata", "GET")) return;
  x.sendJson({ name: "triton", version: core.config.serverVersion, extensions: EXTENSIONS });
}

/** §1.4: 200 empty; 404/503 JSON from GetModel; 400 "Model version not ready"; 503 "Server not ready". */
function handleModelReady(
  core: ServerCore,
  x: Exchange,
  name: string,
  version: string | undefined,
): void {
  if (!guard(core, x, "health", "GET")) return;
  const model = modelOrReply(core, x, name, version);
  if (model === undefined) return;
  if (core.state !== "READY") {
    x.sendError(new TritonError("UNAVAILABLE", "Server not ready"));
    return;
  }
  if (core.lifecycle.versionState(name, model.version) !== "READY") {
    x.sendErrorWith(400, "Model version not ready");
    return;
  }
  x.send(200);
}

/** §1.3: name, versions (READY ones, as strings), platform, inputs/outputs with -1 batch dim. */
function handleModelMetadata(
  core: ServerCore,
  x: Exchange,
  name: string,
  version: string | undefined,
): void {
  if (!guard(core, x, "metadata", "GET")) return;
  const model = modelOrReply(core, x, name, version);
  if (model === undefined) return;
  const config = model.config;
  const batching = ((config.max_batch_size as number | undefined) ?? 0) >= 1;
  const io = (list: unknown) =>
    ((list as ConfigObject[] | undefined) ?? []).map((t) => ({
      name: String(t.name),
      datatype: configToProtocol(String(t.data_type)),
      shape: [...(batching ? [-1] : []), ...((t.dims as number[] | undefined) ?? [])],
    }));
  const versions =
    version !== undefined
      ? [String(Number(version))]
      : core.lifecycle.readyVersions(name).map(String);
  x.sendJson({
    name,
    versions,
    platform:
      (config.platform as string | undefined) || (config.backend as string | undefined) || "",
    inputs: io(config.input),
    outputs: io(config.output),
  });
}

/** §1.5: protobuf JSON with proto field names, every primitive printed, int64 as numbers. */
function handleModelConfig(
  core: ServerCore,
  x: Exchange,
  name: string,
  version: string | undefined,
): void {
  if (!guard(core, x, "model-config", "GET")) return;
  const model = modelOrReply(core, x, name, version);
  if (model === undefined) return;
  x.sendJson(configToJson(model.config));
}

/** §1.6 statistics. */
function handleStats(
  core: ServerCore,
  x: Exchange,
  name: string | undefined,
  version: string | undefined,
): void {
  if (!guard(core, x, "statistics", "GET")) return;
  const entries: { name: string; version: number }[] = [];
  try {
    if (name === undefined) {
      for (const [model, versions] of core.lifecycle.modelStates()) {
        for (const [v, s] of versions) {
          if (s.state === "READY") entries.push({ name: model, version: v });
        }
      }
    } else {
      const ready = core.lifecycle.readyVersions(name);
      if (ready.length === 0) {
        throw new TritonError("INVALID_ARG", `requested model '${name}' is not available`);
      }
      if (version === undefined) {
        for (const v of ready) entries.push({ name, version: v });
      } else if (ready.includes(Number(version))) {
        entries.push({ name, version: Number(version) });
      } else {
        throw new TritonError(
          "INVALID_ARG",
          `requested model version is not available for model '${name}'`,
        );
      }
    }
  } catch (e) {
    x.sendError(e);
    return;
  }
  const d = (s: { count: number; ns: number }) => ({ count: s.count, ns: s.ns });
  x.sendJson({
    model_stats: entries.map((e) => {
      const st = core.lifecycle.getModel(e.name, e.version).stats;
      return {
        name: e.name,
        version: String(e.version),
        last_inference: st.lastInferenceMs,
        inference_count: st.inferenceCount,
        execution_count: st.executionCount,
        inference_stats: {
          success: d(st.success),
          fail: d(st.fail),
          queue: d(st.queue),
          compute_input: d(st.computeInput),
          compute_infer: d(st.computeInfer),
          compute_output: d(st.computeOutput),
          cache_hit: { count: 0, ns: 0 },
          cache_miss: { count: 0, ns: 0 },
        },
        response_stats: {},
        batch_stats: [],
        memory_usage: [],
      };
    }),
  });
}

/** Parses an optional JSON body (EVRequestToJson): empty → undefined; malformed → 500. */
function optionalJson(x: Exchange): Record<string, unknown> | undefined {
  if (x.body.length === 0) return undefined;
  const v = parseRequestJson(x.body);
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

/** §1.7 repository index. */
function handleIndex(core: ServerCore, x: Exchange, repoName: string | undefined): void {
  if (!guard(core, x, "model-repository", "POST")) return;
  if (repoName !== undefined) {
    x.sendError(new TritonError("UNSUPPORTED", "'repository_name' specification is not supported"));
    return;
  }
  let ready = false;
  try {
    const body = optionalJson(x);
    if (body && "ready" in body) {
      if (typeof body.ready !== "boolean") {
        throw new TritonError("INVALID_ARG", "Invalid value for 'ready': expected a boolean");
      }
      ready = body.ready;
    }
  } catch (e) {
    x.sendError(e);
    return;
  }
  x.sendJson(core.repository.index(ready));
}

/** §1.8 load / §1.9 unload. */
async function handleRepositoryControl(
  core: ServerCore,
  x: Exchange,
  repoName: string | undefined,
  name: string,
  action: "load" | "unload",
): Promise<void> {
  if (!guard(core, x, "model-repository", "POST")) return;
  const ok = (): void => x.send(200, "", { "content-type": "application/json" });
  if (repoName !== undefined) {
    x.sendError(new TritonError("UNSUPPORTED", "'repository_name' specification is not supported"));
    return;
  }
  try {
    const body = optionalJson(x);
    if (action === "load") {
      const params: LoadParameter[] = [];
      const p = body?.parameters;
      if (p !== undefined) {
        if (p === null || typeof p !== "object" || Array.isArray(p)) {
          throw new TritonError("INTERNAL", "attempt to access JSON non-object as object");
        }
        for (const [key, value] of Object.entries(p)) {
          // HandleRepositoryControl: every parameter value must be a JSON string (§1.8 → 500).
          if (typeof value !== "string") {
            throw new TritonError("INTERNAL", "attempt to access JSON non-string as string");
          }
          if (key === "config") params.push({ name: "config", value });
          else if (key.startsWith("file:")) {
            params.push({ name: key, bytes: Buffer.from(value, "base64") });
          } else throw new TritonError("INTERNAL", "unexpected error on creating Triton parameter");
        }
      }
      await core.repository.loadModel(name, params);
    } else {
      const ud = (body?.parameters as Record<string, unknown> | undefined)?.unload_dependents;
      if (ud !== undefined && typeof ud !== "boolean") {
        throw new TritonError(
          "INTERNAL",
          "Unable to parse 'unload_dependents': attempt to access JSON non-boolean as boolean",
        );
      }
      // `unload_dependents` only matters for ensembles, which this server does not serve.
      await core.repository.unloadModel(name);
    }
  } catch (e) {
    x.sendError(e);
    return;
  }
  ok();
}

/** §1.10 inference, recorded in the request log whatever the outcome. */
async function handleInfer(
  core: ServerCore,
  x: Exchange,
  name: string,
  version: string | undefined,
): Promise<void> {
  const requestedVersion = version === undefined ? undefined : Number(version);
  const refused = refuse(core, x, "inference", "POST");
  if (refused !== undefined) {
    core.requestLog.record({
      atMs: Date.now(),
      model: name,
      requestedVersion,
      servedVersion: undefined,
      status: refused,
    });
    return;
  }
  let served: number | undefined;
  let status: number;
  let model: LoadedModel | undefined;
  let releaseHold: (() => void) | undefined;
  try {
    // Validation order (§1.10): model lookup before the body is parsed.
    model = getModel(core, name, version);
    served = model.version;
    releaseHold = model.hold();
    let body = x.body;
    const encoding = String(x.req.headers["content-encoding"] ?? "").toLowerCase();
    if (encoding === "gzip") body = gunzipSync(body);
    else if (encoding === "deflate") body = inflateSync(body);
    const header = x.req.headers[INFER_HEADER];
    const parsed = parseInferRequest(name, body, Array.isArray(header) ? header[0] : header);
    const normalized = normalizeRequest(parsed, name, model.config);
    const response = await executeRequest(model, normalized, core.controls);
    x.send(200, response.body, response.headers);
    status = 200;
  } catch (e) {
    status = x.sendError(e);
  } finally {
    releaseHold?.();
  }
  // A request cut off by a crash was never answered: it does not go into the log.
  if (!core.destroyed) {
    core.requestLog.record({
      atMs: Date.now(),
      model: name,
      requestedVersion,
      servedVersion: served,
      status,
    });
  }
}

function handleTrace(core: ServerCore, x: Exchange): void {
  if (!guard(core, x, "trace", ["GET", "POST"])) return;
  x.sendJson({
    trace_level: ["OFF"],
    trace_rate: "1000",
    trace_count: "-1",
    log_frequency: "0",
    trace_file: "",
    trace_mode: "triton",
  });
}

function handleLogging(core: ServerCore, x: Exchange): void {
  if (!guard(core, x, "logging", ["GET", "POST"])) return;
  x.sendJson({
    log_file: "",
    log_info: true,
    log_warning: true,
    log_error: true,
    log_verbose_level: 0,
    log_format: "default",
  });
}

function handleSharedMemory(core: ServerCore, x: Exchange, action: string): void {
  if (!guard(core, x, "shared-memory", action === "status" ? "GET" : "POST")) return;
  if (action === "status") {
    x.sendJson([]);
    return;
  }
  x.sendError(new TritonError("UNSUPPORTED", "shared memory is not supported by this test server"));
}
