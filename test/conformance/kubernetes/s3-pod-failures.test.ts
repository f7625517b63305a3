// kubernetes-contract.md §3.2, §3.3, §5, §6.3: what a pod shows when its image cannot be pulled,
// when it is OOM-killed or evicted, and how the kubelet gives it Secret env, a configMap volume
// and a claim as a directory.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { KubernetesHandle } from "../../support/kubernetes";
import {
  apiError,
  jobManifest,
  podsOf,
  startWithClients,
  waitForJobEnd,
  watchUntil,
  type Clients,
} from "./helpers";

const NS = "ml";
const NODE = process.execPath;
const BROKEN_IMAGE = "registry.example/runner@sha256:0000";
let server: KubernetesHandle;
let c: Clients;
let repository: string;

before(async () => {
  repository = mkdtempSync(join(tmpdir(), "models-"));
  ({ server, c } = await startWithClients({
    namespace: NS,
    imagePullRetryMs: 50,
    volumes: { claims: { "model-repository": repository } },
  }));
  server.failImagePull(BROKEN_IMAGE);
});
after(async () => {
  await server.close();
  rmSync(repository, { recursive: true, force: true });
});

const podsPath = `/api/v1/namespaces/${NS}/pods`;
const running = (evs: { object: { status?: { phase?: string } } }[]) =>
  evs.some((e) => e.object.status?.phase === "Running");

void describe("pod failures", () => {
  void test("§3.3 an image that cannot be pulled: ErrImagePull then ImagePullBackOff, Pending, no log", async () => {
    const manifest = jobManifest("pull", ["true"]);
    const container = manifest.spec?.template.spec?.containers[0];
    if (container) container.image = BROKEN_IMAGE;
    // §4.2 list-then-watch, so the first ErrImagePull is not missed.
    const resourceVersion = (await c.core.listNamespacedPod({ namespace: NS })).metadata
      ?.resourceVersion as string;
    await c.batch.createNamespacedJob({ namespace: NS, body: manifest });
    const { events } = await watchUntil(
      c,
      podsPath,
      { labelSelector: "job-name=pull", resourceVersion },
      (evs) =>
        evs.some(
          (e) =>
            e.object.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff",
        ),
    );
    const waits = events
      .map((e) => e.object.status?.containerStatuses?.[0]?.state?.waiting)
      .filter((w) => w !== undefined);
    assert.deepEqual(
      waits.slice(0, 2).map((w) => [w.reason, w.message]),
      [
        [
          "ErrImagePull",
          `rpc error: code = NotFound desc = failed to pull and unpack image "${BROKEN_IMAGE}": failed to resolve reference "${BROKEN_IMAGE}": not found`,
        ],
        ["ImagePullBackOff", `Back-off pulling image "${BROKEN_IMAGE}"`],
      ],
    );
    const pod = events.at(-1)?.object;
    assert.equal(pod.status.phase, "Pending");
    // §2.3: a Pending pod is not a failure — the Job is still active.
    const job = await c.batch.readNamespacedJob({ name: "pull", namespace: NS });
    assert.deepEqual(
      [job.status?.active, job.status?.failed, job.status?.conditions],
      [1, undefined, undefined],
    );
    // §5: no log for a container that never started.
    const { code, body } = await apiError(
      c.core.readNamespacedPodLog({ name: pod.metadata.name, namespace: NS, container: "main" }),
    );
    assert.equal(code, 400);
    assert.match(
      (body as { message: string }).message,
      new RegExp(
        `^container "main" in pod "${pod.metadata.name}" is waiting to start: (ErrImagePull|ImagePullBackOff)$`,
      ),
    );
    await c.batch.deleteNamespacedJob({
      name: "pull",
      namespace: NS,
      propagationPolicy: "Background",
    });
  });

  void test("§3.3 OOMKilled: the process is killed, exit 137, pod Failed, the Job fails", async () => {
    await c.batch.createNamespacedJob({
      namespace: NS,
      body: jobManifest("oom", [NODE, "-e", "setTimeout(() => {}, 60000)"]),
    });
    const { events } = await watchUntil(c, podsPath, { labelSelector: "job-name=oom" }, running);
    server.oomKill(NS, events.at(-1)?.object.metadata.name as string);
    const job = await waitForJobEnd(c, NS, "oom");
    assert.equal(job.status?.conditions?.at(-1)?.reason, "BackoffLimitExceeded");
    const [pod] = await podsOf(c, NS, "oom");
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    assert.deepEqual(
      [pod?.status?.phase, terminated?.reason, terminated?.exitCode],
      ["Failed", "OOMKilled", 137],
    );
  });

  void test("§3.2 evicted: pod Failed with reason Evicted, the message and DisruptionTarget", async () => {
    await c.batch.createNamespacedJob({
      namespace: NS,
      body: jobManifest("evicted", [NODE, "-e", "setTimeout(() => {}, 60000)"]),
    });
    const { events } = await watchUntil(
      c,
      podsPath,
      { labelSelector: "job-name=evicted" },
      running,
    );
    server.evict(NS, events.at(-1)?.object.metadata.name as string);
    await waitForJobEnd(c, NS, "evicted");
    const [pod] = await podsOf(c, NS, "evicted");
    assert.equal(pod?.status?.phase, "Failed");
    assert.equal(pod?.status?.reason, "Evicted");
    assert.equal(
      pod?.status?.message,
      "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. ",
    );
    assert.deepEqual(
      pod?.status?.conditions?.map((cond) => [cond.type, cond.reason]),
      [
        ["PodScheduled", undefined],
        ["DisruptionTarget", "TerminationByKubelet"],
      ],
    );
  });

  void test("§6.3 Secret env, a configMap volume and a claim mounted as the test's directory", async () => {
    await c.core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: "mlflow" }, stringData: { token: "t0k3n" } },
    });
    await c.core.createNamespacedConfigMap({
      namespace: NS,
      body: {
        metadata: { name: "bundle" },
        immutable: true,
        data: { "main.js": "module.exports = 'bundled';" },
      },
    });
    const script =
      "const fs = require('fs');" +
      "const bundled = require(process.argv[1]);" +
      "fs.writeFileSync(process.argv[2], bundled + ' ' + process.env.MLFLOW_TOKEN + ' ' + process.env.REPO);";
    const manifest = jobManifest("mounts", [
      NODE,
      "-e",
      script,
      "/bundle/main.js",
      "/models/out.txt",
    ]);
    const spec = manifest.spec?.template.spec;
    if (spec) {
      spec.volumes = [
        { name: "bundle", configMap: { name: "bundle" } },
        { name: "repo", persistentVolumeClaim: { claimName: "model-repository" } },
      ];
      const container = spec.containers[0];
      if (container) {
        container.volumeMounts = [
          { name: "bundle", mountPath: "/bundle", readOnly: true },
          { name: "repo", mountPath: "/models" },
        ];
        container.env = [
          { name: "MLFLOW_TOKEN", valueFrom: { secretKeyRef: { name: "mlflow", key: "token" } } },
          { name: "REPO", value: "/models" },
        ];
      }
    }
    await c.batch.createNamespacedJob({ namespace: NS, body: manifest });
    const job = await waitForJobEnd(c, NS, "mounts");
    assert.equal(job.status?.conditions?.at(-1)?.type, "Complete");
    assert.equal(readFileSync(join(repository, "out.txt"), "utf8"), `bundled t0k3n ${repository}`);
  });

  void test("§3.3 a missing Secret keeps the container waiting with CreateContainerConfigError", async () => {
    const manifest = jobManifest("nosecret", ["true"]);
    const container = manifest.spec?.template.spec?.containers[0];
    if (container) {
      container.env = [{ name: "X", valueFrom: { secretKeyRef: { name: "absent", key: "k" } } }];
    }
    await c.batch.createNamespacedJob({ namespace: NS, body: manifest });
    const { events } = await watchUntil(
      c,
      podsPath,
      { labelSelector: "job-name=nosecret" },
      (evs) => evs.some((e) => e.object.status?.containerStatuses !== undefined),
    );
    assert.deepEqual(events.at(-1)?.object.status.containerStatuses[0].state.waiting, {
      reason: "CreateContainerConfigError",
      message: 'secret "absent" not found',
    });
    await c.batch.deleteNamespacedJob({
      name: "nosecret",
      namespace: NS,
      propagationPolicy: "Background",
    });
  });
});
