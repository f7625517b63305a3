// The MLflow-compatible test server: one HTTP(S) listener on loopback that serves MLflow's
// REST paths (under /api/2.0 and /ajax-api/2.0), the legacy download routes, /health and
// /version, and — under a separate prefix — the test-control API. Every request passes:
// fault draw → auth → routing → MLflow guard → handler → reply (with any body fault).
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArtifactStore } from "./artifact-store";
import { authenticate, forbiddenReply, isPermitted, isUnprotectedRoute } from "./auth";
import { CONTROL_PREFIX, handleControl } from "./control";
import { MlflowError, artifactsOnlyText, serveArtifactsDisabledText } from "./errors";
import { FaultRegistry, type FaultAction } from "./faults";
import { switchesFrom, type BehaviourSwitches, type MlflowServerOptions } from "./options";
import { parseArtifactLocation } from "./paths";
import {
  mlflowErrorReply,
  sendReply,
  textReply,
  werkzeugReply,
  type BodyFault,
  type Reply,
} from "./reply";
import { RequestLog, type RequestLogEntry } from "./request-log";
import { Router, bodyReader, fieldsReader, type RouteDef, type ServerCore } from "./router";
import { artifactServiceRoutes } from "./routes/artifacts";
import { healthRoutes } from "./routes/health";
import { legacyDownloadRoutes } from "./routes/legacy-downloads";
import { registryRoutes } from "./routes/registry";
import { trackingRoutes } from "./routes/tracking";
import { JsonWriter } from "./serialize";
import { RegistryStore, type ModelVersionStatus } from "./store";

export interface MlflowHandle {
  /** Tracking URI for clients: `http(s)://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The `--artifacts-destination` on disk (`<dataDir>/artifacts`). */
  readonly artifactsDir: string;
  /** Base URL of the test-control HTTP API. */
  readonly controlUrl: string;
  /** Transient-fault rules: `add(rule)` → id, `remove(id)`, `clear()`, `list()`. */
  readonly faults: FaultRegistry;
  switches(): BehaviourSwitches;
  setSwitches(changes: Partial<BehaviourSwitches>): void;
  /** Every answered request so far (control routes excluded). */
  requests(): RequestLogEntry[];
  clearRequests(): void;
  waitForRequest(
    predicate: (entry: RequestLogEntry) => boolean,
    timeoutMs?: number,
  ): Promise<RequestLogEntry>;
  onRequest(listener: (entry: RequestLogEntry) => void): () => void;
  /** Simulate an async registry: set a version's status (PENDING/FAILED_REGISTRATION/READY). */
  setModelVersionStatus(
    name: string,
    version: string,
    status: ModelVersionStatus,
    statusMessage?: string,
  ): void;
  /** Put an object into the simulated S3 behind `s3://` artifact roots (mlflow-contract.md §2.5). */
  putS3Object(uri: string, data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

const API_PREFIXES = ["/api/2.0", "/ajax-api/2.0"];

function majorVersion(version: string): number {
  return Number(/^(\d+)/.exec(version)?.[1] ?? "0");
}

function statusText(status: number): string {
  const reasons: Record<number, string> = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
  };
  return reasons[status] ?? "Error";
}

/** The reply for a `status` fault: what a gateway or a throttling MLflow answers. */
function statusFaultReply(fault: Extract<FaultAction, { kind: "status" }>): Reply {
  const headers: Record<string, string> = {
    "Content-Type": fault.contentType ?? "text/plain; charset=utf-8",
  };
  if (fault.retryAfter !== undefined) headers["Retry-After"] = String(fault.retryAfter);
  return {
    status: fault.status,
    headers,
    body: Buffer.from(fault.body ?? `${fault.status} ${statusText(fault.status)}`),
  };
}

function isBodyFault(fault: FaultAction | undefined): fault is BodyFault {
  return (
    fault !== undefined && ["delay", "reset", "close", "truncate", "corrupt"].includes(fault.kind)
  );
}

export async function startMlflowServer(options: MlflowServerOptions = {}): Promise<MlflowHandle> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "mlflow-test-"));
  mkdirSync(dataDir, { recursive: true });
  const switches = switchesFrom(options);
  const now = options.now ?? Date.now;
  const mlflowVersion = options.mlflowVersion ?? "3.4.0";
  const is3x = majorVersion(mlflowVersion) >= 3;
  const store = new RegistryStore(join(dataDir, "registry.json"), now, () => switches);
  const artifacts = new ArtifactStore(dataDir);
  const core: ServerCore = {
    store,
    artifacts,
    switches,
    writer: new JsonWriter(switches, is3x),
    mlflowVersion,
    is3x,
    now,
  };
  const faults = new FaultRegistry();
  const log = new RequestLog();

  // mlflow-contract.md §0: every proto path is served under /api/2.0 and /ajax-api/2.0.
  const apiRoutes = [...registryRoutes(), ...trackingRoutes(is3x), ...artifactServiceRoutes()];
  const routes: RouteDef[] = [
    ...API_PREFIXES.flatMap((prefix) =>
      apiRoutes.map((route) => ({ ...route, rule: `${prefix}${route.rule}` })),
    ),
    ...legacyDownloadRoutes(is3x),
    ...healthRoutes(),
  ];
  const router = new Router(routes);

  const pendingSleeps = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        pendingSleeps.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      pendingSleeps.add(done);
    });

  async function route(
    method: string,
    pathname: string,
    query: URLSearchParams,
    incoming: IncomingMessage,
  ): Promise<{ reply: Reply; error?: string }> {
    // mlflow-contract.md §4, §5: the basic-auth app runs before routing (so even an unknown
    // path gets 401 first); only /health and static files are unprotected.
    let permission: ReturnType<typeof authenticate> | undefined;
    if (options.auth && !isUnprotectedRoute(pathname)) {
      permission = authenticate(incoming.headers, options.auth);
      if (!permission.ok) return { reply: permission.reply };
    }
    const match = router.match(method, pathname);
    // mlflow-contract.md §4: unknown route → Flask 404 HTML (a wrong method → Flask 405).
    if (match.kind === "not-found") return { reply: werkzeugReply(404) };
    if (match.kind === "method-not-allowed") {
      return { reply: werkzeugReply(405, { Allow: match.allow.join(", ") }) };
    }
    // mlflow-contract.md §4: authenticated without permission → 403 `Permission denied`.
    if (permission?.ok && !isPermitted(method, permission.permission)) {
      return { reply: forbiddenReply() };
    }
    if (method === "OPTIONS") {
      const allow = new Set([...match.route.methods, "OPTIONS"]);
      if (allow.has("GET")) allow.add("HEAD");
      return {
        reply: {
          status: 200,
          headers: { Allow: [...allow].sort().join(", ") },
          body: Buffer.alloc(0),
        },
      };
    }
    // mlflow-contract.md §1.1 (`_disable_if_artifacts_only`) and §1.3
    // (`_disable_unless_serve_artifacts`): 503 plain text naming the Flask rule.
    if (match.route.guard === "tracking" && switches.artifactsOnly) {
      return { reply: textReply(503, artifactsOnlyText(match.route.rule)) };
    }
    if (match.route.guard === "artifacts" && !switches.serveArtifacts) {
      return { reply: textReply(503, serveArtifactsDisabledText(match.route.rule)) };
    }
    const readBody = bodyReader(incoming);
    try {
      const reply = await match.route.handler({
        core,
        method,
        pathname,
        query,
        incoming,
        params: match.params,
        rule: match.route.rule,
        fields: fieldsReader(method, query, incoming, readBody),
      });
      return { reply };
    } catch (error) {
      if (error instanceof MlflowError) return { reply: mlflowErrorReply(error) };
      // An exception MLflow does not catch: Flask's HTML 500.
      return { reply: werkzeugReply(500), error: (error as Error).stack ?? String(error) };
    }
  }

  async function onRequest(incoming: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    const method = (incoming.method ?? "GET").toUpperCase();
    const rawPath = incoming.url ?? "/";
    // The path is kept raw: WHATWG URL parsing would resolve `..` and `%2E%2E` segments that
    // Werkzeug hands to MLflow's path checks untouched.
    const queryAt = rawPath.indexOf("?");
    const query = new URLSearchParams(queryAt >= 0 ? rawPath.slice(queryAt + 1) : "");
    const pathname = queryAt >= 0 ? rawPath.slice(0, queryAt) : rawPath;
    const sendContext = { req: incoming, res, sleep };

    if (pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      const reply = await handleControl(handle, method, pathname, incoming);
      await sendReply(sendContext, reply);
      return;
    }

    const fault = faults.take(method, rawPath);
    let error: string | undefined;
    res.on("close", () => {
      void (async () => {
        const entry: RequestLogEntry = {
          method,
          path: rawPath,
          status: res.statusCode,
          requestHeaders: incoming.headers,
          ...(fault ? { fault: fault.kind } : {}),
          ...(error !== undefined ? { error } : {}),
          startedAt,
          finishedAt: Date.now(),
        };
        // Actions "after the request is answered" run before the entry is logged, so a test
        // that waits for the entry sees their effect.
        try {
          if (fault?.kind === "set-alias") store.setAlias(fault.name, fault.alias, fault.version);
          if (fault?.kind === "hook") await fault.run(entry);
          log.record(entry);
        } catch (actionError) {
          log.record({ ...entry, error: `after-request action failed: ${String(actionError)}` });
        }
      })();
    });

    let reply: Reply;
    if (fault?.kind === "status") {
      reply = statusFaultReply(fault);
    } else {
      const outcome = await route(method, pathname, query, incoming);
      reply = outcome.reply;
      error = outcome.error;
    }
    // Whatever a handler did not read is drained, so the connection stays usable.
    if (!incoming.readableEnded) incoming.resume();
    await sendReply(sendContext, reply, isBodyFault(fault) ? fault : undefined);
  }

  const listener = (incoming: IncomingMessage, res: ServerResponse) => {
    onRequest(incoming, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": "text/plain" });
        res.end(`test server failure: ${String(error)}`);
      } else {
        res.destroy();
      }
    });
  };
  const server = options.tls
    ? createHttpsServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ...(options.tls.ca !== undefined ? { ca: options.tls.ca } : {}),
          requestCert: options.tls.requireClientCert === true,
          rejectUnauthorized: options.tls.requireClientCert === true,
        },
        listener,
      )
    : createHttpServer(listener);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${options.tls ? "https" : "http"}://${options.host ?? "127.0.0.1"}:${port}`;

  const handle: MlflowHandle = {
    url,
    port,
    dataDir,
    artifactsDir: artifacts.destination,
    controlUrl: `${url}${CONTROL_PREFIX}`,
    faults,
    switches: () => ({ ...switches }),
    setSwitches: (changes) => {
      // Assigned key by key so `asyncRegistration: undefined` switches it off again.
      for (const key of Object.keys(changes) as (keyof BehaviourSwitches)[]) {
        if (key in switches) Object.assign(switches, { [key]: changes[key] });
      }
    },
    requests: () => log.all(),
    clearRequests: () => log.clear(),
    waitForRequest: (predicate, timeoutMs) => log.waitFor(predicate, timeoutMs),
    onRequest: (listener) => log.onRequest(listener),
    setModelVersionStatus: (name, version, status, statusMessage) => {
      store.setModelVersionStatus(name, version, status, statusMessage);
    },
    putS3Object: async (uri, data) => {
      const location = parseArtifactLocation(uri);
      if (location?.kind !== "s3" || location.key === "") {
        throw new Error(`putS3Object needs an s3://<bucket>/<key> URI, got "${uri}"`);
      }
      await artifacts.writeBuffer(artifacts.localPath(location), data);
    },
    close: async () => {
      for (const wake of [...pendingSleeps]) wake();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}
