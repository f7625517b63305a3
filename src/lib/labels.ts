// Labels shared by every object of one stack. `env` is what metrics, alerts and Alertmanager routes
// key on; `release` is what the environment's Prometheus selects ServiceMonitors and rules by.
import { APP_NAME, MANAGED_BY, PART_OF } from "./names";

export type Labels = Record<string, string>;

/** Labels every object of the stack carries. */
export function commonLabels(environment: string): Labels {
  return {
    env: environment,
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": MANAGED_BY,
  };
}

/** The immutable pod selector of the Triton workload (a Deployment selector cannot change later). */
export function tritonSelectorLabels(instance: string): Labels {
  return {
    app: APP_NAME,
    "app.kubernetes.io/name": APP_NAME,
    "app.kubernetes.io/instance": instance,
  };
}

/** Labels of Triton's pods, Service and ServiceMonitor. */
export function tritonLabels(args: {
  environment: string;
  instance: string;
  release: string;
}): Labels {
  return {
    ...tritonSelectorLabels(args.instance),
    ...commonLabels(args.environment),
    release: args.release,
  };
}
