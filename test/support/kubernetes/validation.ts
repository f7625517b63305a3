// The few validation rules the test server enforces (kubernetes-contract.md §2.1, §6.2), with the
// API's 422 Invalid texts.
import { statusErrors, type StatusCause } from "./status";
import type { KubeObject } from "./store";

type Json = Record<string, unknown>;

// §6.2: an immutable ConfigMap's data cannot change and it cannot become mutable again.
export function validateConfigMapUpdate(old: KubeObject, next: KubeObject): void {
  if (old.immutable !== true) return;
  const causes: StatusCause[] = [];
  const forbidden = (field: string): StatusCause => ({
    reason: "FieldValueForbidden",
    message: "Forbidden: field is immutable when `immutable` is set",
    field,
  });
  if (next.immutable !== true) causes.push(forbidden("immutable"));
  if (JSON.stringify(old.data ?? {}) !== JSON.stringify(next.data ?? {})) {
    causes.push(forbidden("data"));
  }
  if (JSON.stringify(old.binaryData ?? {}) !== JSON.stringify(next.binaryData ?? {})) {
    causes.push(forbidden("binaryData"));
  }
  if (causes.length > 0) throw statusErrors.invalid("ConfigMap", "", old.metadata.name, causes);
}

// §2.1: a Job's pods must not restart in place forever.
export function validateJob(job: KubeObject): void {
  const spec = (job.spec ?? {}) as Json;
  const podSpec = ((spec.template as Json | undefined)?.spec ?? {}) as Json;
  const causes: StatusCause[] = [];
  const policy = podSpec.restartPolicy;
  if (policy !== "Never" && policy !== "OnFailure") {
    causes.push({
      reason: "FieldValueNotSupported",
      message: `Unsupported value: "${typeof policy === "string" ? policy : "Always"}": supported values: "OnFailure", "Never"`,
      field: "spec.template.spec.restartPolicy",
    });
  }
  const containers = (podSpec.containers as Json[] | undefined) ?? [];
  if (containers.length === 0) {
    causes.push({
      reason: "FieldValueRequired",
      message: "Required value",
      field: "spec.template.spec.containers",
    });
  }
  if (causes.length > 0) throw statusErrors.invalid("Job", "batch", job.metadata.name, causes);
}
