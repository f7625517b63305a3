// src/k8s against the Kubernetes-compatible test server, through the official client: a Job
// started once and attached to on the second call, its log lines followed across retries, and a
// bounded wait whose message names the cause (success, backoff, OOM kill, eviction, deadline,
// image pull, timeout). Every Job sent is checked against the Kubernetes OpenAPI schema.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { KubeConfig, V1Job } from "@kubernetes/client-node";
import {
  followJobLogs,
  loadKubeConfig,
  startOrAttachJob,
  waitForJob,
  type LogLine,
} from "../../src/k8s";
import { startKubernetesServer, type KubernetesHandle } from "../support/kubernetes";

const NS = "ml";
const NODE = process.execPath;
const BROKEN_IMAGE = "registry.example/node@sha256:dead";
let server: KubernetesHandle;
let kc: KubeConfig;

before(async () => {
  server = await startKubernetesServer({
    namespace: NS,
    backoffBaseMs: 20,
    imagePullRetryMs: 50,
    tokens: {
      admin: { user: "kubernetes-admin", allow: ["*"] },
      viewer: { user: "system:serviceaccount:ml:runner", allow: ["get pods", "list pods"] },
    },
  });
  server.failImagePull(BROKEN_IMAGE);
  kc = await loadKubeConfig({ kubeconfig: server.kubeconfigPath });
});
after(() => server.close());

async function runnerJob(
  name: string,
  script: string,
  spec: Partial<NonNullable<V1Job["spec"]>> = {},
): Promise<V1Job> {
  const job: V1Job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, labels: { "app.kubernetes.io/component": "model-deployment-runner" } },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: 300,
      template: {
        spec: {
          restartPolicy: "Never",
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: "runner",
              image: "docker.io/library/node:22",
              command: [NODE, "-e", script],
              terminationMessagePolicy: "FallbackToLogsOnError",
            },
          ],
        },
      },
      ...spec,
    },
  };
  const { Job } = await import("kubernetes-models/batch/v1/Job");
  new Job(job as never).validate();
  return job;
}

const wait = (name: string, timeoutMs = 20_000, stuckAfterMs = 300) =>
  waitForJob(kc, NS, name, { timeoutMs, stuckAfterMs });

void describe("runner Job through src/k8s", () => {
  void test("start, attach on the second call, follow the lines, succeed", async () => {
    const job = await runnerJob(
      "deploy-ok",
      "console.log('materialize'); setTimeout(() => console.log('commit'), 300);",
    );
    const first = await startOrAttachJob(kc, NS, job);
    const second = await startOrAttachJob(kc, NS, job);
    assert.deepEqual([first.attached, second.attached], [false, true]);
    assert.equal(second.job.metadata?.uid, first.job.metadata?.uid);
    const lines: LogLine[] = [];
    const following = await followJobLogs(kc, NS, "deploy-ok", "runner", (l) => lines.push(l));
    const result = await wait("deploy-ok");
    following.stop();
    assert.equal(result.state, "succeeded");
    assert.deepEqual(
      lines.map((l) => l.line),
      ["materialize", "commit"],
    );
    assert.match(lines[0]?.pod ?? "", /^deploy-ok-[a-z0-9]{5}$/);
    assert.equal(
      server.objects("pods", NS).filter((p) => p.metadata.name.startsWith("deploy-ok-")).length,
      1,
    );
  });

  void test("a failing runner: lines of both attempts, the message names backoff and the last error", async () => {
    const job = await runnerJob(
      "deploy-fails",
      "console.error('load failed: iris v3'); process.exit(4)",
      { backoffLimit: 1 },
    );
    await startOrAttachJob(kc, NS, job);
    const lines: LogLine[] = [];
    const following = await followJobLogs(kc, NS, "deploy-fails", "runner", (l) => lines.push(l));
    const result = await wait("deploy-fails");
    following.stop();
    assert.deepEqual(
      result.state === "failed" && [
        result.cause,
        result.message.replace(/deploy-fails-[a-z0-9]{5}/, "<pod>"),
      ],
      [
        "backoff",
        'Job "deploy-fails" failed after 2 attempt(s) (BackoffLimitExceeded: Job has reached the specified backoff limit); last: pod "<pod>" failed (exit 4, Error): load failed: iris v3',
      ],
    );
    assert.equal(new Set(lines.map((l) => l.pod)).size, 2);
  });

  void test("watches closed by the server mid-wait: the wait lists again and still sees the end", async () => {
    await startOrAttachJob(
      kc,
      NS,
      await runnerJob("deploy-rewatch", "console.log('go'); setTimeout(() => {}, 400)"),
    );
    const waiting = wait("deploy-rewatch");
    await followUntilRunning("deploy-rewatch", () => server.closeWatches());
    const result = await waiting;
    assert.equal(result.state, "succeeded");
  });

  void test("an OOM-killed runner", async () => {
    await startOrAttachJob(
      kc,
      NS,
      await runnerJob("deploy-oom", "console.log('started'); setTimeout(() => {}, 60000)"),
    );
    await followUntilRunning("deploy-oom", (pod) => server.oomKill(NS, pod));
    const result = await wait("deploy-oom");
    assert.equal(result.state === "failed" && result.cause, "oom-killed");
  });

  void test("an evicted runner", async () => {
    await startOrAttachJob(
      kc,
      NS,
      await runnerJob("deploy-evicted", "console.log('started'); setTimeout(() => {}, 60000)"),
    );
    await followUntilRunning("deploy-evicted", (pod) => server.evict(NS, pod));
    const result = await wait("deploy-evicted");
    assert.equal(result.state === "failed" && result.cause, "evicted");
  });

  void test("a runner past its deadline", async () => {
    await startOrAttachJob(
      kc,
      NS,
      await runnerJob("deploy-slow", "setTimeout(() => {}, 60000)", { activeDeadlineSeconds: 1 }),
    );
    const result = await wait("deploy-slow");
    assert.deepEqual(result.state === "failed" && [result.cause, result.message], [
      "deadline",
      'Job "deploy-slow" passed its deadline (activeDeadlineSeconds 1): Job was active longer than specified deadline',
    ]);
  });

  void test("an image that cannot be pulled fails the wait after stuckAfterMs, naming the image", async () => {
    const job = await runnerJob("deploy-pull", "true");
    const container = job.spec?.template.spec?.containers[0];
    if (container) container.image = BROKEN_IMAGE;
    await startOrAttachJob(kc, NS, job);
    const result = await wait("deploy-pull");
    assert.equal(result.state === "failed" && result.cause, "image-pull");
    assert.match(
      result.state === "failed" ? result.message : "",
      /^Job "deploy-pull" in namespace "ml": pod "deploy-pull-[a-z0-9]{5}" cannot pull image "registry\.example\/node@sha256:dead" \((ErrImagePull|ImagePullBackOff)\): .+ \(for 0 s\)$/,
    );
  });

  void test("a runner that outlives the bound: timeout, naming the bound", async () => {
    await startOrAttachJob(kc, NS, await runnerJob("deploy-long", "setTimeout(() => {}, 60000)"));
    const result = await wait("deploy-long", 500);
    assert.deepEqual(result, {
      state: "failed",
      cause: "timeout",
      message: 'Job "deploy-long" in namespace "ml" did not finish within 1 s',
    });
  });

  void test("a missing Job is gone; RBAC refusal is reported with the API's text", async () => {
    assert.deepEqual(await wait("never-created"), {
      state: "failed",
      cause: "gone",
      message: 'Job "never-created" in namespace "ml" no longer exists',
    });
    const viewer = await loadKubeConfig({ kubeconfig: server.kubeconfigFor("viewer") });
    await assert.rejects(startOrAttachJob(viewer, NS, await runnerJob("denied", "true")), {
      message:
        'create Job "denied" in namespace "ml": 403 Forbidden: jobs.batch is forbidden: User "system:serviceaccount:ml:runner" cannot create resource "jobs" in API group "batch" in the namespace "ml"',
    });
  });
});

/** Calls `act(pod)` once the Job's pod runs (awaited through a log line, not a sleep). */
async function followUntilRunning(job: string, act: (pod: string) => void): Promise<void> {
  let first: ((pod: string) => void) | undefined;
  const started = new Promise<string>((resolve) => (first = resolve));
  const following = await followJobLogs(kc, NS, job, "runner", (line) => first?.(line.pod));
  const pod = await started;
  following.stop();
  act(pod);
}
