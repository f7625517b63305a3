// src/k8s/job-outcome: each way a runner Job ends or gets stuck becomes a named cause and a
// message a user can act on (kubernetes-contract.md §2.2–§2.4, §3.2, §3.3).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { jobOutcome } from "../../src/k8s";

function job(
  conditions: { type: string; reason?: string; message?: string }[],
  extra: Partial<V1Job> = {},
): V1Job {
  return {
    metadata: { name: "deploy-iris" },
    spec: { backoffLimit: 1, activeDeadlineSeconds: 600, template: {} },
    status: { conditions: conditions.map((c) => ({ ...c, status: "True" })), failed: 2 },
    ...extra,
  };
}

function pod(name: string, created: string, status: V1Pod["status"]): V1Pod {
  return { metadata: { name, creationTimestamp: new Date(created) }, status };
}

const waitingPod = (image: string, reason: string, message: string) =>
  pod("p1", "2026-01-01T00:00:00Z", {
    phase: "Pending",
    containerStatuses: [
      {
        name: "runner",
        image,
        imageID: "",
        ready: false,
        restartCount: 0,
        state: { waiting: { reason, message } },
      },
    ],
  });

const failedPod = (name: string, created: string, terminated: object, extra: object = {}) =>
  pod(name, created, {
    phase: "Failed",
    containerStatuses: [
      {
        name: "runner",
        image: "node:22",
        imageID: "",
        ready: false,
        restartCount: 0,
        state: { terminated },
      },
    ] as never,
    ...extra,
  });

const BACKOFF = {
  reason: "BackoffLimitExceeded",
  message: "Job has reached the specified backoff limit",
};

void describe("jobOutcome", () => {
  void test("Complete (or SuccessCriteriaMet first) is success", () => {
    assert.deepEqual(jobOutcome(job([{ type: "Complete" }]), []), { state: "succeeded" });
    assert.deepEqual(jobOutcome(job([{ type: "SuccessCriteriaMet" }]), []), { state: "succeeded" });
  });

  void test("no condition and healthy pods: running", () => {
    assert.deepEqual(
      jobOutcome(job([]), [pod("p", "2026-01-01T00:00:00Z", { phase: "Running" })]),
      {
        state: "running",
      },
    );
  });

  void test("a deadline names activeDeadlineSeconds; FailureTarget is enough", () => {
    const j = job([
      {
        type: "FailureTarget",
        reason: "DeadlineExceeded",
        message: "Job was active longer than specified deadline",
      },
    ]);
    assert.deepEqual(jobOutcome(j, []), {
      state: "failed",
      cause: "deadline",
      message:
        'Job "deploy-iris" passed its deadline (activeDeadlineSeconds 600): Job was active longer than specified deadline',
    });
  });

  void test("backoff with the newest pod's termination message", () => {
    const pods = [
      failedPod("p1", "2026-01-01T00:00:00Z", { exitCode: 2, reason: "Error", message: "older" }),
      failedPod("p2", "2026-01-01T00:01:00Z", {
        exitCode: 3,
        reason: "Error",
        message: "model iris: load failed\n",
      }),
    ];
    assert.deepEqual(jobOutcome(job([{ type: "Failed", ...BACKOFF }]), pods), {
      state: "failed",
      cause: "backoff",
      message:
        'Job "deploy-iris" failed after 2 attempt(s) (BackoffLimitExceeded: Job has reached the specified backoff limit); last: pod "p2" failed (exit 3, Error): model iris: load failed',
    });
  });

  void test("an OOM-killed last pod names the memory limit", () => {
    const pods = [failedPod("p1", "2026-01-01T00:00:00Z", { exitCode: 137, reason: "OOMKilled" })];
    const outcome = jobOutcome(job([{ type: "Failed", ...BACKOFF }]), pods);
    assert.deepEqual(outcome, {
      state: "failed",
      cause: "oom-killed",
      message:
        'Job "deploy-iris" failed after 2 attempt(s) (BackoffLimitExceeded: Job has reached the specified backoff limit); last: pod "p1" was OOM-killed (exit 137): raise the runner\'s memory limit',
    });
  });

  void test("an evicted last pod carries the kubelet's message", () => {
    const pods = [
      failedPod(
        "p1",
        "2026-01-01T00:00:00Z",
        { exitCode: 137, reason: "Error" },
        { reason: "Evicted", message: "The node was low on resource: memory. " },
      ),
    ];
    const outcome = jobOutcome(job([{ type: "Failed", ...BACKOFF }]), pods);
    assert.equal(outcome.state === "failed" && outcome.cause, "evicted");
    assert.equal(
      outcome.state === "failed" && outcome.message,
      'Job "deploy-iris" failed after 2 attempt(s) (BackoffLimitExceeded: Job has reached the specified backoff limit); last: pod "p1" was evicted: The node was low on resource: memory.',
    );
  });

  void test("a pod that cannot pull its image is stuck, not failed (the Job would wait for ever)", () => {
    const pending = waitingPod(
      "node:22@sha256:00",
      "ImagePullBackOff",
      'Back-off pulling image "node:22@sha256:00"',
    );
    assert.deepEqual(jobOutcome(job([]), [pending]), {
      state: "running",
      stuck: {
        cause: "image-pull",
        message:
          'pod "p1" cannot pull image "node:22@sha256:00" (ImagePullBackOff): Back-off pulling image "node:22@sha256:00"',
      },
    });
  });

  void test("a missing Secret is a stuck container config", () => {
    const pending = waitingPod(
      "node:22",
      "CreateContainerConfigError",
      'secret "mlflow" not found',
    );
    const outcome = jobOutcome(job([]), [pending]);
    assert.deepEqual(outcome.state === "running" && outcome.stuck, {
      cause: "container-config",
      message:
        'pod "p1" cannot start its container (CreateContainerConfigError): secret "mlflow" not found',
    });
  });
});
