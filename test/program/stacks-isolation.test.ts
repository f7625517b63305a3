// dev and prod can live in one cluster: the two stacks share no Kubernetes object identity, no
// namespace, NFS path, release label, Secret or PV name, and no Grafana dashboard selector.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { RecordedResource } from "../support/pulumi-mocks";
import { startSeededMlflow, type SeededMlflow } from "../provider/seeded-mlflow";
import { object, type Obj } from "./harness/inspect";
import { runStack } from "./harness/run-stack";
import { stackFileValuesWithMlflow } from "./harness/seeded-stack";
import { testSecrets } from "./harness/test-secrets";

let mlflow: SeededMlflow | undefined;
const runs: Record<string, RecordedResource[]> = {};

before(async () => {
  mlflow = await startSeededMlflow();
  const url = mlflow.url;
  await Promise.all(
    ["dev", "prod"].map(async (stack) => {
      const values = stackFileValuesWithMlflow(stack, url);
      const run = await runStack({ stack, values, secrets: testSecrets(stack) });
      if (!run.ok) throw new Error(`${stack}: ${run.error}`);
      runs[stack] = run.resources;
    }),
  );
});
after(async () => {
  await mlflow?.close();
});

const k8sObjects = (stack: string): Obj[] =>
  (runs[stack] ?? [])
    .filter((r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release")
    .map(object);

const releases = (stack: string): Obj[] =>
  (runs[stack] ?? []).filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map(object);

function collect(stack: string, pick: (o: Obj) => unknown): string[] {
  return [...new Set(k8sObjects(stack).flatMap((o) => [pick(o)].flat()))]
    .filter((x): x is string => typeof x === "string")
    .sort();
}

function assertDisjoint(what: string, dev: string[], prod: string[]) {
  assert.ok(dev.length > 0 && prod.length > 0, `${what}: both stacks have some`);
  const shared = dev.filter((x) => prod.includes(x));
  assert.deepEqual(shared, [], `${what} shared by dev and prod`);
}

describe("dev and prod side by side", () => {
  test("no Kubernetes object identity (kind/namespace/name) is shared", () => {
    const id = (o: Obj) =>
      `${o.kind as string}/${(o.metadata.namespace as string) ?? ""}/${o.metadata.name as string}`;
    assertDisjoint("object", collect("dev", id), collect("prod", id));
    const rel = (s: string) =>
      releases(s).map((r) => `${r.namespace as string}/${r.name as string}`);
    assertDisjoint("helm release", rel("dev"), rel("prod"));
  });

  test("namespaces", () => {
    const ns = (o: Obj) => (o.kind === "Namespace" ? o.metadata.name : o.metadata.namespace);
    assert.deepEqual(collect("dev", ns), ["monitoring-dev", "triton-dev"]);
    assert.deepEqual(collect("prod", ns), ["monitoring-prod", "triton-prod"]);
  });

  test("NFS export paths and PV names", () => {
    const nfs = (o: Obj) => (o.kind === "PersistentVolume" ? o.spec.nfs.path : undefined);
    assertDisjoint("NFS path", collect("dev", nfs), collect("prod", nfs));
    const pv = (o: Obj) => (o.kind === "PersistentVolume" ? o.metadata.name : undefined);
    assert.deepEqual(collect("dev", pv), ["triton-dev-model-repo"]);
    assert.deepEqual(collect("prod", pv), ["triton-prod-model-repo"]);
  });

  test("release labels, Prometheus selectors and env labels", () => {
    const release = (o: Obj) => o.metadata.labels?.release;
    assert.deepEqual(collect("dev", release), ["monitoring-dev"]);
    assert.deepEqual(collect("prod", release), ["monitoring-prod"]);
    const selector = (s: string) =>
      releases(s).map((r) =>
        JSON.stringify(r.values.prometheus.prometheusSpec.serviceMonitorSelector),
      );
    assertDisjoint("ServiceMonitor selector", selector("dev"), selector("prod"));
    const env = (o: Obj) => o.metadata.labels?.env;
    assert.deepEqual(collect("dev", env), ["dev"]);
    assert.deepEqual(collect("prod", env), ["prod"]);
  });

  test("Secret names", () => {
    const secret = (o: Obj) => (o.kind === "Secret" ? o.metadata.name : undefined);
    assert.deepEqual(collect("dev", secret), [
      "monitoring-dev-alert-webhooks",
      "triton-dev-api-key",
    ]);
    assert.deepEqual(collect("prod", secret), [
      "monitoring-prod-alert-webhooks",
      "triton-prod-api-key",
    ]);
  });

  test("each Grafana loads only its own dashboards", () => {
    const label = (o: Obj) =>
      o.kind === "ConfigMap" ? o.metadata.labels.grafana_dashboard : undefined;
    assertDisjoint("dashboard label value", collect("dev", label), collect("prod", label));
    const uid = (o: Obj) =>
      o.kind === "ConfigMap"
        ? Object.values(o.data as Record<string, string>).map(
            (j) => (JSON.parse(j) as { uid: string }).uid,
          )
        : undefined;
    assertDisjoint("dashboard uid", collect("dev", uid), collect("prod", uid));
  });

  test("only one release runs the operator, CRDs, node-exporter and kube-state-metrics", () => {
    const shared = (s: string) => {
      const v = releases(s)[0]!.values;
      return [
        v.prometheusOperator.enabled,
        v.crds.enabled,
        v.nodeExporter.enabled,
        v.kubeStateMetrics.enabled,
      ];
    };
    assert.deepEqual(shared("dev"), [false, false, false, false]);
    assert.deepEqual(shared("prod"), [true, true, true, true]);
  });
});
