// Observability inputs for tests: every stack file of the project (whatever the stacks are called)
// and a synthetic stack that switches on what the real ones may not (pager, several models, job).
import { join } from "node:path";
import { AlertingConfigSchema } from "../../../src/config/observability";
import { listStacks, readStackConfig } from "../../../src/config/stack-file";
import {
  observabilityInputFromConfig,
  webhookSecretMount,
  type ObservabilityInput,
} from "../../../src/observability";

export const PROJECT_DIR = join(__dirname, "..", "..", "..");

/** The stacks that have a Pulumi.<stack>.yaml in the project. */
export function projectStacks(): string[] {
  return listStacks(PROJECT_DIR);
}

export function stackInput(stack: string): ObservabilityInput {
  return observabilityInputFromConfig(readStackConfig(PROJECT_DIR, stack));
}

/** A stack no stack file has: pager on, two models, an explicit Triton job, odd durations. */
export function syntheticInput(): ObservabilityInput {
  return {
    env: "qa",
    tritonNamespace: "triton-qa",
    monitoringNamespace: "monitoring-qa",
    releaseName: "monitoring-qa",
    models: ["resnet50", "text-encoder"],
    alerting: AlertingConfigSchema.parse({
      runbookBaseUrl: "https://git.example.com/ops/triton-serving",
      rules: {
        window: "3m",
        meanLatency: { threshold: 250, for: "90s" },
        errorRatio: { threshold: 0.6, for: "2m" },
        queueLatency: { threshold: 20, for: "3m", severity: "critical" },
        p95Latency: { threshold: 750, for: "4m" },
        serverDown: { for: "1m" },
        modelNotServing: { for: "3m", severity: "warning" },
      },
      slack: { channel: "#qa-alerts", sendResolved: false },
      pager: { enabled: true },
    }),
    dashboardLabelValue: "qa",
    webhookSecret: webhookSecretMount("monitoring-qa-alert-webhooks"),
    monitoring: {
      prometheusOperator: false,
      crds: false,
      nodeExporter: false,
      kubeStateMetrics: false,
      grafana: true,
    },
    tritonJob: "triton-qa",
  };
}

/** Every input the file-based tests run through the tools, by a readable name. */
export function allInputs(): { name: string; input: ObservabilityInput }[] {
  return [
    ...projectStacks().map((stack) => ({ name: `stack ${stack}`, input: stackInput(stack) })),
    { name: "synthetic stack qa", input: syntheticInput() },
  ];
}
