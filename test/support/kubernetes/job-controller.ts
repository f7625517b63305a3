// The Job controller, TTL-after-finished controller and garbage collector in one
// (kubernetes-contract.md §2): one pod per attempt, retries up to backoffLimit with a growing
// delay, activeDeadlineSeconds, the FailureTarget/SuccessCriteriaMet-then-terminal condition
// order, ttlSecondsAfterFinished and delete propagation.
import { randomBytes } from "node:crypto";
import type { Kubelet } from "./kubelet";
import type { KubeObject, ObjectStore } from "./store";

const JOBS = { group: "batch", resource: "jobs" };
const PODS = { group: "", resource: "pods" };
type Json = Record<string, unknown>;

export interface JobControllerOptions {
  /** First retry delay; doubles per failure up to 6 min (§2.3: 10 s on a real cluster). */
  readonly backoffBaseMs: number;
}

export type Propagation = "Background" | "Foreground" | "Orphan";

// §2.2: the texts the controller writes.
const BACKOFF = {
  reason: "BackoffLimitExceeded",
  message: "Job has reached the specified backoff limit",
};
const DEADLINE = {
  reason: "DeadlineExceeded",
  message: "Job was active longer than specified deadline",
};
const BACKOFF_CAP_MS = 6 * 60 * 1000;
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export class JobController {
  private readonly timers = new Map<string, Set<NodeJS.Timeout>>();
  private kubelet!: Kubelet;
  // After shutdown, exits of killed processes must not schedule retries or TTL deletions.
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly options: JobControllerOptions,
  ) {}

  attach(kubelet: Kubelet): void {
    this.kubelet = kubelet;
  }

  jobCreated(namespace: string, job: KubeObject): void {
    const name = job.metadata.name;
    const started = this.updateStatus(namespace, name, (s) => {
      s.startTime = this.store.timestamp();
      s.active = 0;
    });
    const spec = started.spec as Json;
    if (typeof spec.activeDeadlineSeconds === "number") {
      this.after(namespace, name, spec.activeDeadlineSeconds * 1000, () =>
        this.deadline(namespace, name),
      );
    }
    this.createPod(namespace, name);
  }

  /** The kubelet reports a pod's container ended (or a pod without a process was stopped). */
  podFinished(namespace: string, podName: string): void {
    const pod = this.store.find("pods", namespace, podName);
    if (pod === undefined) return;
    const jobName = (pod.metadata.labels as Record<string, string> | undefined)?.["job-name"];
    if (pod.metadata.deletionTimestamp !== undefined) this.store.remove(PODS, namespace, podName);
    if (jobName === undefined) return;
    const job = this.store.find("jobs", namespace, jobName);
    if (job === undefined || !isOwnedBy(pod, job)) return;
    const status = job.status as Json;
    const phase = (pod.status as Json).phase;
    const failureTarget = conditionOf(job, "FailureTarget");
    if (phase === "Succeeded" && failureTarget === undefined) {
      this.updateStatus(namespace, jobName, (s) => {
        s.active = 0;
        s.succeeded = 1;
        addCondition(
          s,
          "SuccessCriteriaMet",
          "CompletionsReached",
          "Reached expected number of succeeded pods",
          this.store.timestamp(),
        );
        addCondition(
          s,
          "Complete",
          "CompletionsReached",
          "Reached expected number of succeeded pods",
          this.store.timestamp(),
        );
        s.completionTime = this.store.timestamp();
      });
      this.finished(namespace, jobName);
      return;
    }
    const failed = Number(status.failed ?? 0) + 1;
    if (failureTarget !== undefined) {
      // §2.4: the deadline already decided; the terminal condition waits for the last pod.
      this.updateStatus(namespace, jobName, (s) => {
        s.failed = failed;
        s.active = 0;
        addCondition(
          s,
          "Failed",
          String(failureTarget.reason),
          String(failureTarget.message),
          this.store.timestamp(),
        );
      });
      this.finished(namespace, jobName);
      return;
    }
    const backoffLimit = Number((job.spec as Json).backoffLimit ?? 6);
    if (failed > backoffLimit) {
      this.updateStatus(namespace, jobName, (s) => {
        s.failed = failed;
        s.active = 0;
        addCondition(s, "FailureTarget", BACKOFF.reason, BACKOFF.message, this.store.timestamp());
        addCondition(s, "Failed", BACKOFF.reason, BACKOFF.message, this.store.timestamp());
      });
      this.finished(namespace, jobName);
      return;
    }
    this.updateStatus(namespace, jobName, (s) => {
      s.failed = failed;
      s.active = 0;
    });
    const delay = Math.min(BACKOFF_CAP_MS, this.options.backoffBaseMs * 2 ** (failed - 1));
    this.after(namespace, jobName, delay, () => this.createPod(namespace, jobName));
  }

  /** §2.7: delete with a propagation policy; answers what the API returns. */
  deleteJob(namespace: string, name: string, propagation: Propagation): KubeObject | undefined {
    const job = this.store.get(JOBS, namespace, name);
    this.cancelTimers(namespace, name);
    const pods = this.podsOf(namespace, job);
    if (propagation === "Background") {
      this.store.remove(JOBS, namespace, name);
      for (const pod of pods) this.deletePod(namespace, pod.metadata.name);
      return undefined;
    }
    const finalizer = propagation === "Foreground" ? "foregroundDeletion" : "orphan";
    const marked = this.store.update(JOBS, namespace, name, (o) => {
      o.metadata.deletionTimestamp = this.store.timestamp();
      o.metadata.finalizers = [
        ...((o.metadata.finalizers as string[] | undefined) ?? []),
        finalizer,
      ];
    });
    // The garbage collector works after the answer, as on a cluster.
    setImmediate(() => {
      if (propagation === "Orphan") {
        for (const pod of pods) {
          this.store.update(PODS, namespace, pod.metadata.name, (o) => {
            delete o.metadata.ownerReferences;
          });
        }
        this.store.remove(JOBS, namespace, name);
        return;
      }
      this.removeAfterPods(namespace, name, pods);
    });
    return marked;
  }

  /** Deletes a pod as the API does: graceful, the process is stopped, then the object goes. */
  deletePod(namespace: string, podName: string): void {
    const pod = this.store.find("pods", namespace, podName);
    if (pod === undefined) return;
    if (!this.kubelet.isRunning(namespace, podName)) {
      this.kubelet.forget(namespace, podName);
      this.store.remove(PODS, namespace, podName);
      return;
    }
    this.store.update(PODS, namespace, podName, (o) => {
      o.metadata.deletionTimestamp = this.store.timestamp();
    });
    const grace = Number((pod.spec as Json).terminationGracePeriodSeconds ?? 30);
    this.kubelet.kill(namespace, podName, { kind: "delete" }, grace);
  }

  shutdown(): void {
    this.stopped = true;
    for (const key of [...this.timers.keys()]) {
      const [namespace, name] = key.split("/") as [string, string];
      this.cancelTimers(namespace, name);
    }
  }

  private removeAfterPods(namespace: string, name: string, pods: KubeObject[]): void {
    const remaining = new Set(pods.map((p) => p.metadata.name));
    const done = () => {
      if (remaining.size > 0) return;
      unsubscribe();
      if (this.store.find("jobs", namespace, name) !== undefined) {
        this.store.remove(JOBS, namespace, name);
      }
    };
    const unsubscribe = this.store.subscribe((event) => {
      if (event.type === "DELETED" && event.resource === "pods" && event.namespace === namespace) {
        remaining.delete(event.object.metadata.name);
        done();
      }
    });
    for (const pod of pods) this.deletePod(namespace, pod.metadata.name);
    done();
  }

  private createPod(namespace: string, jobName: string): void {
    const job = this.store.find("jobs", namespace, jobName);
    if (job === undefined || job.metadata.deletionTimestamp !== undefined) return;
    if (conditionOf(job, "FailureTarget") !== undefined) return;
    const template = (job.spec as Json).template as Json;
    const templateMeta = (template.metadata ?? {}) as Json;
    const suffix = Array.from(randomBytes(5), (b) => NAME_ALPHABET[b % NAME_ALPHABET.length]).join(
      "",
    );
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${jobName}-${suffix}`,
        labels: { ...(templateMeta.labels ?? {}) },
        ...(templateMeta.annotations !== undefined
          ? { annotations: templateMeta.annotations }
          : {}),
        ownerReferences: [
          {
            apiVersion: "batch/v1",
            kind: "Job",
            name: jobName,
            uid: job.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: structuredClone(template.spec),
      status: {
        phase: "Pending",
        conditions: [
          { type: "PodScheduled", status: "True", lastTransitionTime: this.store.timestamp() },
        ],
      },
    };
    const created = this.store.create(PODS, namespace, pod);
    this.updateStatus(namespace, jobName, (s) => {
      s.active = 1;
    });
    this.kubelet.start(namespace, created);
  }

  // §2.4: kill the running pods, FailureTarget now, Failed once they are gone.
  private deadline(namespace: string, name: string): void {
    const job = this.store.find("jobs", namespace, name);
    if (job === undefined || isFinished(job)) return;
    this.updateStatus(namespace, name, (s) => {
      addCondition(s, "FailureTarget", DEADLINE.reason, DEADLINE.message, this.store.timestamp());
    });
    const active = this.podsOf(namespace, job).filter((p) => {
      const phase = (p.status as Json | undefined)?.phase;
      return phase !== "Succeeded" && phase !== "Failed";
    });
    if (active.length === 0) {
      this.updateStatus(namespace, name, (s) => {
        s.active = 0;
        addCondition(s, "Failed", DEADLINE.reason, DEADLINE.message, this.store.timestamp());
      });
      this.finished(namespace, name);
      return;
    }
    for (const pod of active) {
      if (this.kubelet.isRunning(namespace, pod.metadata.name)) {
        this.deletePod(namespace, pod.metadata.name);
      } else {
        // A pod without a process (image pull, config error) goes at once and counts as failed.
        this.kubelet.forget(namespace, pod.metadata.name);
        this.store.update(PODS, namespace, pod.metadata.name, (o) => {
          o.metadata.deletionTimestamp = this.store.timestamp();
          (o.status as Json).phase = "Failed";
        });
        this.podFinished(namespace, pod.metadata.name);
      }
    }
  }

  // §2.5: ttlSecondsAfterFinished deletes the Job (foreground) that long after it finished.
  private finished(namespace: string, name: string): void {
    this.cancelTimers(namespace, name);
    const job = this.store.find("jobs", namespace, name);
    const ttl = (job?.spec as Json | undefined)?.ttlSecondsAfterFinished;
    if (typeof ttl !== "number") return;
    this.after(namespace, name, ttl * 1000, () => {
      if (this.store.find("jobs", namespace, name) !== undefined) {
        this.deleteJob(namespace, name, "Foreground");
      }
    });
  }

  private podsOf(namespace: string, job: KubeObject): KubeObject[] {
    return this.store.list("pods", namespace).filter((p) => isOwnedBy(p, job));
  }

  private updateStatus(
    namespace: string,
    name: string,
    mutate: (status: Json) => void,
  ): KubeObject {
    return this.store.update(JOBS, namespace, name, (o) => {
      const status = (o.status ?? {}) as Json;
      mutate(status);
      o.status = status;
    });
  }

  private after(namespace: string, name: string, ms: number, run: () => void): void {
    if (this.stopped) return;
    const key = `${namespace}/${name}`;
    const set = this.timers.get(key) ?? new Set<NodeJS.Timeout>();
    this.timers.set(key, set);
    const timer = setTimeout(() => {
      set.delete(timer);
      run();
    }, ms);
    set.add(timer);
  }

  private cancelTimers(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    for (const timer of this.timers.get(key) ?? []) clearTimeout(timer);
    this.timers.delete(key);
  }
}

function isOwnedBy(pod: KubeObject, job: KubeObject): boolean {
  const refs = (pod.metadata.ownerReferences as Json[] | undefined) ?? [];
  const labels = (pod.metadata.labels as Record<string, string> | undefined) ?? {};
  return (
    refs.some((r) => r.uid === job.metadata.uid) || labels["controller-uid"] === job.metadata.uid
  );
}

function conditionOf(job: KubeObject, type: string): Json | undefined {
  const conditions = ((job.status as Json | undefined)?.conditions as Json[] | undefined) ?? [];
  return conditions.find((c) => c.type === type && c.status === "True");
}

function isFinished(job: KubeObject): boolean {
  return conditionOf(job, "Complete") !== undefined || conditionOf(job, "Failed") !== undefined;
}

function addCondition(
  status: Json,
  type: string,
  reason: string,
  message: string,
  now: string,
): void {
  const conditions = (status.conditions as Json[] | undefined) ?? [];
  conditions.push({
    type,
    status: "True",
    lastProbeTime: now,
    lastTransitionTime: now,
    reason,
    message,
  });
  status.conditions = conditions;
}
