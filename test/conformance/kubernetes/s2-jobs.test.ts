// kubernetes-contract.md §2, §3.1, §3.4, §5: a Job whose command succeeds, fails with retries,
// passes its deadline, or is deleted by its TTL — run by the test kubelet as a real process.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { after, before, describe, test } from "node:test";
import type { KubernetesHandle } from "../../support/kubernetes";
import {
  jobManifest,
  startWithClients,
  jobPath,
  podsOf,
  waitForJobEnd,
  watchUntil,
  type Clients,
} from "./helpers";

const NS = "ml";
const NODE = process.execPath;
let server: KubernetesHandle;
let c: Clients;

before(async () => {
  ({ server, c } = await startWithClients({ namespace: NS, backoffBaseMs: 20 }));
});
after(() => server.close());

const types = (job: { status?: { conditions?: { type: string; reason?: string }[] } }) =>
  (job.status?.conditions ?? []).map((cond) => `${cond.type}/${cond.reason ?? ""}`);

void describe("Jobs", () => {
  void test("§2.1 create fills defaults, the generated selector and the pod labels", async () => {
    const created = await c.batch.createNamespacedJob({
      namespace: NS,
      body: jobManifest("defaults", ["true"]),
    });
    const uid = created.metadata?.uid as string;
    assert.match(uid, /^[0-9a-f-]{36}$/);
    assert.equal(created.spec?.completions, 1);
    assert.equal(created.spec?.parallelism, 1);
    assert.deepEqual(created.spec?.selector?.matchLabels, {
      "batch.kubernetes.io/controller-uid": uid,
    });
    assert.deepEqual(created.spec?.template.metadata?.labels, {
      "batch.kubernetes.io/controller-uid": uid,
      "batch.kubernetes.io/job-name": "defaults",
      "controller-uid": uid,
      "job-name": "defaults",
    });
    assert.equal(
      created.spec?.template.spec?.containers[0]?.terminationMessagePath,
      "/dev/termination-log",
    );
    await waitForJobEnd(c, NS, "defaults");
  });

  void test("§2.2 §5 a succeeding command: log followed, pod Succeeded, SuccessCriteriaMet then Complete", async () => {
    const script = "console.log('step 1'); setTimeout(() => { console.error('step 2'); }, 200);";
    await c.batch.createNamespacedJob({
      namespace: NS,
      body: jobManifest("ok", [NODE, "-e", script]),
    });
    const { events } = await watchUntil(
      c,
      `/api/v1/namespaces/${NS}/pods`,
      { labelSelector: "job-name=ok" },
      (evs) => evs.some((e) => ["Running", "Succeeded"].includes(e.object.status?.phase as string)),
    );
    const podName = events[0]?.object.metadata.name as string;
    assert.match(podName, /^ok-[a-z0-9]{5}$/);
    const sink = new PassThrough();
    let text = "";
    sink.on("data", (chunk: Buffer) => (text += chunk.toString()));
    const ended = new Promise((resolve) => sink.on("end", resolve));
    await new c.k8s.Log(c.kc).log(NS, podName, "main", sink, { follow: true });
    await ended;
    assert.equal(text, "step 1\nstep 2\n");
    const job = await waitForJobEnd(c, NS, "ok");
    assert.deepEqual(types(job), [
      "SuccessCriteriaMet/CompletionsReached",
      "Complete/CompletionsReached",
    ]);
    assert.equal(job.status?.succeeded, 1);
    const [pod] = await podsOf(c, NS, "ok");
    assert.equal(pod?.status?.phase, "Succeeded");
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    assert.equal(terminated?.exitCode, 0);
    assert.equal(terminated?.reason, "Completed");
  });

  void test("§2.3 §3.4 a failing command is retried backoffLimit times, then BackoffLimitExceeded", async () => {
    // The path is an argument: the test kubelet maps container paths that are whole arguments.
    const script =
      "require('fs').writeFileSync(process.argv[1], 'model iris: load failed'); process.exit(3)";
    await c.batch.createNamespacedJob({
      namespace: NS,
      body: jobManifest("fails", [NODE, "-e", script, "/dev/termination-log"], { backoffLimit: 2 }),
    });
    const job = await waitForJobEnd(c, NS, "fails");
    assert.deepEqual(types(job), [
      "FailureTarget/BackoffLimitExceeded",
      "Failed/BackoffLimitExceeded",
    ]);
    assert.equal(
      job.status?.conditions?.[1]?.message,
      "Job has reached the specified backoff limit",
    );
    assert.equal(job.status?.failed, 3);
    const pods = await podsOf(c, NS, "fails");
    assert.equal(pods.length, 3);
    for (const pod of pods) {
      assert.equal(pod.status?.phase, "Failed");
      const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
      assert.deepEqual(
        [terminated?.exitCode, terminated?.reason, terminated?.message],
        [3, "Error", "model iris: load failed"],
      );
    }
  });

  void test("§3.4 FallbackToLogsOnError: an empty message file takes the log's tail", async () => {
    const manifest = jobManifest("fallback", [
      NODE,
      "-e",
      "console.log('ready'); console.error('boom: bad config'); process.exit(1)",
    ]);
    const container = manifest.spec?.template.spec?.containers[0];
    if (container) container.terminationMessagePolicy = "FallbackToLogsOnError";
    await c.batch.createNamespacedJob({ namespace: NS, body: manifest });
    await waitForJobEnd(c, NS, "fallback");
    const [pod] = await podsOf(c, NS, "fallback");
    assert.equal(
      pod?.status?.containerStatuses?.[0]?.state?.terminated?.message,
      "ready\nboom: bad config\n",
    );
  });

  void test("§2.4 activeDeadlineSeconds: the process is killed, FailureTarget then Failed DeadlineExceeded", async () => {
    await c.batch.createNamespacedJob({
      namespace: NS,
      body: jobManifest("slow", [NODE, "-e", "setTimeout(() => {}, 60000)"], {
        activeDeadlineSeconds: 1,
        backoffLimit: 5,
      }),
    });
    const job = await waitForJobEnd(c, NS, "slow");
    assert.deepEqual(types(job), ["FailureTarget/DeadlineExceeded", "Failed/DeadlineExceeded"]);
    assert.equal(
      job.status?.conditions?.[1]?.message,
      "Job was active longer than specified deadline",
    );
    assert.equal(job.status?.active, 0);
    // The deleted pod is gone, and no retry was started.
    assert.deepEqual(await podsOf(c, NS, "slow"), []);
  });

  void test("§2.5 ttlSecondsAfterFinished: the finished Job and its pod are deleted", async () => {
    // §4.2 list-then-watch: watching from the list's version misses nothing that follows.
    const resourceVersion = (await c.batch.listNamespacedJob({ namespace: NS })).metadata
      ?.resourceVersion as string;
    await c.batch.createNamespacedJob({
      namespace: NS,
      body: jobManifest("ttl", ["true"], { ttlSecondsAfterFinished: 0 }),
    });
    const { events } = await watchUntil(
      c,
      jobPath(NS),
      { fieldSelector: "metadata.name=ttl", resourceVersion },
      (evs) => evs.some((e) => e.type === "DELETED"),
    );
    const last = events.at(-1)?.object;
    assert.equal(last.status.conditions.at(-1).type, "Complete");
    assert.deepEqual(await podsOf(c, NS, "ttl"), []);
  });

  void test("§2.7 delete without a policy orphans the pods and warns; Background deletes them", async () => {
    await c.batch.createNamespacedJob({ namespace: NS, body: jobManifest("orphaned", ["true"]) });
    await waitForJobEnd(c, NS, "orphaned");
    const jobsVersion = (await c.batch.listNamespacedJob({ namespace: NS })).metadata
      ?.resourceVersion as string;
    const response = await fetchDelete(server, `${jobPath(NS)}/orphaned`);
    assert.equal(response.status, 200);
    assert.equal(
      response.warning,
      '299 - "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"',
    );
    assert.deepEqual(response.body.metadata.finalizers, ["orphan"]);
    await watchUntil(
      c,
      jobPath(NS),
      { fieldSelector: "metadata.name=orphaned", resourceVersion: jobsVersion },
      (evs) => evs.some((e) => e.type === "DELETED"),
    );
    const [kept] = await podsOf(c, NS, "orphaned");
    assert.equal(kept?.metadata?.ownerReferences, undefined);

    await c.batch.createNamespacedJob({ namespace: NS, body: jobManifest("background", ["true"]) });
    await waitForJobEnd(c, NS, "background");
    const podsVersion = (await c.core.listNamespacedPod({ namespace: NS })).metadata
      ?.resourceVersion as string;
    const status = await c.batch.deleteNamespacedJob({
      name: "background",
      namespace: NS,
      propagationPolicy: "Background",
    });
    assert.equal(status.status, "Success");
    assert.equal(status.details?.name, "background");
    await watchUntil(
      c,
      `/api/v1/namespaces/${NS}/pods`,
      { labelSelector: "job-name=background", resourceVersion: podsVersion },
      (evs) => evs.some((e) => e.type === "DELETED"),
    );
    assert.deepEqual(await podsOf(c, NS, "background"), []);
  });
});

/** A raw DELETE (the client hides response headers), trusting the server's CA. */
async function fetchDelete(handle: KubernetesHandle, path: string) {
  const { request } = await import("node:https");
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return new Promise<{ status: number; warning: string | undefined; body: any }>(
    (resolve, reject) => {
      const req = request(
        `${handle.url}${path}`,
        {
          method: "DELETE",
          ca: handle.caCert,
          headers: { Authorization: "Bearer test-admin-token" },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString()));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              warning: res.headers.warning,
              body: JSON.parse(text),
            }),
          );
        },
      );
      req.on("error", reject);
      req.end();
    },
  );
}
