// Shared plumbing for the Kubernetes test-server conformance suite: the official client loaded
// from the server's kubeconfig, exactly as the provider will load it, plus small waits that
// await watch events instead of sleeping.
import type { KubeConfig, V1Job } from "@kubernetes/client-node";
import {
  startKubernetesServer,
  type KubernetesHandle,
  type KubernetesServerOptions,
} from "../../support/kubernetes";

export type K8s = typeof import("@kubernetes/client-node");

export interface Clients {
  readonly k8s: K8s;
  readonly kc: KubeConfig;
  readonly batch: InstanceType<K8s["BatchV1Api"]>;
  readonly core: InstanceType<K8s["CoreV1Api"]>;
}

export async function clientsFor(kubeconfigPath: string): Promise<Clients> {
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    k8s,
    kc,
    batch: kc.makeApiClient(k8s.BatchV1Api),
    core: kc.makeApiClient(k8s.CoreV1Api),
  };
}

/** The rejection of an API call: HTTP code and the parsed Status body. */
export async function apiError(call: Promise<unknown>): Promise<{ code: number; body: unknown }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code?: number; body?: unknown };
    if (typeof e.code !== "number") throw error;
    const body = typeof e.body === "string" ? (JSON.parse(e.body) as unknown) : e.body;
    return { code: e.code, body };
  }
  throw new Error("expected the API call to fail");
}

export interface WatchEvent {
  readonly type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly object: any;
}

/**
 * Watch `path` until `until(events)` is true (resolves with every event seen) or the stream
 * ends (resolves too: `ended` says which). Uses the client's Watch.
 */
export async function watchUntil(
  c: Clients,
  path: string,
  query: Record<string, string | number | boolean>,
  until: (events: WatchEvent[]) => boolean,
): Promise<{ events: WatchEvent[]; ended: boolean; error: unknown }> {
  const events: WatchEvent[] = [];
  const watch = new c.k8s.Watch(c.kc);
  return new Promise((resolve, reject) => {
    let controller: AbortController | undefined;
    let settled = false;
    const settle = (ended: boolean, error: unknown) => {
      if (settled) return;
      settled = true;
      controller?.abort();
      resolve({ events, ended, error });
    };
    watch
      .watch(
        path,
        query,
        (type, object) => {
          events.push({ type, object });
          if (until(events)) settle(false, undefined);
        },
        (error: unknown) => settle(true, error),
      )
      .then((c2) => {
        controller = c2;
        if (settled) c2.abort();
      }, reject);
  });
}

export function jobPath(namespace: string): string {
  return `/apis/batch/v1/namespaces/${namespace}/jobs`;
}

/** Wait for a terminal condition (Complete or Failed) of the Job. */
export async function waitForJobEnd(c: Clients, namespace: string, name: string): Promise<V1Job> {
  const { events } = await watchUntil(
    c,
    jobPath(namespace),
    { fieldSelector: `metadata.name=${name}` },
    (evs) => {
      const last = evs.at(-1)?.object as V1Job | undefined;
      return (last?.status?.conditions ?? []).some(
        (cond) => (cond.type === "Complete" || cond.type === "Failed") && cond.status === "True",
      );
    },
  );
  return events.at(-1)?.object as V1Job;
}

/** A Job running `command` in one container (restartPolicy Never). */
export function jobManifest(
  name: string,
  command: string[],
  overrides: Partial<V1Job["spec"]> = {},
): V1Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: "Never",
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "main", image: "docker.io/library/node:22", command }],
        },
      },
      ...overrides,
    },
  };
}

export async function podsOf(c: Clients, namespace: string, job: string) {
  const list = await c.core.listNamespacedPod({ namespace, labelSelector: `job-name=${job}` });
  return list.items;
}

export type { KubernetesHandle };

/** The Status body of a failed request (kubernetes-contract.md §1.3), as the server writes it. */
export function failureStatus(code: number, reason: string, message: string, details: object) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    details,
    code,
  };
}

/** A test server and the official client on its kubeconfig. */
export async function startWithClients(
  options: KubernetesServerOptions,
): Promise<{ server: KubernetesHandle; c: Clients }> {
  const server = await startKubernetesServer(options);
  return { server, c: await clientsFor(server.kubeconfigPath) };
}
