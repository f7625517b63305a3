// What a Job and its pods say about the run (kubernetes-contract.md §2.2–§2.4, §3.2, §3.3): done,
// failed with a named cause, or still running — possibly stuck on a cause that never ends by
// itself (an image that cannot be pulled, a missing Secret), which the Job would wait on for ever.
import type { V1Job, V1Pod } from "@kubernetes/client-node";

export type FailureCause =
  "image-pull" | "container-config" | "oom-killed" | "evicted" | "deadline" | "backoff" | "failed";

export type JobOutcome =
  | { readonly state: "succeeded" }
  | { readonly state: "failed"; readonly cause: FailureCause; readonly message: string }
  | {
      readonly state: "running";
      /** A pod waiting on something that does not resolve by itself. */
      readonly stuck?: { readonly cause: FailureCause; readonly message: string };
    };

const IMAGE_PULL_REASONS = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName"]);
const CONFIG_REASONS = new Set(["CreateContainerConfigError", "CreateContainerError"]);

function condition(job: V1Job, type: string) {
  return job.status?.conditions?.find((c) => c.type === type && c.status === "True");
}

/** Why one finished pod failed, in words, or undefined when it did not fail. */
export function podFailure(pod: V1Pod): { cause: FailureCause; message: string } | undefined {
  const name = pod.metadata?.name ?? "?";
  if (pod.status?.phase !== "Failed") return undefined;
  if (pod.status.reason === "Evicted") {
    return {
      cause: "evicted",
      message: `pod "${name}" was evicted: ${pod.status.message?.trim() ?? ""}`,
    };
  }
  const terminated = pod.status.containerStatuses?.[0]?.state?.terminated;
  if (terminated?.reason === "OOMKilled") {
    return {
      cause: "oom-killed",
      message: `pod "${name}" was OOM-killed (exit ${terminated.exitCode}): raise the runner's memory limit`,
    };
  }
  const detail = terminated?.message?.trim();
  return {
    cause: "failed",
    message: `pod "${name}" failed (exit ${terminated?.exitCode ?? "?"}${terminated?.reason !== undefined ? `, ${terminated.reason}` : ""})${detail ? `: ${detail}` : ""}`,
  };
}

function stuckPod(pods: readonly V1Pod[]): { cause: FailureCause; message: string } | undefined {
  for (const pod of pods) {
    if (pod.status?.phase !== "Pending") continue;
    for (const status of pod.status.containerStatuses ?? []) {
      const waiting = status.state?.waiting;
      if (waiting?.reason === undefined) continue;
      const name = pod.metadata?.name ?? "?";
      if (IMAGE_PULL_REASONS.has(waiting.reason)) {
        return {
          cause: "image-pull",
          message: `pod "${name}" cannot pull image "${status.image}" (${waiting.reason}): ${waiting.message ?? ""}`,
        };
      }
      if (CONFIG_REASONS.has(waiting.reason)) {
        return {
          cause: "container-config",
          message: `pod "${name}" cannot start its container (${waiting.reason}): ${waiting.message ?? ""}`,
        };
      }
    }
  }
  return undefined;
}

function newestFirst(pods: readonly V1Pod[]): V1Pod[] {
  const time = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
  return [...pods].sort((a, b) => time(b) - time(a));
}

export function jobOutcome(job: V1Job, pods: readonly V1Pod[]): JobOutcome {
  const name = job.metadata?.name ?? "?";
  if (
    condition(job, "Complete") !== undefined ||
    condition(job, "SuccessCriteriaMet") !== undefined
  ) {
    return { state: "succeeded" };
  }
  // §2.2: FailureTarget says the outcome before the terminal Failed.
  const failed = condition(job, "Failed") ?? condition(job, "FailureTarget");
  if (failed !== undefined) {
    if (failed.reason === "DeadlineExceeded") {
      return {
        state: "failed",
        cause: "deadline",
        message: `Job "${name}" passed its deadline (activeDeadlineSeconds ${job.spec?.activeDeadlineSeconds ?? "?"}): ${failed.message ?? ""}`,
      };
    }
    const lastPod = newestFirst(pods)
      .map(podFailure)
      .find((f) => f !== undefined);
    const cause = lastPod?.cause === "failed" || lastPod === undefined ? "backoff" : lastPod.cause;
    const tries = (job.spec?.backoffLimit ?? 6) + 1;
    return {
      state: "failed",
      cause,
      message: `Job "${name}" failed after ${job.status?.failed ?? tries} attempt(s) (${failed.reason ?? "Failed"}: ${failed.message ?? ""})${lastPod !== undefined ? `; last: ${lastPod.message}` : ""}`,
    };
  }
  const stuck = stuckPod(pods);
  return stuck === undefined ? { state: "running" } : { state: "running", stuck };
}
