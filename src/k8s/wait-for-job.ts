// Wait for a Job's end through watches (kubernetes-contract.md §4): list, then watch the Job and
// its pods from the list's version; re-list after a 410 Expired or a closed stream. Bounded: the
// wait ends with a message naming the cause — the Job's own failure, a pod stuck on an image
// pull or config for longer than `stuckAfterMs`, the Job vanishing, or `timeoutMs` passing.
import type { KubeConfig, V1Job, V1Pod } from "@kubernetes/client-node";
import { apiCall, apiStatusOf } from "./api-error";
import { loadClientNode } from "./client-node";
import { jobOutcome, type FailureCause } from "./job-outcome";

export interface WaitOptions {
  /** Give up after this long (the caller's bound on `up`). */
  readonly timeoutMs: number;
  /** A pod stuck on an image pull or its config this long fails the wait. */
  readonly stuckAfterMs: number;
  readonly signal?: AbortSignal;
}

export type WaitResult =
  | { readonly state: "succeeded"; readonly job: V1Job }
  | {
      readonly state: "failed";
      readonly cause: FailureCause | "timeout" | "gone";
      readonly message: string;
    };

interface Snapshot {
  readonly job: V1Job | undefined;
  readonly pods: V1Pod[];
  readonly jobVersion: string;
  readonly podVersion: string;
}

export async function waitForJob(
  kc: KubeConfig,
  namespace: string,
  name: string,
  options: WaitOptions,
): Promise<WaitResult> {
  const k8s = await loadClientNode();
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const where = `Job "${name}" in namespace "${namespace}"`;
  const labelSelector = `job-name=${name}`;

  async function snapshot(): Promise<Snapshot> {
    const jobs = await apiCall(`list ${where}`, () =>
      batch.listNamespacedJob({ namespace, fieldSelector: `metadata.name=${name}` }),
    );
    const pods = await apiCall(`list the pods of ${where}`, () =>
      core.listNamespacedPod({ namespace, labelSelector }),
    );
    return {
      job: jobs.items[0],
      pods: pods.items,
      jobVersion: jobs.metadata?.resourceVersion ?? "",
      podVersion: pods.metadata?.resourceVersion ?? "",
    };
  }

  return new Promise<WaitResult>((resolve, reject) => {
    const controllers: AbortController[] = [];
    let stuckSince: number | undefined;
    let finished = false;
    let generation = 0;
    const finish = (result: WaitResult | Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      clearTimeout(stuckTimer);
      options.signal?.removeEventListener("abort", onAbort);
      for (const c of controllers) c.abort();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const deadline = setTimeout(
      () =>
        finish({
          state: "failed",
          cause: "timeout",
          message: `${where} did not finish within ${Math.round(options.timeoutMs / 1000)} s`,
        }),
      options.timeoutMs,
    );
    let stuckTimer: NodeJS.Timeout | undefined;
    const onAbort = () => finish(new Error(`waiting for ${where} was cancelled`));
    options.signal?.addEventListener("abort", onAbort);

    let job: V1Job | undefined;
    const pods = new Map<string, V1Pod>();

    const judge = () => {
      if (finished) return;
      if (job === undefined) {
        finish({ state: "failed", cause: "gone", message: `${where} no longer exists` });
        return;
      }
      const outcome = jobOutcome(job, [...pods.values()]);
      if (outcome.state === "succeeded") return finish({ state: "succeeded", job });
      if (outcome.state === "failed") return finish(outcome);
      if (outcome.stuck === undefined) {
        stuckSince = undefined;
        clearTimeout(stuckTimer);
        return;
      }
      if (stuckSince !== undefined) return;
      stuckSince = Date.now();
      const stuck = outcome.stuck;
      stuckTimer = setTimeout(
        () =>
          finish({
            state: "failed",
            cause: stuck.cause,
            message: `${where}: ${stuck.message} (for ${Math.round(options.stuckAfterMs / 1000)} s)`,
          }),
        options.stuckAfterMs,
      );
    };

    // §4.2 list-then-watch; §4.3 a 410 or a closed stream starts over from a fresh list.
    const restart = () => {
      if (finished) return;
      generation += 1;
      const mine = generation;
      for (const c of controllers.splice(0)) c.abort();
      snapshot().then(
        (s) => {
          if (finished || mine !== generation) return;
          job = s.job;
          pods.clear();
          for (const p of s.pods) pods.set(p.metadata?.name ?? "", p);
          judge();
          if (finished) return;
          const watch = new k8s.Watch(kc);
          const onDone = () => {
            if (mine === generation) restart();
          };
          const onEvent = (type: string, object: unknown, isPod: boolean) => {
            if (finished || mine !== generation) return;
            if (type === "ERROR") {
              onDone();
              return;
            }
            if (type === "BOOKMARK") return;
            if (isPod) {
              const pod = object as V1Pod;
              if (type === "DELETED") pods.delete(pod.metadata?.name ?? "");
              else pods.set(pod.metadata?.name ?? "", pod);
            } else {
              job = type === "DELETED" ? undefined : (object as V1Job);
            }
            judge();
          };
          const base = `/apis/batch/v1/namespaces/${namespace}/jobs`;
          const podsPath = `/api/v1/namespaces/${namespace}/pods`;
          const common = { allowWatchBookmarks: true };
          Promise.all([
            watch.watch(
              base,
              { ...common, fieldSelector: `metadata.name=${name}`, resourceVersion: s.jobVersion },
              (type, object) => onEvent(type, object, false),
              onDone,
            ),
            watch.watch(
              podsPath,
              { ...common, labelSelector, resourceVersion: s.podVersion },
              (type, object) => onEvent(type, object, true),
              onDone,
            ),
          ]).then(
            (started) => {
              if (finished || mine !== generation) for (const c of started) c.abort();
              else controllers.push(...started);
            },
            (error: unknown) => finish(error as Error),
          );
        },
        (error: unknown) => {
          const status = apiStatusOf((error as { cause?: unknown }).cause);
          finish(
            status?.code === 404
              ? { state: "failed", cause: "gone", message: `${where} no longer exists` }
              : (error as Error),
          );
        },
      );
    };
    restart();
  });
}
