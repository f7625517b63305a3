// Create a Job by its deterministic name, or attach to the one already there (issue 11 point 3:
// a second `up` for the same deployment must not start a second runner). The API's 409
// AlreadyExists is the signal (kubernetes-contract.md §2.1).
import type { KubeConfig, V1Job } from "@kubernetes/client-node";
import { apiCall, apiStatusOf, KubernetesApiError } from "./api-error";
import { loadClientNode } from "./client-node";

export interface StartedJob {
  readonly job: V1Job;
  /** True when a Job of that name already existed and is being followed instead. */
  readonly attached: boolean;
}

export async function startOrAttachJob(
  kc: KubeConfig,
  namespace: string,
  job: V1Job,
): Promise<StartedJob> {
  const { BatchV1Api } = await loadClientNode();
  const batch = kc.makeApiClient(BatchV1Api);
  const name = job.metadata?.name;
  if (name === undefined || name === "") {
    throw new Error("startOrAttachJob: the Job has no metadata.name");
  }
  try {
    return { job: await batch.createNamespacedJob({ namespace, body: job }), attached: false };
  } catch (error) {
    const status = apiStatusOf(error);
    if (status?.reason !== "AlreadyExists") {
      throw new KubernetesApiError(
        `create Job "${name}" in namespace "${namespace}"`,
        status,
        error,
      );
    }
  }
  const existing = await apiCall(`read Job "${name}" in namespace "${namespace}"`, () =>
    batch.readNamespacedJob({ name, namespace }),
  );
  if (existing.metadata?.deletionTimestamp !== undefined) {
    throw new Error(
      `Job "${name}" in namespace "${namespace}" is being deleted (since ${String(existing.metadata.deletionTimestamp)}); run again once it is gone`,
    );
  }
  return { job: existing, attached: true };
}
