// What every stack registers and satisfies whatever its config. Each stack's test names its own
// extra resources and expected object count, and adds its exact values on top.
import assert from "node:assert/strict";
import { test } from "node:test";
import { validateAllKubernetesResources } from "../../support/k8s-validate";
import type { StackRun } from "./seeded-stack";
import { assertWiring } from "./wiring-checks";

/** The components and their objects that every stack registers, sorted as `resourceSet` sorts. */
const PLATFORM_RESOURCES = [
  "kubernetes:apps/v1:Deployment triton-deployment",
  "kubernetes:core/v1:ConfigMap dashboards-config-map",
  "kubernetes:core/v1:Namespace monitoring-namespace",
  "kubernetes:core/v1:Namespace triton-namespace",
  "kubernetes:core/v1:PersistentVolume model-repo-pv",
  "kubernetes:core/v1:PersistentVolumeClaim model-repo-pvc",
  "kubernetes:core/v1:Secret monitoring-webhooks",
  "kubernetes:core/v1:Secret triton-api-key",
  "kubernetes:core/v1:Service triton-service",
  "kubernetes:helm.sh/v3:Release monitoring-release",
  "kubernetes:monitoring.coreos.com/v1:PrometheusRule alerts-prometheus-rule",
  "kubernetes:monitoring.coreos.com/v1:ServiceMonitor triton-service-monitor",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy triton-network-policy",
  "triton-serving:platform:AlertRules alerts",
  "triton-serving:platform:Dashboards dashboards",
  "triton-serving:platform:ModelStorage model-repo",
  "triton-serving:platform:Monitoring monitoring",
  "triton-serving:platform:Namespace monitoring",
  "triton-serving:platform:Namespace triton",
  "triton-serving:platform:TritonServer triton",
] as const;

/** The exact sorted resource set of a stack: the platform plus what its config adds. */
export function platformResourcesWith(extra: readonly string[]): string[] {
  return [...PLATFORM_RESOURCES, ...extra].sort();
}

/** Schema validation of every Kubernetes object, and the wiring every environment needs. */
export function testPlatformInvariants(
  run: StackRun,
  secrets: Record<string, string>,
  kubernetesObjects: number,
): void {
  test("every Kubernetes object passes schema validation", async () => {
    assert.equal(await validateAllKubernetesResources(run.resources), kubernetesObjects);
  });

  test("the pieces of the environment select each other; secrets stay secret", () => {
    assertWiring(run.resources, secrets);
  });
}
