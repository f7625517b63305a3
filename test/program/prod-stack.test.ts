// The real program for stack `prod` (Pulumi.prod.yaml) under Pulumi mocks. Same platform as dev;
// this file asserts prod's own values exactly: protection, replicas with a PDB, one pod per node,
// digest-pinned image, the cluster-wide monitoring parts, the pager.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readStackConfig } from "../../src/config/stack-file";
import {
  buildDashboard,
  buildRuleGroups,
  observabilityInputFromConfig,
} from "../../src/observability";
import { object, one, resourceSet } from "./harness/inspect";
import { PROJECT_DIR } from "./harness/run-stack";
import { platformResourcesWith, testPlatformInvariants } from "./harness/platform-checks";
import { runStackWithSeededMlflow, stackFileValuesWithMlflow } from "./harness/seeded-stack";
import { testSecrets } from "./harness/test-secrets";
import { TYPES } from "./harness/wiring-checks";

const secrets = testSecrets("prod");
const run = runStackWithSeededMlflow({
  stack: "prod",
  values: (mlflowUrl) => stackFileValuesWithMlflow("prod", mlflowUrl),
  secrets,
});

const selector = {
  app: "triton",
  "app.kubernetes.io/name": "triton",
  "app.kubernetes.io/instance": "triton-prod",
};

describe("stack prod", () => {
  test("registers exactly the platform's resources, with a PodDisruptionBudget", () => {
    assert.deepEqual(
      resourceSet(run.resources),
      platformResourcesWith([
        "command:remote:Command model-repo-prepare-export",
        "kubernetes:policy/v1:PodDisruptionBudget triton-pdb",
        "pulumi-nodejs:dynamic/triton-serving:ModelDeployment model-iris-classifier",
        "pulumi:pulumi:Stack triton-serving-prod",
      ]),
    );
  });

  testPlatformInvariants(run, secrets, 14);

  test("storage: the prod export, protected by config, and only the storage", () => {
    const pv = one(run.resources, TYPES.pv, "model-repo-pv");
    const pvc = one(run.resources, TYPES.pvc, "model-repo-pvc");
    assert.deepEqual(object(pv).spec.nfs, {
      server: "nfs01.mlops.internal",
      path: "/mnt/nfs_share/mlops/triton/model-repo/prod",
    });
    assert.deepEqual(object(pv).spec.capacity, { storage: "200Gi" });
    assert.deepEqual(object(pvc).spec.resources, { requests: { storage: "200Gi" } });
    assert.equal(pv.protect, true);
    assert.equal(pvc.protect, true);
    const protectedOnes = run.resources.filter((r) => r.protect).map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(protectedOnes.sort(), [
      "kubernetes:core/v1:PersistentVolume model-repo-pv",
      "kubernetes:core/v1:PersistentVolumeClaim model-repo-pvc",
    ]);
  });

  test("Deployment: two replicas, one per labelled node, digest-pinned image", () => {
    const d = object(one(run.resources, TYPES.deploy, "triton-deployment"));
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(d.spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
    });
    const pod = d.spec.template.spec;
    assert.deepEqual(pod.nodeSelector, { "mlops.internal/triton-prod": "true" });
    assert.equal(pod.tolerations, undefined);
    assert.deepEqual(pod.affinity, {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" },
        ],
      },
    });
    const c = pod.containers[0];
    assert.equal(
      c.image,
      "nvcr.io/nvidia/tritonserver:24.08-py3@sha256:3ab3e8a4f0a0a2c1a8e0b7a4c3f6d1e2b9f8a7c6d5e4f3a2b1c0d9e8f7a6b5c4",
    );
    assert.deepEqual(c.args, [
      "--model-repository=/models",
      "--model-control-mode=explicit",
      "--load-model=iris-classifier",
      "--exit-on-error=false",
      "--strict-readiness=false",
      "--http-port=8000",
      "--grpc-port=8001",
      "--metrics-port=8002",
      "--metrics-config=summary_latencies=true",
      "--http-restricted-api=model-repository,model-config:triton-admin-key=$(TRITON_API_KEY)",
      "--grpc-restricted-protocol=model-repository,model-config:triton-admin-key=$(TRITON_API_KEY)",
    ]);
    assert.deepEqual(c.resources, {
      requests: { cpu: "4", memory: "8Gi" },
      limits: { cpu: "8", memory: "16Gi" },
    });
    assert.deepEqual(pod.volumes[1], {
      name: "dshm",
      emptyDir: { medium: "Memory", sizeLimit: "2Gi" },
    });
    assert.deepEqual(pod.volumes[0], {
      name: "models",
      persistentVolumeClaim: { claimName: "triton-prod-model-repo", readOnly: true },
    });
  });

  test("Service keeps node-local traffic; PDB allows one pod down; NetworkPolicy admits prod's Prometheus", () => {
    const svc = object(one(run.resources, TYPES.svc, "triton-service"));
    assert.equal(svc.spec.type, "NodePort");
    assert.equal(svc.spec.externalTrafficPolicy, "Local");
    assert.deepEqual(
      svc.spec.ports.map((p: { name: string; nodePort?: number }) => [p.name, p.nodePort]),
      [
        ["http", 30900],
        ["grpc", 30901],
        ["metrics", undefined],
      ],
    );
    const pdb = object(
      one(run.resources, "kubernetes:policy/v1:PodDisruptionBudget", "triton-pdb"),
    );
    assert.deepEqual(pdb.metadata.name, "triton-prod");
    assert.deepEqual(pdb.spec, { maxUnavailable: 1, selector: { matchLabels: selector } });
    const np = object(one(run.resources, TYPES.netpol, "triton-network-policy"));
    assert.deepEqual(np.spec.ingress[0].from, [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring-prod" } },
        podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
      },
    ]);
    assert.deepEqual(np.spec.ingress[1].from, [
      { podSelector: {} },
      { ipBlock: { cidr: "10.40.8.0/24" } },
    ]);
  });

  test("monitoring release owns the cluster-wide parts and keeps 30 days", () => {
    const r = object(one(run.resources, TYPES.release, "monitoring-release"));
    assert.equal(r.name, "monitoring-prod");
    assert.equal(r.namespace, "monitoring-prod");
    assert.equal(r.version, "88.5.3");
    const v = r.values;
    assert.deepEqual(
      [v.crds, v.prometheusOperator, v.nodeExporter, v.kubeStateMetrics, v.defaultRules],
      [
        { enabled: true },
        { enabled: true },
        { enabled: true },
        { enabled: true },
        { create: true },
      ],
    );
    const p = v.prometheus.prometheusSpec;
    assert.deepEqual(p.serviceMonitorSelector, { matchLabels: { release: "monitoring-prod" } });
    assert.deepEqual(p.ruleSelector, { matchLabels: { release: "monitoring-prod" } });
    assert.deepEqual(p.externalLabels, { env: "prod" });
    assert.equal(p.retention, "30d");
    assert.equal(p.retentionSize, "45GB");
    assert.deepEqual(p.storageSpec.volumeClaimTemplate.spec.resources, {
      requests: { storage: "50Gi" },
    });
  });

  test("the webhook Secret carries the Slack URL and the pager routing key", () => {
    const w = object(one(run.resources, TYPES.secret, "monitoring-webhooks"));
    assert.equal(w.metadata.name, "monitoring-prod-alert-webhooks");
    assert.deepEqual(w.stringData, {
      "slack-webhook-url": secrets.slackWebhookUrl,
      "pager-routing-key": secrets.pagerRoutingKey,
    });
  });

  test("alert rules and dashboard hold the builders' output for prod's config", () => {
    const input = observabilityInputFromConfig(readStackConfig(PROJECT_DIR, "prod"));
    const rule = object(one(run.resources, TYPES.rule, "alerts-prometheus-rule"));
    assert.equal(rule.metadata.labels.release, "monitoring-prod");
    assert.deepEqual(rule.spec.groups, buildRuleGroups(input));
    const cm = object(one(run.resources, TYPES.cm, "dashboards-config-map"));
    assert.deepEqual(Object.keys(cm.data), ["triton-prod.json"]);
    assert.deepEqual(JSON.parse(cm.data["triton-prod.json"]), buildDashboard(input));
  });

  test("stack outputs", () => {
    const { models, ...platform } = run.outputs;
    // Version 1 carries prod's alias in the seeded MLflow; the mocks compute no sha256/committedAt.
    assert.deepEqual(models, {
      "iris-classifier": { version: "1", runId: run.published[0]!.runId },
    });
    assert.deepEqual(platform, {
      environment: "prod",
      namespace: "triton-prod",
      monitoringNamespaceName: "monitoring-prod",
      monitoringRelease: "monitoring-prod",
      tritonService: "triton-prod",
      tritonDeployment: "triton-prod",
      tritonApiKeySecret: "triton-prod-api-key",
      modelRepositoryVolume: "triton-prod-model-repo",
      modelRepositoryClaim: "triton-prod-model-repo",
      prometheusRule: "triton-prod-alerts",
      dashboardConfigMap: "triton-prod-dashboard",
      deployEndpoints: [
        "http://k8s-worker-11.mlops.internal:30900",
        "http://k8s-worker-12.mlops.internal:30900",
      ],
      requestedModels: [
        { name: "iris-classifier", registeredModel: "iris-classifier", alias: "champion" },
      ],
    });
  });
});
