// The real program for stack `dev` (Pulumi.dev.yaml), run as `pulumi up` runs it (the language
// host's runner in the engine's working directory, ts-node as run.js registers it) against a
// mocked resource monitor: every resource it registers, the key inputs exactly, and every
// Kubernetes object against its OpenAPI schema.
import {
  buildDashboard,
  buildRuleGroups,
  observabilityInputFromConfig,
} from "../../src/observability";
import { readStackConfig } from "../../src/config/stack-file";
import { PROJECT_DIR } from "./harness/run-stack";
import { join } from "node:path";
import { engineLaunch } from "../support/engine/pulumi-project";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dependenciesOf, object, one, parentOf, resourceSet } from "./harness/inspect";
import { platformResourcesWith, testPlatformInvariants } from "./harness/platform-checks";
import { runStackWithSeededMlflow, stackFileValuesWithMlflow } from "./harness/seeded-stack";
import { testSecrets } from "./harness/test-secrets";
import { TYPES } from "./harness/wiring-checks";
import { READINESS_SCRIPT } from "../../src/components/triton-readiness-probe";

const secrets = testSecrets("dev");
// Run as `pulumi up` runs it (test/support/engine): the language host's runner in the engine's
// working directory, ts-node registered by run.js.
const run = runStackWithSeededMlflow({
  stack: "dev",
  values: (mlflowUrl) => stackFileValuesWithMlflow("dev", mlflowUrl),
  secrets,
});

const tritonLabels = {
  app: "triton",
  "app.kubernetes.io/name": "triton",
  "app.kubernetes.io/instance": "triton-dev",
  "app.kubernetes.io/part-of": "triton-serving",
  "app.kubernetes.io/managed-by": "pulumi",
  env: "dev",
  release: "monitoring-dev",
};
/** The Deployment, Service and ServiceMonitor share name, namespace and labels. */
const tritonMetadata = { name: "triton-dev", namespace: "triton-dev", labels: tritonLabels };
const selector = {
  app: "triton",
  "app.kubernetes.io/name": "triton",
  "app.kubernetes.io/instance": "triton-dev",
};

describe("stack dev", () => {
  test("runs where the engine runs it: the working directory and entry point Pulumi.yaml gives", () => {
    const launch = engineLaunch(PROJECT_DIR);
    // run.js reports the program it loaded and its working directory (cmd/run/run.js).
    assert.ok(
      run.log.some(
        (l) =>
          l.message ===
          `Running program '${join(launch.workingDirectory, "src", "index.ts")}' in pwd '${launch.workingDirectory}' w/ args: `,
      ),
      JSON.stringify(run.log.map((l) => l.message).filter((m) => m.startsWith("Running program"))),
    );
    assert.deepEqual(
      run.log.filter((l) => l.severity === "warning" || l.severity === "error"),
      [],
    );
  });

  test("registers exactly the platform's resources, each under its component", () => {
    assert.deepEqual(
      resourceSet(run.resources),
      platformResourcesWith([
        "command:remote:Command model-repo-prepare-export",
        "pulumi-nodejs:dynamic/triton-serving:ModelDeployment model-iris-classifier",
        "pulumi:pulumi:Stack triton-serving-dev",
      ]),
    );
    const parents = Object.fromEntries(
      run.resources.filter((r) => r.custom).map((r) => [`${r.type} ${r.name}`, parentOf(r)]),
    );
    assert.deepEqual(parents, {
      "command:remote:Command model-repo-prepare-export":
        "triton-serving:platform:ModelStorage model-repo",
      "kubernetes:apps/v1:Deployment triton-deployment":
        "triton-serving:platform:TritonServer triton",
      "kubernetes:core/v1:ConfigMap dashboards-config-map":
        "triton-serving:platform:Dashboards dashboards",
      "kubernetes:core/v1:Namespace monitoring-namespace":
        "triton-serving:platform:Namespace monitoring",
      "kubernetes:core/v1:Namespace triton-namespace": "triton-serving:platform:Namespace triton",
      "kubernetes:core/v1:PersistentVolume model-repo-pv":
        "triton-serving:platform:ModelStorage model-repo",
      "kubernetes:core/v1:PersistentVolumeClaim model-repo-pvc":
        "triton-serving:platform:ModelStorage model-repo",
      "kubernetes:core/v1:Secret monitoring-webhooks":
        "triton-serving:platform:Monitoring monitoring",
      "kubernetes:core/v1:Secret triton-api-key": "triton-serving:platform:TritonServer triton",
      "kubernetes:core/v1:Service triton-service": "triton-serving:platform:TritonServer triton",
      "kubernetes:helm.sh/v3:Release monitoring-release":
        "triton-serving:platform:Monitoring monitoring",
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule alerts-prometheus-rule":
        "triton-serving:platform:AlertRules alerts",
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor triton-service-monitor":
        "triton-serving:platform:TritonServer triton",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy triton-network-policy":
        "triton-serving:platform:TritonServer triton",
      "pulumi-nodejs:dynamic/triton-serving:ModelDeployment model-iris-classifier":
        "pulumi:pulumi:Stack triton-serving-dev",
    });
  });

  testPlatformInvariants(run, secrets, 13);

  test("objects wait for what they need (CRDs, Secret, claim, export directory)", () => {
    const deps = (type: string, name: string) => dependenciesOf(one(run.resources, type, name));
    assert.deepEqual(deps(TYPES.deploy, "triton-deployment"), [
      "command:remote:Command model-repo-prepare-export",
      "kubernetes:core/v1:Namespace triton-namespace",
      "kubernetes:core/v1:PersistentVolume model-repo-pv",
      "kubernetes:core/v1:PersistentVolumeClaim model-repo-pvc",
      "kubernetes:core/v1:Secret triton-api-key",
    ]);
    assert.deepEqual(deps(TYPES.release, "monitoring-release"), [
      "kubernetes:core/v1:Namespace monitoring-namespace",
      "kubernetes:core/v1:Secret monitoring-webhooks",
    ]);
    // `dependsOn: [monitoring]` names the component, so they wait for all its children.
    assert.deepEqual(deps(TYPES.sm, "triton-service-monitor"), [
      "kubernetes:core/v1:Namespace triton-namespace",
      "kubernetes:core/v1:Secret monitoring-webhooks",
      "kubernetes:helm.sh/v3:Release monitoring-release",
    ]);
    assert.deepEqual(deps(TYPES.rule, "alerts-prometheus-rule"), [
      "kubernetes:core/v1:Namespace monitoring-namespace",
      "kubernetes:core/v1:Secret monitoring-webhooks",
      "kubernetes:helm.sh/v3:Release monitoring-release",
    ]);
    assert.deepEqual(deps(TYPES.pv, "model-repo-pv"), [
      "command:remote:Command model-repo-prepare-export",
      "kubernetes:core/v1:Namespace triton-namespace",
    ]);
  });

  test("namespaces carry env, part-of and managed-by", () => {
    for (const [name, ns] of [
      ["triton-namespace", "triton-dev"],
      ["monitoring-namespace", "monitoring-dev"],
    ] as const) {
      assert.deepEqual(object(one(run.resources, TYPES.ns, name)).metadata, {
        name: ns,
        labels: {
          env: "dev",
          "app.kubernetes.io/part-of": "triton-serving",
          "app.kubernetes.io/managed-by": "pulumi",
        },
      });
    }
  });

  test("NFS PV and PVC: the dev export, RWX, Retain, bound one-to-one, not protected", () => {
    const pv = one(run.resources, TYPES.pv, "model-repo-pv");
    const pvc = one(run.resources, TYPES.pvc, "model-repo-pvc");
    assert.deepEqual(object(pv).spec, {
      accessModes: ["ReadWriteMany"],
      capacity: { storage: "50Gi" },
      claimRef: { name: "triton-dev-model-repo", namespace: "triton-dev" },
      mountOptions: ["nfsvers=4.1", "hard", "noatime"],
      nfs: { path: "/mnt/nfs_share/mlops/triton/model-repo/dev", server: "nfs01.mlops.internal" },
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
    });
    assert.equal(object(pv).metadata.name, "triton-dev-model-repo");
    assert.deepEqual(object(pvc).spec, {
      accessModes: ["ReadWriteMany"],
      resources: { requests: { storage: "50Gi" } },
      storageClassName: "",
      volumeName: "triton-dev-model-repo",
    });
    assert.equal(pv.protect, false);
    assert.equal(pvc.protect, false);
  });

  test("the export directory is prepared over SSH with the secret key", () => {
    const cmd = one(run.resources, "command:remote:Command", "model-repo-prepare-export");
    assert.equal(
      cmd.inputs.create,
      "set -eu && sudo -n mkdir -p '/mnt/nfs_share/mlops/triton/model-repo/dev' && sudo -n chown 1000:1000 '/mnt/nfs_share/mlops/triton/model-repo/dev' && sudo -n chmod 2775 '/mnt/nfs_share/mlops/triton/model-repo/dev'",
    );
    const conn = object(cmd).connection as Record<string, unknown>;
    assert.deepEqual(
      { ...conn, privateKey: undefined },
      { host: "nfs01.mlops.internal", port: 22, user: "mlops-deploy", privateKey: undefined },
    );
    assert.equal(conn.privateKey, secrets.nfsSshPrivateKey);
  });

  test("Triton Deployment: flags, probes, resources, hardening, volumes", () => {
    const d = object(one(run.resources, TYPES.deploy, "triton-deployment"));
    assert.deepEqual(d.metadata, tritonMetadata);
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.selector, { matchLabels: selector });
    assert.deepEqual(d.spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    const pod = d.spec.template.spec;
    assert.deepEqual(d.spec.template.metadata.labels, tritonLabels);
    assert.equal(pod.nodeSelector, undefined);
    assert.equal(pod.tolerations, undefined);
    assert.deepEqual(pod.affinity, {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              labelSelector: { matchLabels: selector },
              topologyKey: "kubernetes.io/hostname",
            },
          },
        ],
      },
    });
    assert.deepEqual(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.containers.length, 1);
    const c = pod.containers[0];
    assert.equal(c.image, "nvcr.io/nvidia/tritonserver:24.08-py3");
    assert.deepEqual(c.command, ["tritonserver"]);
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
    assert.deepEqual(c.ports, [
      { name: "http", containerPort: 8000, protocol: "TCP" },
      { name: "grpc", containerPort: 8001, protocol: "TCP" },
      { name: "metrics", containerPort: 8002, protocol: "TCP" },
    ]);
    const live = { httpGet: { path: "/v2/health/live", port: "http" } };
    assert.deepEqual(c.startupProbe, {
      ...live,
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 60,
    });
    assert.deepEqual(c.livenessProbe, {
      ...live,
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    assert.deepEqual(c.readinessProbe, {
      exec: {
        command: [
          "python3",
          "-c",
          READINESS_SCRIPT,
          "/models",
          "http://127.0.0.1:8000",
          "9",
          "iris-classifier",
        ],
      },
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 10,
      failureThreshold: 3,
    });
    assert.deepEqual(c.resources, {
      requests: { cpu: "1", memory: "2Gi" },
      limits: { cpu: "2", memory: "4Gi" },
    });
    assert.deepEqual(c.securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.deepEqual(c.volumeMounts, [
      { name: "models", mountPath: "/models", readOnly: true },
      { name: "dshm", mountPath: "/dev/shm" },
      { name: "tmp", mountPath: "/tmp" },
    ]);
    assert.deepEqual(pod.volumes, [
      {
        name: "models",
        persistentVolumeClaim: { claimName: "triton-dev-model-repo", readOnly: true },
      },
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } },
      { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
    ]);
  });

  test("Service, ServiceMonitor and NetworkPolicy", () => {
    const svc = object(one(run.resources, TYPES.svc, "triton-service"));
    assert.deepEqual(svc.metadata, tritonMetadata);
    assert.deepEqual(svc.spec, {
      type: "NodePort",
      selector,
      externalTrafficPolicy: "Cluster",
      ports: [
        { name: "http", port: 8000, targetPort: "http", protocol: "TCP", nodePort: 30800 },
        { name: "grpc", port: 8001, targetPort: "grpc", protocol: "TCP", nodePort: 30801 },
        { name: "metrics", port: 8002, targetPort: "metrics", protocol: "TCP" },
      ],
    });
    const sm = object(one(run.resources, TYPES.sm, "triton-service-monitor"));
    assert.deepEqual(sm.metadata, tritonMetadata);
    assert.deepEqual(sm.spec, {
      selector: { matchLabels: selector },
      namespaceSelector: { matchNames: ["triton-dev"] },
      endpoints: [{ port: "metrics", path: "/metrics", interval: "15s" }],
    });
    const np = object(one(run.resources, TYPES.netpol, "triton-network-policy"));
    assert.deepEqual(np.spec, {
      podSelector: { matchLabels: selector },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { "kubernetes.io/metadata.name": "monitoring-dev" },
              },
              podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
            },
          ],
          ports: [{ protocol: "TCP", port: 8002 }],
        },
        {
          from: [{ podSelector: {} }, { ipBlock: { cidr: "10.40.0.0/16" } }],
          ports: [
            { protocol: "TCP", port: 8000 },
            { protocol: "TCP", port: 8001 },
            { protocol: "TCP", port: 8002 },
          ],
        },
      ],
    });
  });

  test("the webhook Secret holds only the Slack URL (no pager in dev)", () => {
    const w = one(run.resources, TYPES.secret, "monitoring-webhooks");
    assert.equal(object(w).metadata.name, "monitoring-dev-alert-webhooks");
    assert.deepEqual(object(w).stringData, { "slack-webhook-url": secrets.slackWebhookUrl });
  });

  test("one replica: no PodDisruptionBudget", () => {
    assert.equal(
      run.resources.filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget").length,
      0,
    );
  });

  test("monitoring release: explicit name, pinned chart, this env's selectors, no shared parts", () => {
    const r = object(one(run.resources, TYPES.release, "monitoring-release"));
    assert.equal(r.name, "monitoring-dev");
    assert.equal(r.namespace, "monitoring-dev");
    assert.equal(r.chart, "kube-prometheus-stack");
    assert.equal(r.version, "88.5.3");
    assert.deepEqual(r.repositoryOpts, {
      repo: "https://prometheus-community.github.io/helm-charts",
    });
    assert.equal(r.timeout, 600);
    const v = r.values;
    assert.deepEqual(
      {
        crds: v.crds,
        prometheusOperator: v.prometheusOperator,
        nodeExporter: v.nodeExporter,
        kubeStateMetrics: v.kubeStateMetrics,
      },
      {
        crds: { enabled: false },
        prometheusOperator: { enabled: false },
        nodeExporter: { enabled: false },
        kubeStateMetrics: { enabled: false },
      },
    );
    const p = v.prometheus.prometheusSpec;
    assert.deepEqual(p.serviceMonitorSelector, { matchLabels: { release: "monitoring-dev" } });
    assert.deepEqual(p.ruleSelector, { matchLabels: { release: "monitoring-dev" } });
    assert.deepEqual(p.externalLabels, { env: "dev" });
    assert.equal(p.retention, "7d");
    assert.deepEqual(v.grafana.sidecar.dashboards.labelValue, "triton-dev");
  });

  test("alert rules and dashboard are labelled for this environment", () => {
    const rule = object(one(run.resources, TYPES.rule, "alerts-prometheus-rule"));
    assert.deepEqual(rule.metadata, {
      name: "triton-dev-alerts",
      namespace: "monitoring-dev",
      labels: {
        env: "dev",
        "app.kubernetes.io/part-of": "triton-serving",
        "app.kubernetes.io/managed-by": "pulumi",
        release: "monitoring-dev",
      },
    });
    // The content is the observability builders' output for this stack's config, whole.
    const input = observabilityInputFromConfig(readStackConfig(PROJECT_DIR, "dev"));
    assert.deepEqual(rule.spec.groups, buildRuleGroups(input));
    const alerts = (rule.spec.groups as { rules: { alert?: string }[] }[])
      .flatMap((g) => g.rules)
      .map((x) => x.alert)
      .sort();
    assert.deepEqual(alerts, [
      "TritonHighErrorRate",
      "TritonMeanLatencyHigh",
      "TritonModelNotServing",
      "TritonP95LatencyHigh",
      "TritonQueueLatencyHigh",
      "TritonServerDown",
    ]);
    const cm = object(one(run.resources, TYPES.cm, "dashboards-config-map"));
    assert.equal(cm.metadata.name, "triton-dev-dashboard");
    assert.equal(cm.metadata.labels.grafana_dashboard, "triton-dev");
    assert.deepEqual(Object.keys(cm.data), ["triton-dev.json"]);
    assert.deepEqual(JSON.parse(cm.data["triton-dev.json"]), buildDashboard(input));
  });

  test("stack outputs", () => {
    const { models, ...platform } = run.outputs;
    // Version 2 carries dev's alias in the seeded MLflow; the mocks compute no sha256/committedAt.
    assert.deepEqual(models, {
      "iris-classifier": { version: "2", runId: run.published[1]!.runId },
    });
    assert.deepEqual(platform, {
      environment: "dev",
      namespace: "triton-dev",
      monitoringNamespaceName: "monitoring-dev",
      monitoringRelease: "monitoring-dev",
      tritonService: "triton-dev",
      tritonDeployment: "triton-dev",
      tritonApiKeySecret: "triton-dev-api-key",
      modelRepositoryVolume: "triton-dev-model-repo",
      modelRepositoryClaim: "triton-dev-model-repo",
      prometheusRule: "triton-dev-alerts",
      dashboardConfigMap: "triton-dev-dashboard",
      deployEndpoints: ["http://k8s-worker-01.mlops.internal:30800"],
      requestedModels: [
        { name: "iris-classifier", registeredModel: "iris-classifier", alias: "A" },
      ],
    });
  });
});
