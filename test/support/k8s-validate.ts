// Validates the Kubernetes objects a mocked program registered against the Kubernetes OpenAPI
// schema (kubernetes-models) and the prometheus-operator CRD schemas
// (@kubernetes-models/prometheus-operator). A kind without a known schema is an error, not a skip:
// a new kind must be added here before its objects count as validated.
//
// Limitation of the models: they check types, required fields, enums and formats, but accept
// unknown fields (no additionalProperties: false); exact-value assertions in the program tests
// cover the fields that matter.
import { unwrapSecrets, type RecordedResource } from "./pulumi-mocks";

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: Record<string, unknown>) => Validatable;
// Each model's constructor takes its own typed data; here every one takes a plain object.
type Loader = () => Promise<unknown>;

// kubernetes-models is ESM-only: import lazily (dynamic import works from CommonJS).
const MODELS: Readonly<Record<string, Loader>> = {
  "v1/Namespace": async () => (await import("kubernetes-models/v1/Namespace")).Namespace,
  "v1/Secret": async () => (await import("kubernetes-models/v1/Secret")).Secret,
  "v1/ConfigMap": async () => (await import("kubernetes-models/v1/ConfigMap")).ConfigMap,
  "v1/Service": async () => (await import("kubernetes-models/v1/Service")).Service,
  "v1/PersistentVolume": async () =>
    (await import("kubernetes-models/v1/PersistentVolume")).PersistentVolume,
  "v1/PersistentVolumeClaim": async () =>
    (await import("kubernetes-models/v1/PersistentVolumeClaim")).PersistentVolumeClaim,
  "apps/v1/Deployment": async () =>
    (await import("kubernetes-models/apps/v1/Deployment")).Deployment,
  "policy/v1/PodDisruptionBudget": async () =>
    (await import("kubernetes-models/policy/v1/PodDisruptionBudget")).PodDisruptionBudget,
  "networking.k8s.io/v1/NetworkPolicy": async () =>
    (await import("kubernetes-models/networking.k8s.io/v1/NetworkPolicy")).NetworkPolicy,
  "monitoring.coreos.com/v1/ServiceMonitor": async () =>
    (await import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor"))
      .ServiceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": async () =>
    (await import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule"))
      .PrometheusRule,
};

/** Kinds that are not Kubernetes objects but are registered by the kubernetes provider. */
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** `kubernetes:apps/v1:Deployment` → `{ apiVersion: "apps/v1", kind: "Deployment" }`. */
export function parseKubernetesType(type: string): { apiVersion: string; kind: string } {
  const m = /^kubernetes:([^:]+)\/([^/:]+):([A-Za-z0-9]+)$/.exec(type);
  if (!m) throw new Error(`${type}: not a kubernetes:<group>/<version>:<Kind> type token`);
  const [, group, version, kind] = m as unknown as [string, string, string, string];
  return { apiVersion: group === "core" ? version : `${group}/${version}`, kind };
}

function validateHelmRelease(r: RecordedResource): void {
  const i = r.inputs;
  const problems: string[] = [];
  for (const key of ["name", "chart", "version", "namespace"]) {
    if (typeof i[key] !== "string" || i[key] === "") {
      problems.push(`${key} must be a non-empty string`);
    }
  }
  const repo = (i.repositoryOpts as { repo?: unknown } | undefined)?.repo;
  if (typeof repo !== "string" || !/^(https?|oci):\/\//.test(repo)) {
    problems.push("repositoryOpts.repo must be a chart repository URL");
  }
  if (typeof i.values !== "object" || i.values === null || Array.isArray(i.values)) {
    problems.push("values must be an object");
  }
  if (problems.length > 0) throw new Error(`${r.type} ${r.name}: ${problems.join("; ")}`);
}

/** Throws (naming the resource) if the object does not match its schema. */
export async function validateKubernetesResource(r: RecordedResource): Promise<void> {
  if (r.type === HELM_RELEASE) return validateHelmRelease(r);
  const { apiVersion, kind } = parseKubernetesType(r.type);
  const load = MODELS[`${apiVersion}/${kind}`];
  if (load === undefined) {
    throw new Error(
      `${r.type} ${r.name}: no schema known for ${apiVersion} ${kind}; add it to k8s-validate.ts`,
    );
  }
  const object = unwrapSecrets(r.inputs) as Record<string, unknown>;
  if (object.apiVersion !== apiVersion || object.kind !== kind) {
    throw new Error(
      `${r.type} ${r.name}: apiVersion/kind ${String(object.apiVersion)}/${String(object.kind)} do not match the type token`,
    );
  }
  const Model = (await load()) as ModelClass;
  try {
    new Model(object).validate();
  } catch (e) {
    throw new Error(`${r.type} ${r.name}: ${(e as Error).message}`);
  }
}

/** Validates every `kubernetes:` resource; returns how many were validated. */
export async function validateAllKubernetesResources(
  resources: readonly RecordedResource[],
): Promise<number> {
  const k8s = resources.filter((r) => r.type.startsWith("kubernetes:"));
  for (const r of k8s) await validateKubernetesResource(r);
  return k8s.length;
}
