// Each rule of the policy pack (policy/policies.ts) with a resource that passes and one that
// fails, through the pack's own analyzer server as the engine drives it (policy-analyzer.ts).
// The passing resources are the program's own builders' output for the prod stack config.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { buildDeployment } from "../../src/components/triton-server.manifests";
import { readStackConfig } from "../../src/config/stack-file";
import { POLICY } from "../../policy/policies";
import { PROJECT_DIR } from "../program/harness/run-stack";
import { startPolicyAnalyzer, type AnalyzedResource, type PolicyAnalyzer } from "./policy-analyzer";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const DIGEST = `sha256:${"a".repeat(64)}`;
const prod = readStackConfig(PROJECT_DIR, "prod");

let analyzer: PolicyAnalyzer;
before(async () => {
  analyzer = await startPolicyAnalyzer();
});
after(async () => {
  await analyzer.close();
});

/** JSON inputs the tests change freely (the builders' types are narrower than what a bad resource holds). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The Triton Deployment the program builds for prod, as inputs. */
function tritonDeployment(change: (d: Json) => void = () => undefined): AnalyzedResource {
  const inputs = structuredClone(
    buildDeployment({
      namespace: "triton-prod",
      name: "triton",
      triton: prod.triton,
      models: ["iris-classifier"],
      claimName: "model-repo",
      apiKeySecretName: "triton-api-key",
      labels: { app: "triton" },
      selectorLabels: { app: "triton" },
      prometheus: { namespace: "monitoring-prod", podLabels: {} },
    }),
  ) as Json;
  change(inputs);
  return { type: DEPLOYMENT, name: "triton-deployment", inputs };
}
const triton = (d: Json) => d.spec.template.spec.containers[0];

/** The violations of one policy only. */
async function violations(policy: string, resource: AnalyzedResource): Promise<string[]> {
  return (await analyzer.analyze(resource))
    .filter((v) => v.policy === policy)
    .map((v) => v.message);
}

void describe(POLICY.imagesPinnedByDigest, () => {
  const tagged = tritonDeployment(
    (d) => (triton(d).image = "nvcr.io/nvidia/tritonserver:24.08-py3"),
  );

  void test("a stack that requires digests: a digest passes, a tag fails", async () => {
    await analyzer.configure({ [POLICY.imagesPinnedByDigest]: { requireDigest: true } });
    assert.deepEqual(await violations(POLICY.imagesPinnedByDigest, tritonDeployment()), []);
    assert.deepEqual(await violations(POLICY.imagesPinnedByDigest, tagged), [
      "container 'triton' of Deployment 'triton-deployment' runs image 'nvcr.io/nvidia/tritonserver:24.08-py3', " +
        "which is not pinned by digest; this stack requires digests (policy config requireDigest, from " +
        "triton.requireImageDigest): use <image>@sha256:<digest>",
    ]);
  });

  void test("a runner Job's init container is held to the same rule", async () => {
    await analyzer.configure({ [POLICY.imagesPinnedByDigest]: { requireDigest: true } });
    const job: AnalyzedResource = {
      type: "kubernetes:batch/v1:Job",
      name: "runner",
      inputs: {
        spec: {
          template: {
            spec: {
              initContainers: [{ name: "fetch", image: `busybox@${DIGEST}` }],
              containers: [{ name: "deploy", image: "ghcr.io/acme/triton-runner:1.2" }],
            },
          },
        },
      },
    };
    assert.deepEqual(await violations(POLICY.imagesPinnedByDigest, job), [
      "container 'deploy' of Job 'runner' runs image 'ghcr.io/acme/triton-runner:1.2', which is not pinned " +
        "by digest; this stack requires digests (policy config requireDigest, from triton.requireImageDigest): " +
        "use <image>@sha256:<digest>",
    ]);
  });

  void test("a stack that does not require digests: a tag passes", async () => {
    await analyzer.configure({ [POLICY.imagesPinnedByDigest]: { requireDigest: false } });
    assert.deepEqual(await violations(POLICY.imagesPinnedByDigest, tagged), []);
  });
});

void describe(POLICY.noLatestTag, () => {
  void test("a version tag or a digest passes", async () => {
    const tagged = tritonDeployment(
      (d) => (triton(d).image = "nvcr.io/nvidia/tritonserver:24.08-py3"),
    );
    const latestButPinned = tritonDeployment(
      (d) => (triton(d).image = `registry:5000/tritonserver:latest@${DIGEST}`),
    );
    assert.deepEqual(await violations(POLICY.noLatestTag, tagged), []);
    assert.deepEqual(await violations(POLICY.noLatestTag, latestButPinned), []);
  });

  void test("latest, or no tag at all (a registry port is not a tag), fails", async () => {
    const latest = tritonDeployment(
      (d) => (triton(d).image = "nvcr.io/nvidia/tritonserver:latest"),
    );
    const untagged = tritonDeployment((d) => (triton(d).image = "registry:5000/tritonserver"));
    assert.deepEqual(await violations(POLICY.noLatestTag, latest), [
      "container 'triton' of Deployment 'triton-deployment' runs image 'nvcr.io/nvidia/tritonserver:latest', " +
        "which is tagged latest; expected a fixed version tag or a digest",
    ]);
    assert.deepEqual(await violations(POLICY.noLatestTag, untagged), [
      "container 'triton' of Deployment 'triton-deployment' runs image 'registry:5000/tritonserver', " +
        "which has no tag (= latest); expected a fixed version tag or a digest",
    ]);
  });
});

void describe(POLICY.requestsAndLimits, () => {
  void test("CPU and memory requests and a memory limit pass", async () => {
    assert.deepEqual(await violations(POLICY.requestsAndLimits, tritonDeployment()), []);
  });

  void test("a container without a memory limit and a CPU request fails, naming both", async () => {
    const d = tritonDeployment((x) => {
      triton(x).resources = { requests: { memory: "8Gi" }, limits: { cpu: "8" } };
    });
    assert.deepEqual(await violations(POLICY.requestsAndLimits, d), [
      "container 'triton' of Deployment 'triton-deployment' has no resources.requests.cpu, " +
        "resources.limits.memory; expected CPU and memory requests and a memory limit",
    ]);
  });
});

void describe(POLICY.tritonExplicitModelControl, () => {
  void test("the program's Triton flags pass", async () => {
    assert.deepEqual(await violations(POLICY.tritonExplicitModelControl, tritonDeployment()), []);
  });

  void test("polling mode and an unrestricted model-repository API fail", async () => {
    const d = tritonDeployment((x) => {
      triton(x).args = (triton(x).args as string[])
        .map((a) => (a === "--model-control-mode=explicit" ? "--model-control-mode=poll" : a))
        .filter((a) => !a.startsWith("--http-restricted-api="))
        .map((a) =>
          a.startsWith("--grpc-restricted-protocol=")
            ? "--grpc-restricted-protocol=model-config:k=v"
            : a,
        );
    });
    assert.deepEqual(await violations(POLICY.tritonExplicitModelControl, d), [
      "container 'triton' of Deployment 'triton-deployment' runs Triton with --model-control-mode=poll; " +
        "expected exactly --model-control-mode=explicit",
      "container 'triton' of Deployment 'triton-deployment' leaves Triton's model-repository API open over " +
        "HTTP; expected --http-restricted-api=model-repository,…:<header>=<key>",
      "container 'triton' of Deployment 'triton-deployment' leaves Triton's model-repository API open over " +
        "gRPC; expected --grpc-restricted-protocol=model-repository,…:<header>=<key>",
    ]);
  });
});

void describe(POLICY.modelRepositoryRetained, () => {
  const pv = (reclaim: string, protect: boolean): AnalyzedResource => ({
    type: "kubernetes:core/v1:PersistentVolume",
    name: "model-repo-pv",
    inputs: {
      spec: { persistentVolumeReclaimPolicy: reclaim, nfs: { server: "nfs", path: "/p" } },
    },
    protect,
  });

  void test("Retain and protected passes where the stack asks for protection", async () => {
    await analyzer.configure({ [POLICY.modelRepositoryRetained]: { protect: true } });
    assert.deepEqual(await violations(POLICY.modelRepositoryRetained, pv("Retain", true)), []);
  });

  void test("Delete, and unprotected where protection is asked, fail", async () => {
    await analyzer.configure({ [POLICY.modelRepositoryRetained]: { protect: true } });
    assert.deepEqual(await violations(POLICY.modelRepositoryRetained, pv("Delete", false)), [
      "PersistentVolume 'model-repo-pv' has reclaim policy 'Delete'; expected Retain: deleting the claim " +
        "must never delete the model repository",
      "PersistentVolume 'model-repo-pv' is not protected, but this stack asks for protection (policy config " +
        "protect, from storage.protect); expected the Pulumi option protect: true",
    ]);
  });

  void test("an unprotected Retain PV passes where the stack does not ask", async () => {
    await analyzer.configure({ [POLICY.modelRepositoryRetained]: { protect: false } });
    assert.deepEqual(await violations(POLICY.modelRepositoryRetained, pv("Retain", false)), []);
  });
});

void describe(POLICY.alertmanagerDefaultNull, () => {
  const release = (receiver: string): AnalyzedResource => ({
    type: "kubernetes:helm.sh/v3:Release",
    name: "monitoring-release",
    inputs: {
      chart: "kube-prometheus-stack",
      values: { alertmanager: { config: { route: { receiver } } } },
    },
  });

  void test("default receiver null passes", async () => {
    assert.deepEqual(await violations(POLICY.alertmanagerDefaultNull, release("null")), []);
  });

  void test("a default receiver that notifies fails", async () => {
    assert.deepEqual(await violations(POLICY.alertmanagerDefaultNull, release("slack-prod")), [
      "Release 'monitoring-release' routes unmatched alerts to 'slack-prod'; expected " +
        "alertmanager.config.route.receiver 'null', so an alert without this environment's labels notifies nobody",
    ]);
  });
});

void describe(POLICY.modelDeploymentVersion, () => {
  const deployment = (inputs: Record<string, unknown>): AnalyzedResource => ({
    type: "pulumi-nodejs:dynamic/triton-serving:ModelDeployment",
    name: "model-iris-classifier",
    inputs: { modelName: "iris-classifier", registeredModel: "iris-classifier", ...inputs },
  });

  void test("an alias resolved to a version, or a pinned version, passes", async () => {
    assert.deepEqual(
      await violations(
        POLICY.modelDeploymentVersion,
        deployment({ alias: "champion", version: "12" }),
      ),
      [],
    );
    assert.deepEqual(
      await violations(POLICY.modelDeploymentVersion, deployment({ version: "3" })),
      [],
    );
  });

  void test("no version, or a bad alias, fails", async () => {
    assert.deepEqual(
      await violations(
        POLICY.modelDeploymentVersion,
        deployment({ alias: "new model", version: "" }),
      ),
      [
        "ModelDeployment 'model-iris-classifier' deploys version \"\"; expected an MLflow version number " +
          "(the stack's alias or pinned version, resolved at preview)",
        "ModelDeployment 'model-iris-classifier' names alias \"new model\"; expected letters, digits, '_' and '-'",
      ],
    );
  });
});

void describe(POLICY.podSecurityRestricted, () => {
  void test("the program's hardened Triton pod passes", async () => {
    assert.deepEqual(await violations(POLICY.podSecurityRestricted, tritonDeployment()), []);
  });

  void test("root, privilege escalation, capabilities, host network and hostPath fail", async () => {
    const d = tritonDeployment((x) => {
      const pod = x.spec.template.spec;
      pod.hostNetwork = true;
      pod.securityContext = { runAsUser: 0 };
      pod.volumes.push({ name: "host", hostPath: { path: "/var" } });
      triton(x).securityContext = { capabilities: { add: ["SYS_ADMIN"] } };
    });
    assert.deepEqual(await violations(POLICY.podSecurityRestricted, d), [
      "Deployment 'triton-deployment' breaks the restricted Pod Security profile: pod sets hostNetwork: true; " +
        "volume 'host' is of type hostPath; container 'triton' does not set runAsNonRoot: true; " +
        "container 'triton' runs as uid 0; container 'triton' does not set allowPrivilegeEscalation: false; " +
        "container 'triton' does not drop ALL capabilities; container 'triton' adds capabilities SYS_ADMIN; " +
        "container 'triton' has seccomp profile (none)",
    ]);
  });
});
