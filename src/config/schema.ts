// The stack configuration: ONE zod schema, the only place that knows keys, types and defaults.
// No Pulumi here (lint enforces it): the Pulumi program (load.ts), the CLI and the render command
// (stack-file.ts) all parse through this schema, so they cannot disagree about a stack.
//
// Every check carries an "expected ..." phrase; format.ts turns an issue into
// `<key path>: got <value>, expected <phrase>`. No code knows an environment's name: what differs
// between dev and prod lives in Pulumi.<stack>.yaml.
import { z } from "zod";
import { AlertingConfigSchema } from "./observability";
import { TRITON_DATA_TYPES } from "../core/model-config/data-types";

// ---- small building blocks with their own "expected" phrases -----------------------------------

const int = (min: number, max?: number) => {
  const expected =
    max === undefined ? `an integer >= ${min}` : `an integer between ${min} and ${max}`;
  const base = z.number({ error: expected }).int({ error: expected }).min(min, { error: expected });
  return max === undefined ? base : base.max(max, { error: expected });
};

const str = (expected: string, pattern: RegExp) =>
  z.string({ error: expected }).regex(pattern, { error: expected });

const bool = () => z.boolean({ error: "true or false" });

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsLabel = () =>
  str(
    "a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)",
    DNS_LABEL,
  );

/** A Kubernetes resource quantity such as `500m`, `2`, `4Gi`. */
const quantity = () =>
  str(
    "a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi",
    /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/,
  );

const absolutePath = () =>
  str("an absolute path without '..' segments", /^\/(?!.*(^|\/)\.\.(\/|$)).*$/);

// Credentials in a URL would be a plain-text secret in the stack file and in Pulumi state (the
// URL is a resource input); they belong in secret config instead.
const httpUrl = () =>
  z
    .string({ error: "an http(s) URL" })
    .regex(/^https?:\/\/[^\s/?#]+[^\s]*$/, { error: "an http(s) URL" })
    .refine((url) => !/^https?:\/\/[^/?#]*@/.test(url), {
      error:
        "an http(s) URL without user:password@ (credentials belong in secret config: mlflowTrackingToken or mlflowTrackingPassword)",
    });

const hostname = () =>
  str(
    "a host name or IP address",
    /^([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/,
  );

const labelMap = () =>
  z.record(
    str(
      "a Kubernetes label key (optional DNS prefix and '/', then up to 63 of [A-Za-z0-9_.-])",
      /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    ),
    str(
      "a Kubernetes label value (up to 63 of [A-Za-z0-9_.-], starting and ending alphanumeric)",
      /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/,
    ),
    { error: "a map of label keys to label values" },
  );

const list = <T extends z.ZodType>(item: T, expected = "a list") =>
  z.array(item, { error: expected });

// ---- storage ------------------------------------------------------------------------------------

const PrepareExportSchema = z
  .strictObject({
    host: hostname().describe("SSH host of the NFS server (where the export directory lives)."),
    user: z
      .string({ error: "a non-empty user name" })
      .min(1, { error: "a non-empty user name" })
      .describe("SSH user on the NFS server."),
    port: int(1, 65535).default(22).describe("SSH port."),
    serverPath: absolutePath()
      .optional()
      .describe(
        "Directory on the NFS server's own filesystem that backs `storage.nfsPath` (defaults to `storage.nfsPath`).",
      ),
    useSudo: bool().default(false).describe("Run the mkdir/chown/chmod through `sudo -n`."),
  })
  .describe(
    "Optional: prepare the export directory over SSH with @pulumi/command (mkdir, owner = Triton's uid/gid, mode 2775). The private key is the secret `nfsSshPrivateKey`.",
  );

const StorageSchema = z
  .strictObject({
    nfsServer: hostname().describe("NFS server host name or IP."),
    nfsPath: absolutePath().describe(
      "Export path of this environment's model repository, e.g. /mnt/nfs_share/mlops/triton/model-repo/dev. Must differ per environment.",
    ),
    capacity: quantity().default("50Gi").describe("Capacity of the PV and the PVC request."),
    mountOptions: list(z.string().min(1, { error: "a non-empty mount option" }))
      .default(["nfsvers=4.1", "hard"])
      .describe("NFS mount options of the PV."),
    localMountPath: absolutePath().describe(
      "Where the machine running `pulumi up` or the model CLI sees the same export; the deployment writes model versions there.",
    ),
    protect: bool()
      .default(false)
      .describe(
        "Pulumi `protect` on the PV and PVC: a plan that would delete or replace them fails.",
      ),
    prepareExport: PrepareExportSchema.optional(),
  })
  .describe("The NFS model repository of this environment: one PV + PVC bound to each other.");

// ---- triton -------------------------------------------------------------------------------------

const ResourceListSchema = z.strictObject({
  cpu: quantity().optional().describe("CPU (e.g. 2 or 500m)."),
  memory: quantity().optional().describe("Memory (e.g. 4Gi)."),
});

const TolerationSchema = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"], { error: 'one of: "Exists", "Equal"' }).default("Equal"),
  value: z.string().optional(),
  effect: z
    .enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], {
      error: 'one of: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    })
    .optional(),
});

const GpuSchema = z
  .strictObject({
    enabled: bool().default(false).describe("Request GPUs for the Triton container."),
    count: int(1).default(1).describe("GPUs per pod (the `nvidia.com/gpu` limit)."),
    resourceName: z
      .string()
      .min(1)
      .default("nvidia.com/gpu")
      .describe("Extended resource name of the GPU device plugin."),
    nodeSelector: labelMap().default({}).describe("Node selector for GPU nodes."),
    tolerations: list(TolerationSchema)
      .default([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }])
      .describe("Tolerations for tainted GPU nodes."),
  })
  .prefault({})
  .describe("GPU scheduling; when disabled none of it is rendered.");

const ProbeSchema = (d: {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}) =>
  z
    .strictObject({
      initialDelaySeconds: int(0).default(d.initialDelaySeconds),
      periodSeconds: int(1).default(d.periodSeconds),
      timeoutSeconds: int(1).default(d.timeoutSeconds),
      failureThreshold: int(1).default(d.failureThreshold),
    })
    .prefault({});

const NetworkPeerSchema = z
  .strictObject({
    namespaceSelector: labelMap().optional(),
    podSelector: labelMap().optional(),
    ipBlock: str("a CIDR such as 10.0.0.0/8", /^[0-9a-fA-F:.]+\/[0-9]{1,3}$/).optional(),
  })
  .refine(
    (p) =>
      p.ipBlock !== undefined || p.namespaceSelector !== undefined || p.podSelector !== undefined,
    { error: "at least one of namespaceSelector, podSelector or ipBlock" },
  )
  .refine((p) => p.ipBlock === undefined || (!p.namespaceSelector && !p.podSelector), {
    error: "ipBlock alone (Kubernetes does not combine ipBlock with selectors)",
  });

const ServiceSchema = z
  .strictObject({
    type: z
      .enum(["ClusterIP", "NodePort", "LoadBalancer"], {
        error: 'one of: "ClusterIP", "NodePort", "LoadBalancer"',
      })
      .default("ClusterIP")
      .describe(
        "Service type. NodePort/LoadBalancer expose Triton to a runner outside the cluster.",
      ),
    nodePorts: z
      .strictObject({
        http: int(30000, 32767).optional().describe("Node port of Triton HTTP (8000)."),
        grpc: int(30000, 32767).optional().describe("Node port of Triton gRPC (8001)."),
      })
      .default({})
      .describe("Fixed node ports (only with type NodePort); unset = assigned by Kubernetes."),
    externalTrafficPolicy: z
      .enum(["Cluster", "Local"], { error: 'one of: "Cluster", "Local"' })
      .default("Cluster")
      .describe(
        "Local: a node port reaches only the pod on that node, so with one pod per node `http://<node>:<nodePort>` addresses one pod (what per-pod deploy endpoints need), and the client IP is kept for the NetworkPolicy.",
      ),
  })
  .prefault({});

/** Flags the platform sets itself; `extraArgs` must not fight them. */
const MANAGED_TRITON_FLAGS = [
  "--model-repository",
  "--model-store",
  "--model-control-mode",
  "--load-model",
  "--exit-on-error",
  "--strict-readiness",
  "--metrics-config",
  "--http-restricted-api",
  "--http-port",
  "--grpc-port",
  "--metrics-port",
] as const;

const TritonSchema = z
  .strictObject({
    image: str(
      "a container image reference with a tag or digest, e.g. nvcr.io/nvidia/tritonserver:24.08-py3",
      /^[a-z0-9]([a-z0-9._\-/:]*[a-z0-9])?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/,
    ).describe("Triton image. Must be a -py3 image: the readiness probe runs python3."),
    requireImageDigest: bool()
      .default(false)
      .describe("Refuse an image that is not pinned by `@sha256:` digest."),
    imagePullPolicy: z
      .enum(["IfNotPresent", "Always", "Never"], {
        error: 'one of: "IfNotPresent", "Always", "Never"',
      })
      .default("IfNotPresent")
      .describe("Container image pull policy."),
    replicas: int(1)
      .default(1)
      .describe("Triton pods. More than one needs one deploy endpoint per pod."),
    resources: z
      .strictObject({
        requests: ResourceListSchema.default({ cpu: "1", memory: "2Gi" }).describe("Requests."),
        limits: ResourceListSchema.default({ memory: "4Gi" }).describe("Limits."),
      })
      .prefault({})
      .describe("Container requests and limits (the GPU limit is added from `gpu`)."),
    gpu: GpuSchema,
    nodeSelector: labelMap().default({}).describe("Node selector for every Triton pod."),
    podAntiAffinity: z
      .enum(["none", "preferred", "required"], { error: 'one of: "none", "preferred", "required"' })
      .default("preferred")
      .describe(
        "Spread pods over nodes (by hostname). `required` gives one pod per node; rollouts then replace pods one at a time (maxSurge 0) instead of surging.",
      ),
    shmSize: quantity().default("1Gi").describe("Size limit of the memory-backed /dev/shm."),
    tmpSize: quantity()
      .default("1Gi")
      .describe("Size limit of the writable /tmp (root FS is read-only)."),
    runAsUser: int(1).default(1000).describe("Non-root uid of the Triton container."),
    runAsGroup: int(1).default(1000).describe("gid of the Triton container."),
    fsGroup: int(1).default(1000).describe("Pod fsGroup (group owner of the model repository)."),
    adminHeader: str(
      "an HTTP header name (lower-case letters, digits and '-')",
      /^[a-z0-9][a-z0-9-]{0,62}$/,
    )
      .default("triton-admin-key")
      .describe(
        "Header that unlocks Triton's model-repository and model-config APIs (--http-restricted-api); its value is the secret `tritonApiKey`.",
      ),
    extraArgs: list(z.string().min(1))
      .default([])
      .describe(
        "Extra tritonserver flags, e.g. --backend-config=...; the platform's own flags are refused.",
      ),
    service: ServiceSchema.describe("The Service in front of the Triton pods."),
    networkPolicy: z
      .strictObject({
        enabled: bool().default(true).describe("Create the NetworkPolicy."),
        extraSources: list(NetworkPeerSchema)
          .default([])
          .describe(
            "More peers allowed to reach ports 8000-8002 (e.g. an ingress controller namespace, or the runner's CIDR for NodePort).",
          ),
      })
      .prefault({})
      .describe(
        "Only the environment's Prometheus and pods of the same namespace may reach Triton, plus these sources.",
      ),
    probes: z
      .strictObject({
        startup: ProbeSchema({
          initialDelaySeconds: 0,
          periodSeconds: 10,
          timeoutSeconds: 5,
          failureThreshold: 60,
        }).describe(
          "Startup probe (GET /v2/health/live): period x failureThreshold is the time a pod may take to load every committed model.",
        ),
        liveness: ProbeSchema({
          initialDelaySeconds: 0,
          periodSeconds: 10,
          timeoutSeconds: 5,
          failureThreshold: 3,
        }).describe("Liveness probe (GET /v2/health/live)."),
        readiness: ProbeSchema({
          initialDelaySeconds: 0,
          periodSeconds: 10,
          timeoutSeconds: 10,
          failureThreshold: 3,
        }).describe(
          "Readiness probe: every committed model serves its committed version (exec, python3).",
        ),
      })
      .prefault({})
      .describe(
        "Probe timings (startup: live; liveness: live; readiness: committed models ready).",
      ),
    serviceMonitor: z
      .strictObject({
        interval: str("a duration such as 15s or 1m", /^[0-9]+(ms|s|m|h)$/)
          .default("15s")
          .describe("Scrape interval of Triton's metrics."),
      })
      .prefault({})
      .describe("The ServiceMonitor of Triton's metrics port."),
  })
  .describe("The Triton Deployment, Service, ServiceMonitor, PDB and NetworkPolicy.");

// ---- deploy / mlflow ----------------------------------------------------------------------------

const DeploySchema = z
  .strictObject({
    tritonEndpoints: list(httpUrl(), "a list of http(s) URLs")
      .min(1, { error: "at least one http(s) URL" })
      .describe(
        "Base URLs the deployment runner (outside the cluster) uses to reach Triton's HTTP port: a NodePort, an Ingress, or the API server's service proxy. With several replicas, one URL per pod: a load through a Service reaches only one pod.",
      ),
    requestTimeoutMs: int(1).default(30_000).describe("Timeout of ordinary Triton calls."),
    loadTimeoutMs: int(1).default(600_000).describe("Timeout of one model load call."),
    readyTimeoutMs: int(1)
      .default(300_000)
      .describe("How long a loaded version may take to become ready."),
  })
  .describe("How the deployment (run by `pulumi up` or the model CLI) reaches Triton.");

const MlflowSchema = z
  .strictObject({
    trackingUri: httpUrl().describe(
      "MLflow tracking server. Credentials: secrets `mlflowTrackingToken` or `mlflowTrackingPassword` (or MLFLOW_TRACKING_* variables).",
    ),
    username: z
      .string()
      .min(1)
      .optional()
      .describe("Basic-auth user (its password is the secret `mlflowTrackingPassword`)."),
    requestTimeoutMs: int(1).default(30_000).describe("Timeout of one MLflow call."),
    writeBack: z
      .boolean()
      .default(true)
      .describe(
        "After each deployment attempt, record it on the model version: tags `triton.<environment>.deployed_at` and `triton.<environment>.verified_p95_ms` and the alias `<environment>-serving` on commit, `triton.<environment>.failed_at` and `triton.<environment>.failure` on failure. Needs write access to the registry; a refused write is a warning and never fails or undoes the deployment.",
      ),
  })
  .describe("The MLflow Model Registry the models are resolved from.");

// ---- monitoring ---------------------------------------------------------------------------------

const MonitoringSchema = z
  .strictObject({
    releaseName: dnsLabel().describe(
      "Helm release name of kube-prometheus-stack; also the `release` label its Prometheus selects.",
    ),
    namespace: dnsLabel().describe("Namespace of the monitoring release (created by this stack)."),
    chart: z
      .strictObject({
        name: z.string().min(1).default("kube-prometheus-stack").describe("Chart name."),
        repository: httpUrl()
          .default("https://prometheus-community.github.io/helm-charts")
          .describe("Chart repository."),
        version: str(
          "a pinned chart version such as 88.5.3 (no ranges)",
          /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/,
        ).describe("Pinned chart version."),
      })
      .describe("The chart, pinned."),
    shared: z
      .strictObject({
        operator: bool()
          .default(false)
          .describe("Run the prometheus-operator and install its CRDs (one release per cluster)."),
        nodeExporter: bool()
          .default(false)
          .describe("Run node-exporter (hostNetwork port 9100: one release per cluster)."),
        kubeStateMetrics: bool().default(false).describe("Run kube-state-metrics."),
      })
      .prefault({})
      .describe(
        "Cluster-wide parts. Exactly one release per cluster may run the operator and CRDs, and a second node-exporter would clash on host port 9100, so all default to off: turn them on in one stack per cluster (and deploy that stack first).",
      ),
    defaultRules: bool()
      .default(false)
      .describe(
        "Install the chart's default Kubernetes alert rules (they need node-exporter and kube-state-metrics).",
      ),
    grafana: z
      .strictObject({
        enabled: bool().default(false).describe("Run a Grafana in this release."),
        dashboardLabelValue: dnsLabel().describe(
          "Value of the `grafana_dashboard` label this environment's Grafana sidecar loads; must differ per environment.",
        ),
      })
      .describe("Grafana and its dashboard sidecar."),
    prometheus: z
      .strictObject({
        retention: str("a duration such as 15d or 12h", /^[0-9]+(ms|s|m|h|d|w|y)$/)
          .default("10d")
          .describe("How long Prometheus keeps samples."),
        retentionSize: str("a size such as 40GB", /^[0-9]+(B|KB|MB|GB|TB|PB|EB)$/)
          .optional()
          .describe("Size cap of Prometheus storage."),
        scrapeInterval: str("a duration such as 30s", /^[0-9]+(ms|s|m|h)$/)
          .default("30s")
          .describe("Default scrape interval."),
        evaluationInterval: str("a duration such as 30s", /^[0-9]+(ms|s|m|h)$/)
          .default("30s")
          .describe("Rule evaluation interval."),
        storageSize: quantity().optional().describe("PVC size for Prometheus; unset = emptyDir."),
        podLabels: labelMap()
          .default({ "app.kubernetes.io/name": "prometheus" })
          .describe(
            "Labels of this release's Prometheus pods (the Triton NetworkPolicy admits them).",
          ),
      })
      .prefault({})
      .describe("The Prometheus of this release."),
    timeoutSeconds: int(1).default(600).describe("Helm install/upgrade timeout."),
  })
  .describe("This environment's kube-prometheus-stack release.");

// ---- models -------------------------------------------------------------------------------------

// Triton's TYPE_* names: the core's list is the one source (config may depend on the core's
// plain constants; layers point down).
export { TRITON_DATA_TYPES };

const dim = () =>
  z
    .number({ error: "-1 or an integer >= 1" })
    .int({ error: "-1 or an integer >= 1" })
    .refine((d) => d === -1 || d >= 1, { error: "-1 or an integer >= 1" });

const TensorSchema = z.strictObject({
  name: z
    .string({ error: "a non-empty tensor name" })
    .min(1, { error: "a non-empty tensor name" })
    .describe("Tensor name in the ONNX graph."),
  dataType: z
    .enum(TRITON_DATA_TYPES, { error: `one of: ${TRITON_DATA_TYPES.join(", ")}` })
    .describe("Triton data type."),
  dims: list(dim(), "a list of dimensions")
    .min(1, { error: "at least one dimension" })
    .describe("Dimensions without the batch dimension; -1 = variable."),
  reshape: list(int(1))
    .optional()
    .describe("Triton `reshape.shape` (e.g. [] for a per-item scalar)."),
});

const GoldenTensorSchema = z.strictObject({
  name: z.string().min(1),
  shape: list(int(1)).describe("Full request shape, including the batch dimension if batching."),
  data: list(z.number({ error: "a number" }), "a list of numbers").min(1, {
    error: "at least one number",
  }),
});

const SmokeSchema = z
  .strictObject({
    requests: int(1, 10_000)
      .default(5)
      .describe("Inference requests sent to the candidate version."),
    p95BudgetMs: z
      .number({ error: "a number of milliseconds > 0" })
      .positive({ error: "a number of milliseconds > 0" })
      .optional()
      .describe("Fail the deployment when the smoke p95 latency exceeds this."),
    golden: z
      .strictObject({
        inputs: list(GoldenTensorSchema).min(1, { error: "at least one input" }),
        outputs: list(GoldenTensorSchema.partial({ shape: true })).min(1, {
          error: "at least one output",
        }),
        tolerance: z
          .number({ error: "a number >= 0" })
          .nonnegative({ error: "a number >= 0" })
          .default(1e-4),
      })
      .optional()
      .describe(
        "A known input and its expected outputs (absolute tolerance). Without it the input is generated from the model metadata.",
      ),
  })
  .prefault({});

const ModelNameRule =
  "a Triton model name: lower-case letters, digits, '-' and '_', starting and ending with a letter or digit, at most 63 characters";

export const ModelConfigSchema = z
  .strictObject({
    name: str(ModelNameRule, /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/).describe(
      "Triton model name (directory in the model repository).",
    ),
    registeredModel: z
      .string({ error: "a non-empty MLflow registered model name" })
      .min(1, { error: "a non-empty MLflow registered model name" })
      .describe("MLflow registered model name."),
    alias: str("an MLflow alias (letters, digits, '_' and '-')", /^[A-Za-z0-9_-]{1,255}$/)
      .optional()
      .describe(
        "MLflow alias to deploy (resolved to a version at preview). Exactly one of alias/version.",
      ),
    version: str('a model version number as a string of digits, e.g. "12"', /^[1-9][0-9]*$/)
      .optional()
      .describe("Pinned MLflow model version. Exactly one of alias/version."),
    maxBatchSize: int(0).default(0).describe("Triton max_batch_size (0 = no batching dimension)."),
    // Optional like in Triton's own config: the deployment core fills what is left out from the
    // ONNX graph, as Triton's auto-complete would (triton-contract.md §3.1), and commits the
    // completed config.pbtxt. An empty list is not "left out": Triton cannot serve it.
    inputs: list(TensorSchema)
      .min(1, { error: "at least one input (or leave inputs out)" })
      .optional()
      .describe(
        "Model inputs as in Triton's config (checked against the ONNX graph before any load). Left out: taken from the ONNX graph, as Triton's auto-complete would.",
      ),
    outputs: list(TensorSchema)
      .min(1, { error: "at least one output (or leave outputs out)" })
      .optional()
      .describe("Model outputs, likewise; left out: taken from the ONNX graph."),
    instanceGroup: z
      .strictObject({
        kind: z
          .enum(["KIND_CPU", "KIND_GPU"], { error: 'one of: "KIND_CPU", "KIND_GPU"' })
          .default("KIND_CPU"),
        count: int(1).default(1),
      })
      .prefault({})
      .describe("Triton instance_group: where and how many instances."),
    dynamicBatching: z
      .strictObject({
        preferredBatchSize: list(int(1)).default([]).describe("Batch sizes the scheduler prefers."),
        maxQueueDelayMicroseconds: int(0)
          .default(0)
          .describe("How long a request may wait for a batch to fill."),
      })
      .optional()
      .describe("Triton dynamic batching (needs maxBatchSize > 0)."),
    smoke: SmokeSchema.describe("Verification of a candidate version before it is committed."),
  })
  .superRefine((m, ctx) => {
    if ((m.alias === undefined) === (m.version === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [],
        input: { alias: m.alias, version: m.version },
        message: "exactly one of alias or version",
      });
    }
    if (m.dynamicBatching !== undefined && m.maxBatchSize === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["dynamicBatching"],
        input: m.dynamicBatching,
        message: "no dynamicBatching when maxBatchSize is 0 (Triton needs a batch dimension)",
      });
    }
    for (const [kind, tensors] of [
      ["inputs", m.inputs ?? []],
      ["outputs", m.outputs ?? []],
    ] as const) {
      const seen = new Set<string>();
      tensors.forEach((t, i) => {
        if (seen.has(t.name)) {
          ctx.addIssue({
            code: "custom",
            path: [kind, i, "name"],
            input: t.name,
            message: `a name unique among the model's ${kind}`,
          });
        }
        seen.add(t.name);
      });
    }
    const golden = m.smoke.golden;
    if (golden !== undefined) {
      for (const [kind, tensors, declared] of [
        ["inputs", golden.inputs, m.inputs],
        ["outputs", golden.outputs, m.outputs],
      ] as const) {
        // Left out: the names come from the ONNX graph, which the core checks at deploy time.
        if (declared === undefined) continue;
        const names = declared.map((t) => t.name);
        tensors.forEach((t, i) => {
          if (!names.includes(t.name)) {
            ctx.addIssue({
              code: "custom",
              path: ["smoke", "golden", kind, i, "name"],
              input: t.name,
              message: `one of the model's ${kind}: ${names.join(", ")}`,
            });
          }
        });
      }
    }
  })
  .describe("A model served by Triton and deployed from the MLflow registry.");

// ---- secrets ------------------------------------------------------------------------------------

/**
 * Secret stack config: top-level keys set with `pulumi config set --secret`, read only as secret
 * Outputs (load.ts) or from the environment (CLI). Never part of the schema above, so they can never
 * reach component args or error messages in plain text.
 */
export const SECRET_KEYS = {
  slackWebhookUrl: {
    required: true,
    env: "SLACK_WEBHOOK_URL",
    description: "Slack incoming-webhook URL of this environment's alert channel.",
  },
  tritonApiKey: {
    required: true,
    env: "TRITON_API_KEY",
    description:
      "Value of the `triton.adminHeader` header that unlocks Triton's model-repository and model-config APIs.",
  },
  pagerRoutingKey: {
    required: false,
    env: "PAGER_ROUTING_KEY",
    description: "PagerDuty Events v2 routing key (needed when `alerting.pager.enabled`).",
  },
  mlflowTrackingToken: {
    required: false,
    env: "MLFLOW_TRACKING_TOKEN",
    description: "MLflow bearer token.",
  },
  mlflowTrackingPassword: {
    required: false,
    env: "MLFLOW_TRACKING_PASSWORD",
    description: "MLflow basic-auth password (user: `mlflow.username`).",
  },
  nfsSshPrivateKey: {
    required: false,
    env: "NFS_SSH_PRIVATE_KEY",
    description: "SSH private key for `storage.prepareExport` (required when that is set).",
  },
} as const satisfies Record<string, { required: boolean; env: string; description: string }>;

export type SecretKey = keyof typeof SECRET_KEYS;

// ---- the whole stack ----------------------------------------------------------------------------

export const StackConfigSchema = z
  .strictObject({
    environment: dnsLabel().describe(
      "Environment label (the `env` label on objects, metrics and alerts), e.g. dev.",
    ),
    namespace: dnsLabel().describe(
      "Namespace of Triton; also the prefix of every object name (so PVs never clash across environments).",
    ),
    storage: StorageSchema,
    triton: TritonSchema,
    deploy: DeploySchema,
    mlflow: MlflowSchema,
    monitoring: MonitoringSchema,
    alerting: AlertingConfigSchema.describe(
      "Alert thresholds, routing and receivers (see src/config/observability.ts).",
    ),
    models: list(ModelConfigSchema, "a list of models").describe(
      "Models to serve, each deployed from MLflow by a ModelDeployment.",
    ),
  })
  .superRefine((c, ctx) => {
    const t = c.triton;
    if (t.requireImageDigest && !/@sha256:[a-f0-9]{64}$/.test(t.image)) {
      ctx.addIssue({
        code: "custom",
        path: ["triton", "image"],
        input: t.image,
        message:
          "an image pinned by digest (<image>@sha256:<64 hex>) because triton.requireImageDigest is true",
      });
    }
    if (c.deploy.tritonEndpoints.length < t.replicas) {
      ctx.addIssue({
        code: "custom",
        path: ["deploy", "tritonEndpoints"],
        input: c.deploy.tritonEndpoints,
        message: `one URL per Triton pod (triton.replicas is ${t.replicas}): a load through a Service reaches only one pod`,
      });
    }
    t.extraArgs.forEach((arg, i) => {
      const flag = MANAGED_TRITON_FLAGS.find((f) => arg === f || arg.startsWith(`${f}=`));
      if (flag !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["triton", "extraArgs", i],
          input: arg,
          message: `a flag the platform does not set itself (it manages ${flag})`,
        });
      }
    });
    if (t.service.type !== "NodePort" && Object.keys(t.service.nodePorts).length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["triton", "service", "nodePorts"],
        input: t.service.nodePorts,
        message: `no nodePorts unless triton.service.type is "NodePort" (it is "${t.service.type}")`,
      });
    }
    if (c.monitoring.namespace === c.namespace) {
      ctx.addIssue({
        code: "custom",
        path: ["monitoring", "namespace"],
        input: c.monitoring.namespace,
        message: "a namespace other than `namespace` (Triton's)",
      });
    }
    const names = new Set<string>();
    c.models.forEach((m, i) => {
      if (names.has(m.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["models", i, "name"],
          input: m.name,
          message: "a model name not used by another entry of models",
        });
      }
      names.add(m.name);
      if (m.instanceGroup.kind === "KIND_GPU" && !t.gpu.enabled) {
        ctx.addIssue({
          code: "custom",
          path: ["models", i, "instanceGroup", "kind"],
          input: m.instanceGroup.kind,
          message: '"KIND_CPU" because triton.gpu.enabled is false',
        });
      }
    });
  });

export type StackConfig = z.infer<typeof StackConfigSchema>;
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
