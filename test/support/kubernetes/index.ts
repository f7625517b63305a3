// Public API of the Kubernetes-compatible test server (see README.md and kubernetes-contract.md).
export {
  DEFAULT_TOKEN,
  startKubernetesServer,
  type KubernetesHandle,
  type KubernetesServerOptions,
} from "./server";
export type { TokenIdentity } from "./rbac";
export type { LocalVolumes } from "./container-setup";
export type { KubeObject } from "./store";
export { JOB_DELETE_WARNING } from "./routes";
