// The Kubernetes-API-compatible test server: HTTPS on loopback with a private CA, bearer-token
// authentication, RBAC as a per-token allow-list, the served objects of kubernetes-contract.md,
// a Job controller and a kubelet that runs containers as local processes. Every request passes
// authentication → path → authorization → verb, and errors leave as Status bodies (§1.3).
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestPki } from "../mlflow/test-pki";
import type { LocalVolumes } from "./container-setup";
import { JobController } from "./job-controller";
import { Kubelet } from "./kubelet";
import { writeKubeconfig } from "./kubeconfig";
import { parseApiPath, type ApiPath } from "./paths";
import { PodLogs } from "./pod-logs";
import { authenticate, authorize, type TokenIdentity } from "./rbac";
import * as routes from "./routes";
import { StatusError } from "./status";
import { ObjectStore, type KubeObject } from "./store";
import { serveWatch, type OpenWatch } from "./watch-stream";

export interface KubernetesServerOptions {
  /** Bearer tokens and what each may do; default one admin token, `test-admin-token`. */
  readonly tokens?: Readonly<Record<string, TokenIdentity>>;
  /** The namespace of the kubeconfig's context (default `default`). */
  readonly namespace?: string;
  /** Local directories standing for PVCs and hostPaths. */
  readonly volumes?: LocalVolumes;
  /** First Job retry delay (default 10 000 ms as on a cluster, §2.3). */
  readonly backoffBaseMs?: number;
  /** Time between ErrImagePull and ImagePullBackOff (default 1000 ms). */
  readonly imagePullRetryMs?: number;
  /** Changes kept for watches to resume from (default 1000). */
  readonly historyLimit?: number;
  /** Plain HTTP instead of HTTPS (default false). */
  readonly insecure?: boolean;
}

export interface KubernetesHandle {
  readonly url: string;
  /** A kubeconfig for the first token (written at start). */
  readonly kubeconfigPath: string;
  readonly caCert: Buffer;
  /** Write a kubeconfig that authenticates with `token`. */
  kubeconfigFor(token: string): string;
  /** Stored object, or undefined (no API call, no RBAC). */
  object(resource: string, namespace: string, name: string): KubeObject | undefined;
  objects(resource: string, namespace: string): KubeObject[];
  /** Make every pull of `image` fail (§3.3). */
  failImagePull(image: string, message?: string): void;
  /** Kill the pod's process as the kernel's OOM killer does (§3.3: OOMKilled, exit 137). */
  oomKill(namespace: string, pod: string): void;
  /** Evict the pod as the kubelet does under node pressure (§3.2). */
  evict(namespace: string, pod: string, message?: string): void;
  /** Forget the change history: older resourceVersions become expired (§4.3). */
  compactHistory(): void;
  /** Send a BOOKMARK on every open watch that allowed them (§4.4). */
  sendBookmarks(): void;
  /** End every open watch stream now, as the API server does when its timeout comes (§4.5). */
  closeWatches(): void;
  /** The log text of a container so far. */
  logText(namespace: string, pod: string, container: string): string;
  close(): Promise<void>;
}

export const DEFAULT_TOKEN = "test-admin-token";
const EVICTION_MESSAGE =
  "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. ";

function verbOf(method: string, path: ApiPath, query: URLSearchParams): string | undefined {
  const watching = query.get("watch") === "1" || query.get("watch") === "true";
  if (path.subresource === "log") {
    return method === "GET" && path.gr.resource === "pods" ? "get" : undefined;
  }
  if (path.subresource !== "") return undefined;
  if (method === "GET") return path.name === "" ? (watching ? "watch" : "list") : "get";
  if (method === "POST" && path.name === "") return "create";
  if (method === "PUT" && path.name !== "") return "update";
  if (method === "DELETE" && path.name !== "") return "delete";
  return undefined;
}

export async function startKubernetesServer(
  options: KubernetesServerOptions = {},
): Promise<KubernetesHandle> {
  const dir = mkdtempSync(join(tmpdir(), "kube-api-"));
  const tokens = options.tokens ?? { [DEFAULT_TOKEN]: { user: "kubernetes-admin", allow: ["*"] } };
  const namespace = options.namespace ?? "default";
  const store = new ObjectStore(() => new Date(), options.historyLimit ?? 1000, 1000);
  const logs = new PodLogs();
  const jobs = new JobController(store, { backoffBaseMs: options.backoffBaseMs ?? 10_000 });
  const kubelet = new Kubelet(
    store,
    logs,
    { volumes: options.volumes ?? {}, imagePullRetryMs: options.imagePullRetryMs ?? 1000 },
    (ns, pod) => jobs.podFinished(ns, pod),
  );
  jobs.attach(kubelet);
  const ctx: routes.RouteContext = { store, jobs, logs };
  const watches = new Set<OpenWatch>();

  function sendJson(res: ServerResponse, reply: routes.JsonReply): void {
    res.writeHead(reply.status, { "Content-Type": "application/json", ...(reply.headers ?? {}) });
    res.end(JSON.stringify(reply.body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://localhost");
    const identity = authenticate(req.headers.authorization, tokens);
    const path = parseApiPath(url.pathname);
    const verb = path === undefined ? undefined : verbOf(method, path, url.searchParams);
    if (path === undefined || verb === undefined) {
      // The API server's mux answers unknown paths in plain text.
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("404 page not found\n");
      return;
    }
    authorize(identity, {
      verb,
      gr: path.gr,
      subresource: path.subresource,
      namespace: path.namespace,
      name: path.name,
    });
    if (path.subresource === "log") return routes.podLog(ctx, path, url.searchParams, res);
    if (verb === "watch") return serveWatch(store, path, url.searchParams, res, watches);
    if (verb === "list") return sendJson(res, routes.list(ctx, path, url.searchParams));
    if (verb === "get") return sendJson(res, routes.get(ctx, path));
    if (verb === "create") return sendJson(res, await routes.create(ctx, path, req));
    if (verb === "update") return sendJson(res, await routes.update(ctx, path, req));
    return sendJson(res, await routes.remove(ctx, path, url.searchParams, req));
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof StatusError) {
        sendJson(res, { status: error.code, body: error.body });
        return;
      }
      res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(`test server failure: ${(error as Error).stack ?? String(error)}`);
    });
  };
  const pki = options.insecure ? undefined : createTestPki(join(dir, "pki"));
  const server = pki
    ? createHttpsServer({ cert: pki.serverCert, key: pki.serverKey }, listener)
    : createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${pki ? "https" : "http"}://127.0.0.1:${port}`;
  const caCert = pki?.caCert ?? Buffer.alloc(0);
  let written = 0;
  const kubeconfigFor = (token: string) => {
    written += 1;
    return writeKubeconfig(join(dir, `kubeconfig-${written}.yaml`), {
      server: url,
      caCert,
      token,
      namespace,
    });
  };
  const kubeconfigPath = kubeconfigFor(Object.keys(tokens)[0] as string);

  return {
    url,
    kubeconfigPath,
    caCert,
    kubeconfigFor,
    object: (resource, ns, name) => store.find(resource, ns, name),
    objects: (resource, ns) => store.list(resource, ns),
    failImagePull: (image, message) =>
      kubelet.failImagePull(
        image,
        message ??
          `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": not found`,
      ),
    oomKill: (ns, pod) => {
      if (!kubelet.kill(ns, pod, { kind: "oom" })) {
        throw new Error(`oomKill: pod ${ns}/${pod} has no running process`);
      }
    },
    evict: (ns, pod, message) => {
      if (!kubelet.kill(ns, pod, { kind: "evict", message: message ?? EVICTION_MESSAGE })) {
        throw new Error(`evict: pod ${ns}/${pod} has no running process`);
      }
    },
    compactHistory: () => store.compact(),
    sendBookmarks: () => {
      for (const w of watches) w.bookmark();
    },
    closeWatches: () => {
      for (const w of [...watches]) w.close();
    },
    logText: (ns, pod, container) => logs.text(ns, pod, container),
    close: async () => {
      jobs.shutdown();
      kubelet.shutdown();
      for (const w of [...watches]) w.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
