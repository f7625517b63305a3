// The Kubernetes API layer the provider uses for the in-cluster runner: load the stack's
// kubeconfig, start or attach to the runner Job, follow its log, wait for its end.
export {
  loadKubeConfig,
  contextNamespace,
  isInlineKubeconfig,
  type KubeconfigSource,
} from "./kubeconfig";
export { KubernetesApiError, apiStatusOf, type ApiStatus } from "./api-error";
export { startOrAttachJob, type StartedJob } from "./start-job";
export { jobOutcome, podFailure, type FailureCause, type JobOutcome } from "./job-outcome";
export { waitForJob, type WaitOptions, type WaitResult } from "./wait-for-job";
export { followJobLogs, lineSplitter, type LogLine } from "./follow-job-logs";
