// Where Kubernetes resources keep their pods and containers, by Pulumi type token, so every rule
// about containers applies to every kind of workload the program registers now (a Deployment) or
// later (a runner Job, a CronJob), not to one resource it happens to know.

/** A container spec as the policies read it (inputs of the resource; untyped JSON). */
export interface Container {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: SecurityContext;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext;
  volumes?: Record<string, unknown>[];
}

type Props = Record<string, unknown>;

const at = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (v, key) => (typeof v === "object" && v !== null ? (v as Props)[key] : undefined),
    value,
  );

/** Type token → where the pod spec is in the resource's inputs. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  "kubernetes:core/v1:Pod": ["spec"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** The pod spec of a workload resource; undefined for any other resource. */
export function podSpecOf(type: string, props: Props): PodSpec | undefined {
  const path = POD_SPEC_PATHS[type];
  if (path === undefined) return undefined;
  const spec = at(props, ...path);
  return typeof spec === "object" && spec !== null ? spec : {};
}

/** Every container and init container, with a label that names it in a message. */
export function containersOf(spec: PodSpec): { label: string; container: Container }[] {
  return [
    ...(spec.initContainers ?? []).map((c) => ({
      label: `init container '${c.name}'`,
      container: c,
    })),
    ...(spec.containers ?? []).map((c) => ({ label: `container '${c.name}'`, container: c })),
  ];
}

/** "Deployment 'triton-deployment'": how a message names the resource. */
export function describeResource(type: string, name: string): string {
  return `${type.slice(type.lastIndexOf(":") + 1)} '${name}'`;
}

export { at };
