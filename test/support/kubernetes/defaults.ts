// What the API server fills in on create (kubernetes-contract.md §2.1, §6.1): Job defaults, the
// generated selector and pod-template labels, container defaults, Secret `stringData`.
import type { KubeObject } from "./store";

type Json = Record<string, unknown>;

function defaultPodSpec(spec: Json): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.securityContext ??= {};
  for (const c of (spec.containers as Json[] | undefined) ?? []) {
    c.terminationMessagePath ??= "/dev/termination-log";
    c.terminationMessagePolicy ??= "File";
    c.imagePullPolicy ??= (typeof c.image === "string" ? c.image : "").endsWith(":latest")
      ? "Always"
      : "IfNotPresent";
    c.resources ??= {};
  }
}

export function defaultJob(job: KubeObject, uid: string): void {
  const spec = (job.spec ?? {}) as Json;
  spec.backoffLimit ??= 6;
  spec.completions ??= 1;
  spec.parallelism ??= 1;
  spec.completionMode ??= "NonIndexed";
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= "TerminatingOrFailed";
  spec.manualSelector ??= undefined;
  if (spec.manualSelector === undefined) delete spec.manualSelector;
  const template = (spec.template ?? {}) as Json;
  const meta = (template.metadata ?? {}) as Json;
  // §2.1: the generated selector and the four labels every pod of the Job carries.
  meta.labels = {
    ...(meta.labels ?? {}),
    "batch.kubernetes.io/controller-uid": uid,
    "batch.kubernetes.io/job-name": job.metadata.name,
    "controller-uid": uid,
    "job-name": job.metadata.name,
  };
  template.metadata = meta;
  defaultPodSpec((template.spec ?? {}) as Json);
  spec.template = template;
  spec.selector ??= { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
  job.spec = spec;
  job.metadata.generation = 1;
}

/** §6.1: `stringData` is merged into `data` (base64) and never stored. */
export function defaultSecret(secret: KubeObject): void {
  const data = { ...((secret.data as Record<string, string> | undefined) ?? {}) };
  for (const [k, v] of Object.entries(
    (secret.stringData as Record<string, string> | undefined) ?? {},
  )) {
    data[k] = Buffer.from(v).toString("base64");
  }
  delete secret.stringData;
  secret.data = data;
  secret.type ??= "Opaque";
}
