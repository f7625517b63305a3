// A third environment is only a new stack config: a synthetic `staging` stack (built here, with
// no Pulumi.staging.yaml and no code change) runs the same program, and exercises the branches
// dev and prod leave off: GPUs, three replicas, a ClusterIP Service, no export preparation, a
// pinned model version next to an alias, a namespace-selector extra source.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dependenciesOf, object, one, resourceSet } from "./harness/inspect";
import { platformResourcesWith, testPlatformInvariants } from "./harness/platform-checks";
import { runStackWithSeededMlflow } from "./harness/seeded-stack";
import { stackFileValues } from "./harness/run-stack";
import { testSecrets } from "./harness/test-secrets";
import { TYPES } from "./harness/wiring-checks";

const secrets = { ...testSecrets("staging") };
delete (secrets as Record<string, string | undefined>).nfsSshPrivateKey;

function stagingValues(mlflowUrl: string): Record<string, unknown> {
  const dev = stackFileValues("dev") as Record<string, Record<string, unknown>>;
  const iris = (dev.models as unknown as Record<string, unknown>[])[0]!;
  return {
    environment: "staging",
    namespace: "triton-staging",
    storage: {
      nfsServer: "10.20.0.5",
      nfsPath: "/exports/triton/staging",
      localMountPath: "/mnt/triton-staging",
    },
    triton: {
      image: "nvcr.io/nvidia/tritonserver:24.08-py3",
      replicas: 3,
      gpu: {
        enabled: true,
        count: 2,
        nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-L4" },
      },
      networkPolicy: {
        extraSources: [{ namespaceSelector: { "kubernetes.io/metadata.name": "ingress-nginx" } }],
      },
    },
    deploy: {
      tritonEndpoints: ["http://10.20.1.1:8000", "http://10.20.1.2:8000", "http://10.20.1.3:8000"],
    },
    mlflow: { trackingUri: mlflowUrl },
    monitoring: {
      releaseName: "monitoring-staging",
      namespace: "monitoring-staging",
      chart: { version: "88.5.3" },
      grafana: { dashboardLabelValue: "triton-staging" },
    },
    models: [
      { ...iris, instanceGroup: { kind: "KIND_GPU", count: 1 } },
      { ...iris, name: "iris-classifier-v1", alias: undefined, version: "1" },
    ],
  };
}

const run = runStackWithSeededMlflow({ stack: "staging", values: stagingValues, secrets });

describe("a third stack from config alone", () => {
  test("registers the platform with a PDB and one ModelDeployment per model, no SSH command", () => {
    assert.deepEqual(
      resourceSet(run.resources),
      platformResourcesWith([
        "kubernetes:policy/v1:PodDisruptionBudget triton-pdb",
        "pulumi-nodejs:dynamic/triton-serving:ModelDeployment model-iris-classifier",
        "pulumi-nodejs:dynamic/triton-serving:ModelDeployment model-iris-classifier-v1",
        "pulumi:pulumi:Stack triton-serving-staging",
      ]),
    );
    assert.deepEqual(dependenciesOf(one(run.resources, TYPES.pv, "model-repo-pv")), [
      "kubernetes:core/v1:Namespace triton-namespace",
    ]);
  });

  testPlatformInvariants(run, secrets, 14);

  test("names and labels come from the staging config", () => {
    const d = object(one(run.resources, TYPES.deploy, "triton-deployment"));
    assert.equal(d.metadata.name, "triton-staging");
    assert.equal(d.metadata.namespace, "triton-staging");
    assert.equal(d.metadata.labels.env, "staging");
    assert.equal(d.metadata.labels.release, "monitoring-staging");
    const pv = object(one(run.resources, TYPES.pv, "model-repo-pv"));
    assert.equal(pv.metadata.name, "triton-staging-model-repo");
    assert.deepEqual(pv.spec.nfs, { server: "10.20.0.5", path: "/exports/triton/staging" });
    // Defaults from the schema, with nothing in config.
    assert.deepEqual(pv.spec.capacity, { storage: "50Gi" });
    assert.deepEqual(pv.spec.mountOptions, ["nfsvers=4.1", "hard"]);
  });

  test("GPU branch: the GPU limit, the GPU nodes' selector and toleration", () => {
    const pod = object(one(run.resources, TYPES.deploy, "triton-deployment")).spec.template.spec;
    assert.deepEqual(pod.containers[0].resources, {
      requests: { cpu: "1", memory: "2Gi" },
      limits: { memory: "4Gi", "nvidia.com/gpu": "2" },
    });
    assert.deepEqual(pod.nodeSelector, { "nvidia.com/gpu.product": "NVIDIA-L4" });
    assert.deepEqual(pod.tolerations, [
      { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
    ]);
  });

  test("every configured model is loaded at start and checked by the readiness probe", () => {
    const c = object(one(run.resources, TYPES.deploy, "triton-deployment")).spec.template.spec
      .containers[0];
    assert.deepEqual(
      (c.args as string[]).filter((a) => a.startsWith("--load-model=")),
      ["--load-model=iris-classifier", "--load-model=iris-classifier-v1"],
    );
    assert.deepEqual((c.readinessProbe.exec.command as string[]).slice(3), [
      "/models",
      "http://127.0.0.1:8000",
      "4.5",
      "iris-classifier",
      "iris-classifier-v1",
    ]);
  });

  test("ClusterIP Service; three replicas spread by preference with a PDB", () => {
    const svc = object(one(run.resources, TYPES.svc, "triton-service"));
    assert.equal(svc.spec.type, "ClusterIP");
    assert.equal(svc.spec.externalTrafficPolicy, undefined);
    assert.deepEqual(svc.spec.ports, [
      { name: "http", port: 8000, targetPort: "http", protocol: "TCP" },
      { name: "grpc", port: 8001, targetPort: "grpc", protocol: "TCP" },
      { name: "metrics", port: 8002, targetPort: "metrics", protocol: "TCP" },
    ]);
    const d = object(one(run.resources, TYPES.deploy, "triton-deployment"));
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
    const pdb = object(
      one(run.resources, "kubernetes:policy/v1:PodDisruptionBudget", "triton-pdb"),
    );
    assert.equal(pdb.spec.maxUnavailable, 1);
  });

  test("a namespace-selector extra source reaches the Triton ports", () => {
    const np = object(one(run.resources, TYPES.netpol, "triton-network-policy"));
    assert.deepEqual(np.spec.ingress[1].from, [
      { podSelector: {} },
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
    ]);
  });

  test("a pinned version and an alias both reach their ModelDeployment", () => {
    const pinned = one(
      run.resources,
      "pulumi-nodejs:dynamic/triton-serving:ModelDeployment",
      "model-iris-classifier-v1",
    );
    assert.equal(pinned.inputs.version, "1");
    assert.equal(pinned.inputs.alias, undefined);
    const aliased = one(
      run.resources,
      "pulumi-nodejs:dynamic/triton-serving:ModelDeployment",
      "model-iris-classifier",
    );
    assert.equal(aliased.inputs.version, "2");
    assert.equal(aliased.inputs.alias, "A");
  });
});
