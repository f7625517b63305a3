// Pure builders of the Triton server's Kubernetes objects. `N` is the namespace's type: a plain
// string in tests, a Pulumi Output in the component. The flags and probes here are what the
// deployment transaction relies on (design.md "Triton facts", triton-contract.md §2 and §4).
import type { StackConfig } from "../config/schema";
import type { Labels } from "../lib/labels";
import { API_KEY_ENV, API_KEY_SECRET_KEY } from "../lib/names";
import { readinessProbeCommand } from "./triton-readiness-probe";

type Triton = StackConfig["triton"];

export const MODEL_REPOSITORY_MOUNT = "/models";
export const PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const;

export interface TritonObjectArgs<N> {
  readonly namespace: N;
  /** Name of the Deployment, Service, ServiceMonitor, PDB and NetworkPolicy. */
  readonly name: string;
  readonly triton: Triton;
  /** Triton model names to load at start (the configured models). */
  readonly models: readonly string[];
  readonly claimName: string;
  readonly apiKeySecretName: string;
  /** Labels of every object (include `release` and `env`). */
  readonly labels: Labels;
  /** The immutable pod selector (a subset of `labels`). */
  readonly selectorLabels: Labels;
  /** Where this environment's Prometheus runs, for the NetworkPolicy. */
  readonly prometheus: { readonly namespace: string; readonly podLabels: Labels };
}

/**
 * tritonserver flags. Each one exists for a reason the deployment transaction depends on:
 * - explicit model control: only the deployment loads models;
 * - `--load-model` per configured model: a restarted pod comes back on the committed version
 *   (the committed config.pbtxt pins it);
 * - `--exit-on-error=false`: before the first deployment a model directory does not exist yet;
 * - `--strict-readiness=false`: a failed load of a candidate must not make the pod unready;
 * - restricted model-repository/model-config APIs (HTTP and gRPC), keyed by a header whose value
 *   Kubernetes expands from the Secret (`$(VAR)`), so it is never a literal in the spec.
 */
export function buildTritonArgs(a: {
  models: readonly string[];
  adminHeader: string;
  extraArgs: readonly string[];
}): string[] {
  const restricted = `model-repository,model-config:${a.adminHeader}=$(${API_KEY_ENV})`;
  return [
    `--model-repository=${MODEL_REPOSITORY_MOUNT}`,
    "--model-control-mode=explicit",
    ...a.models.map((m) => `--load-model=${m}`),
    "--exit-on-error=false",
    "--strict-readiness=false",
    `--http-port=${PORTS.http}`,
    `--grpc-port=${PORTS.grpc}`,
    `--metrics-port=${PORTS.metrics}`,
    "--metrics-config=summary_latencies=true",
    `--http-restricted-api=${restricted}`,
    `--grpc-restricted-protocol=${restricted}`,
    ...a.extraArgs,
  ];
}

function resourceList(r: { cpu?: string | undefined; memory?: string | undefined }) {
  const out: Record<string, string> = {};
  if (r.cpu !== undefined) out.cpu = r.cpu;
  if (r.memory !== undefined) out.memory = r.memory;
  return out;
}

function buildContainerResources(t: Pick<Triton, "resources" | "gpu">) {
  const limits = resourceList(t.resources.limits);
  if (t.gpu.enabled) limits[t.gpu.resourceName] = String(t.gpu.count);
  return { requests: resourceList(t.resources.requests), limits };
}

function buildAffinity(t: Triton, selectorLabels: Labels) {
  if (t.podAntiAffinity === "none") return undefined;
  const term = {
    labelSelector: { matchLabels: selectorLabels },
    topologyKey: "kubernetes.io/hostname",
  };
  return {
    podAntiAffinity:
      t.podAntiAffinity === "required"
        ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
        : {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 100, podAffinityTerm: term },
            ],
          },
  };
}

const probeTimings = (p: Triton["probes"]["startup"]) => ({
  initialDelaySeconds: p.initialDelaySeconds,
  periodSeconds: p.periodSeconds,
  timeoutSeconds: p.timeoutSeconds,
  failureThreshold: p.failureThreshold,
});

function buildProbes(t: Triton, models: readonly string[]) {
  const live = { httpGet: { path: "/v2/health/live", port: "http" } };
  const r = t.probes.readiness;
  // Leave a second of the probe's budget to python3 itself, shared by the model checks.
  const perCall = Math.max(1, (r.timeoutSeconds - 1) / Math.max(1, models.length));
  return {
    // Triton opens its ports only after the startup loads finish: the startup probe's budget
    // (period x threshold) is the time a pod may take to load every committed model.
    startupProbe: { ...live, ...probeTimings(t.probes.startup) },
    livenessProbe: { ...live, ...probeTimings(t.probes.liveness) },
    readinessProbe: {
      exec: {
        command: readinessProbeCommand({
          repositoryRoot: MODEL_REPOSITORY_MOUNT,
          httpBaseUrl: `http://127.0.0.1:${PORTS.http}`,
          timeoutSeconds: Number(perCall.toFixed(2)),
          models,
        }),
      },
      ...probeTimings(r),
    },
  };
}

export function buildDeployment<N>(a: TritonObjectArgs<N>) {
  const t = a.triton;
  const nodeSelector = { ...t.nodeSelector, ...(t.gpu.enabled ? t.gpu.nodeSelector : {}) };
  const affinity = buildAffinity(t, a.selectorLabels);
  return {
    metadata: { name: a.name, namespace: a.namespace, labels: a.labels },
    spec: {
      replicas: t.replicas,
      selector: { matchLabels: a.selectorLabels },
      strategy: {
        type: "RollingUpdate",
        // With one pod per node (required anti-affinity) a surge pod has nowhere to go.
        rollingUpdate:
          t.podAntiAffinity === "required"
            ? { maxSurge: 0, maxUnavailable: 1 }
            : { maxSurge: 1, maxUnavailable: 0 },
      },
      template: {
        metadata: { labels: a.labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: t.runAsUser,
            runAsGroup: t.runAsGroup,
            fsGroup: t.fsGroup,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
          },
          ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
          ...(t.gpu.enabled && t.gpu.tolerations.length > 0
            ? { tolerations: t.gpu.tolerations.map((x) => ({ ...x })) }
            : {}),
          ...(affinity ? { affinity } : {}),
          containers: [
            {
              name: "triton",
              image: t.image,
              imagePullPolicy: t.imagePullPolicy,
              command: ["tritonserver"],
              args: buildTritonArgs({
                models: a.models,
                adminHeader: t.adminHeader,
                extraArgs: t.extraArgs,
              }),
              env: [
                {
                  name: API_KEY_ENV,
                  valueFrom: {
                    secretKeyRef: { name: a.apiKeySecretName, key: API_KEY_SECRET_KEY },
                  },
                },
                // The root filesystem is read-only; anything that wants a home writes to /tmp.
                { name: "HOME", value: "/tmp" },
              ],
              ports: [
                { name: "http", containerPort: PORTS.http, protocol: "TCP" },
                { name: "grpc", containerPort: PORTS.grpc, protocol: "TCP" },
                { name: "metrics", containerPort: PORTS.metrics, protocol: "TCP" },
              ],
              ...buildProbes(t, a.models),
              resources: buildContainerResources(t),
              securityContext: {
                runAsNonRoot: true,
                runAsUser: t.runAsUser,
                runAsGroup: t.runAsGroup,
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: [
                // Triton only reads the repository; the deployment writes it through the NFS export.
                { name: "models", mountPath: MODEL_REPOSITORY_MOUNT, readOnly: true },
                { name: "dshm", mountPath: "/dev/shm" },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "models", persistentVolumeClaim: { claimName: a.claimName, readOnly: true } },
            // The runtime default /dev/shm is 64 MiB; Triton's shared-memory paths want more.
            { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: t.shmSize } },
            { name: "tmp", emptyDir: { sizeLimit: t.tmpSize } },
          ],
        },
      },
    },
  };
}

export function buildService<N>(a: TritonObjectArgs<N>) {
  const s = a.triton.service;
  const nodePort = (p: number | undefined) =>
    s.type === "NodePort" && p !== undefined ? { nodePort: p } : {};
  return {
    metadata: { name: a.name, namespace: a.namespace, labels: a.labels },
    spec: {
      type: s.type,
      selector: a.selectorLabels,
      ...(s.type === "ClusterIP" ? {} : { externalTrafficPolicy: s.externalTrafficPolicy }),
      ports: [
        {
          name: "http",
          port: PORTS.http,
          targetPort: "http",
          protocol: "TCP",
          ...nodePort(s.nodePorts.http),
        },
        {
          name: "grpc",
          port: PORTS.grpc,
          targetPort: "grpc",
          protocol: "TCP",
          ...nodePort(s.nodePorts.grpc),
        },
        { name: "metrics", port: PORTS.metrics, targetPort: "metrics", protocol: "TCP" },
      ],
    },
  };
}

/** Scraped only by this environment's Prometheus: it carries that release's label. */
export function buildServiceMonitor<N>(a: TritonObjectArgs<N>) {
  return {
    apiVersion: "monitoring.coreos.com/v1" as const,
    kind: "ServiceMonitor" as const,
    metadata: { name: a.name, namespace: a.namespace, labels: a.labels },
    spec: {
      selector: { matchLabels: a.selectorLabels },
      namespaceSelector: { matchNames: [a.namespace] },
      endpoints: [
        { port: "metrics", path: "/metrics", interval: a.triton.serviceMonitor.interval },
      ],
    },
  };
}

/** Only with several replicas: a voluntary eviction then takes at most one pod at a time. */
export function buildPodDisruptionBudget<N>(a: TritonObjectArgs<N>) {
  if (a.triton.replicas <= 1) return undefined;
  return {
    metadata: { name: a.name, namespace: a.namespace, labels: a.labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: a.selectorLabels } },
  };
}

function peer(p: Triton["networkPolicy"]["extraSources"][number]) {
  if (p.ipBlock !== undefined) return { ipBlock: { cidr: p.ipBlock } };
  return {
    ...(p.namespaceSelector ? { namespaceSelector: { matchLabels: p.namespaceSelector } } : {}),
    ...(p.podSelector ? { podSelector: { matchLabels: p.podSelector } } : {}),
  };
}

/**
 * Ingress to Triton: this environment's Prometheus (its namespace AND its pod labels) to the
 * metrics port; pods of the same namespace and the configured extra sources to all three ports.
 * Anything else, including the other environment's Prometheus, is dropped.
 */
export function buildNetworkPolicy<N>(a: TritonObjectArgs<N>) {
  if (!a.triton.networkPolicy.enabled) return undefined;
  const port = (p: number) => ({ protocol: "TCP", port: p });
  return {
    metadata: { name: a.name, namespace: a.namespace, labels: a.labels },
    spec: {
      podSelector: { matchLabels: a.selectorLabels },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { "kubernetes.io/metadata.name": a.prometheus.namespace },
              },
              podSelector: { matchLabels: a.prometheus.podLabels },
            },
          ],
          ports: [port(PORTS.metrics)],
        },
        {
          from: [{ podSelector: {} }, ...a.triton.networkPolicy.extraSources.map(peer)],
          ports: [port(PORTS.http), port(PORTS.grpc), port(PORTS.metrics)],
        },
      ],
    },
  };
}
