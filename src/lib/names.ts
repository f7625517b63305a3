// Names of the Kubernetes objects one stack creates, derived from its config in one place. Every
// name starts with the Triton namespace, which is unique in a cluster, so two stacks never collide
// on a cluster-scoped PV or on objects that share the monitoring namespace.
import type { StackConfig } from "../config/schema";

/** The `app` / `app.kubernetes.io/name` of the Triton workload. */
export const APP_NAME = "triton";
/** `app.kubernetes.io/part-of` of everything this project creates. */
export const PART_OF = "triton-serving";
/** `app.kubernetes.io/managed-by`. */
export const MANAGED_BY = "pulumi";

export interface ObjectNames {
  /** Deployment, Service, ServiceMonitor, PodDisruptionBudget and NetworkPolicy of Triton. */
  readonly triton: string;
  /** Secret holding the restricted-API header value. */
  readonly apiKeySecret: string;
  /** Cluster-scoped NFS PersistentVolume. */
  readonly persistentVolume: string;
  /** PersistentVolumeClaim in the Triton namespace. */
  readonly persistentVolumeClaim: string;
  /** PrometheusRule (monitoring namespace). */
  readonly prometheusRule: string;
  /** Dashboard ConfigMap (monitoring namespace). */
  readonly dashboardConfigMap: string;
}

export function objectNames(config: Pick<StackConfig, "namespace">): ObjectNames {
  const p = config.namespace;
  return {
    triton: p,
    apiKeySecret: `${p}-api-key`,
    persistentVolume: `${p}-model-repo`,
    persistentVolumeClaim: `${p}-model-repo`,
    prometheusRule: `${p}-alerts`,
    dashboardConfigMap: `${p}-dashboard`,
  };
}

/** Key of the restricted-API value in the api-key Secret (and the env var Triton expands). */
export const API_KEY_SECRET_KEY = "api-key";
export const API_KEY_ENV = "TRITON_API_KEY";
