// The REST verbs on the served objects (kubernetes-contract.md §1.1, §1.3, §2.1, §2.7, §3.1, §5,
// §6): create, get, list, update, delete, and the pod log.
import type { IncomingMessage, ServerResponse } from "node:http";
import { defaultJob, defaultSecret } from "./defaults";
import type { JobController, Propagation } from "./job-controller";
import type { ApiPath } from "./paths";
import type { PodLogs } from "./pod-logs";
import { fieldMatcher, labelMatcher } from "./selectors";
import { deletedStatus, statusErrors } from "./status";
import type { KubeObject, ObjectStore } from "./store";
import { validateConfigMapUpdate, validateJob } from "./validation";

type Json = Record<string, unknown>;

export interface RouteContext {
  readonly store: ObjectStore;
  readonly jobs: JobController;
  readonly logs: PodLogs;
}

export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

// §2.7: the warning a delete of a Job without a propagation policy gets.
export const JOB_DELETE_WARNING =
  '299 - "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"';

export async function readJson(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw statusErrors.badRequest(`error decoding request body: ${(error as Error).message}`);
  }
}

function asObject(path: ApiPath, body: Json): KubeObject {
  const metadata = (body.metadata ?? {}) as Json;
  if (typeof metadata.name !== "string" || metadata.name === "") {
    throw statusErrors.invalid(path.kind, path.gr.group, "", [
      {
        reason: "FieldValueRequired",
        message: "Required value: name or generateName is required",
        field: "metadata.name",
      },
    ]);
  }
  return {
    ...body,
    apiVersion: path.apiVersion,
    kind: path.kind,
    metadata: { ...metadata, name: metadata.name },
  };
}

export async function create(
  ctx: RouteContext,
  path: ApiPath,
  req: IncomingMessage,
): Promise<JsonReply> {
  if (path.gr.resource === "pods") {
    throw statusErrors.methodNotAllowed(path.gr, "create (the test server's pods come from Jobs)");
  }
  const object = asObject(path, await readJson(req));
  delete object.status;
  if (path.gr.resource === "jobs") {
    const created = ctx.store.create(path.gr, path.namespace, object, (o) => {
      defaultJob(o, String(o.metadata.uid));
      validateJob(o);
    });
    // The controller acts after the answer, as it would on a cluster.
    setImmediate(() => ctx.jobs.jobCreated(path.namespace, created));
    return { status: 201, body: created };
  }
  if (path.gr.resource === "secrets") defaultSecret(object);
  return { status: 201, body: ctx.store.create(path.gr, path.namespace, object) };
}

export function get(ctx: RouteContext, path: ApiPath): JsonReply {
  return { status: 200, body: ctx.store.get(path.gr, path.namespace, path.name) };
}

export function list(ctx: RouteContext, path: ApiPath, query: URLSearchParams): JsonReply {
  const byLabels = labelMatcher(query.get("labelSelector"));
  const byFields = fieldMatcher(query.get("fieldSelector"));
  // §3.1: list items carry no kind/apiVersion; the list has its own and the version.
  const items = ctx.store
    .list(path.gr.resource, path.namespace)
    .filter((o) => byLabels(o) && byFields(o))
    .map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest);
  return {
    status: 200,
    body: {
      kind: `${path.kind}List`,
      apiVersion: path.apiVersion,
      metadata: { resourceVersion: String(ctx.store.resourceVersion) },
      items,
    },
  };
}

export async function update(
  ctx: RouteContext,
  path: ApiPath,
  req: IncomingMessage,
): Promise<JsonReply> {
  const next = asObject(path, await readJson(req));
  const current = ctx.store.get(path.gr, path.namespace, path.name);
  const sentVersion = next.metadata.resourceVersion;
  if (sentVersion !== undefined && sentVersion !== current.metadata.resourceVersion) {
    throw statusErrors.conflict(path.gr, path.name);
  }
  if (path.gr.resource === "configmaps") validateConfigMapUpdate(current, next);
  if (path.gr.resource === "secrets") defaultSecret(next);
  const updated = ctx.store.update(path.gr, path.namespace, path.name, (o) => {
    for (const key of Object.keys(o)) if (key !== "metadata" && key !== "status") delete o[key];
    Object.assign(o, {
      ...next,
      metadata: {
        ...o.metadata,
        labels: next.metadata.labels,
        annotations: next.metadata.annotations,
      },
    });
  });
  return { status: 200, body: updated };
}

function propagationOf(query: URLSearchParams, body: Json): Propagation | undefined {
  const value = query.get("propagationPolicy") ?? (body.propagationPolicy as string | undefined);
  if (value === undefined || value === null) return undefined;
  if (value !== "Background" && value !== "Foreground" && value !== "Orphan") {
    throw statusErrors.badRequest(`unsupported propagationPolicy: ${value}`);
  }
  return value;
}

export async function remove(
  ctx: RouteContext,
  path: ApiPath,
  query: URLSearchParams,
  req: IncomingMessage,
): Promise<JsonReply> {
  const body = await readJson(req);
  const existing = ctx.store.get(path.gr, path.namespace, path.name);
  const uid = String(existing.metadata.uid);
  if (path.gr.resource === "jobs") {
    const asked = propagationOf(query, body);
    // §2.7: batch/v1 orphans by default, and says so in a Warning header.
    const marked = ctx.jobs.deleteJob(path.namespace, path.name, asked ?? "Orphan");
    const headers = asked === undefined ? { Warning: JOB_DELETE_WARNING } : undefined;
    const answer = marked ?? deletedStatus(path.gr, path.name, uid);
    return { status: 200, body: answer, ...(headers ? { headers } : {}) };
  }
  if (path.gr.resource === "pods") {
    ctx.jobs.deletePod(path.namespace, path.name);
    const still = ctx.store.find("pods", path.namespace, path.name);
    return { status: 200, body: still ?? deletedStatus(path.gr, path.name, uid) };
  }
  ctx.store.remove(path.gr, path.namespace, path.name);
  return { status: 200, body: deletedStatus(path.gr, path.name, uid) };
}

// §5: the container's output as text/plain, followed until it ends when `follow=true`.
export function podLog(
  ctx: RouteContext,
  path: ApiPath,
  query: URLSearchParams,
  res: ServerResponse,
): void {
  const pod = ctx.store.get(path.gr, path.namespace, path.name);
  const containers = ((pod.spec as Json).containers as Json[]).map((c) => String(c.name));
  const container = query.get("container") ?? (containers.length === 1 ? containers[0] : undefined);
  if (container === undefined || !containers.includes(container)) {
    throw statusErrors.badRequest(
      container === undefined
        ? `a container name must be specified for pod ${path.name}, choose one of: [${containers.join(" ")}]`
        : `container ${container} is not valid for pod ${path.name}`,
    );
  }
  const statuses =
    ((pod.status as Json | undefined)?.containerStatuses as Json[] | undefined) ?? [];
  const state = (statuses.find((s) => s.name === container)?.state ?? {}) as Json;
  const waiting = state.waiting as Json | undefined;
  if (state.running === undefined && state.terminated === undefined) {
    const reason = waiting === undefined ? "ContainerCreating" : String(waiting.reason);
    throw statusErrors.badRequest(
      `container "${container}" in pod "${path.name}" is waiting to start: ${reason}`,
    );
  }
  res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
  if (query.get("follow") !== "true") {
    res.end(ctx.logs.text(path.namespace, path.name, container));
    return;
  }
  const stop = ctx.logs.follow(
    path.namespace,
    path.name,
    container,
    (chunk) => {
      if (!res.destroyed) res.write(chunk);
    },
    () => res.end(),
  );
  res.on("close", stop);
}
