// Assertions every stack must satisfy, whatever its values: the pieces of one environment select
// each other (labels, selectors, names, mounts) and nothing secret travels in plain text.
// Each stack's test adds its own exact expected values on top.
import assert from "node:assert/strict";
import { isSecretWrapper, type RecordedResource } from "../../support/pulumi-mocks";
import { isSecretEqual, object, one, plaintextOccurrences, type Obj } from "./inspect";

export const TYPES = {
  ns: "kubernetes:core/v1:Namespace",
  secret: "kubernetes:core/v1:Secret",
  cm: "kubernetes:core/v1:ConfigMap",
  svc: "kubernetes:core/v1:Service",
  pv: "kubernetes:core/v1:PersistentVolume",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  deploy: "kubernetes:apps/v1:Deployment",
  sm: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
  rule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
  release: "kubernetes:helm.sh/v3:Release",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
} as const;

function isSubset(sub: Obj, of: Obj): boolean {
  return Object.entries(sub).every(([k, v]) => of[k] === v);
}

/** The namespace names a `matchExpressions: kubernetes.io/metadata.name In [...]` selector admits. */
function selectedNamespaces(selector: Obj): string[] {
  const expr = (selector.matchExpressions as Obj[]).find(
    (e) => e.key === "kubernetes.io/metadata.name" && e.operator === "In",
  );
  assert.ok(expr, `namespace selector ${JSON.stringify(selector)} has no metadata.name In`);
  return expr.values as string[];
}

export function assertWiring(
  resources: readonly RecordedResource[],
  secrets: Record<string, string>,
) {
  const deployment = object(one(resources, TYPES.deploy, "triton-deployment"));
  const service = object(one(resources, TYPES.svc, "triton-service"));
  const sm = object(one(resources, TYPES.sm, "triton-service-monitor"));
  const rule = object(one(resources, TYPES.rule, "alerts-prometheus-rule"));
  const release = object(one(resources, TYPES.release, "monitoring-release"));
  const dashboards = object(one(resources, TYPES.cm, "dashboards-config-map"));
  const webhooks = one(resources, TYPES.secret, "monitoring-webhooks");
  const apiKey = one(resources, TYPES.secret, "triton-api-key");
  const pv = object(one(resources, TYPES.pv, "model-repo-pv"));
  const pvc = object(one(resources, TYPES.pvc, "model-repo-pvc"));
  const tritonNs = object(one(resources, TYPES.ns, "triton-namespace")).metadata.name as string;
  const monNs = object(one(resources, TYPES.ns, "monitoring-namespace")).metadata.name as string;
  const promSpec = release.values.prometheus.prometheusSpec as Obj;
  const releaseLabel = { release: release.name as string };

  // The Service selects exactly the Deployment's pods, and the pods carry the selector.
  const podLabels = deployment.spec.template.metadata.labels as Obj;
  assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
  assert.ok(isSubset(deployment.spec.selector.matchLabels, podLabels));
  assert.equal(service.metadata.namespace, tritonNs);
  assert.equal(deployment.metadata.namespace, tritonNs);

  // The ServiceMonitor selects that Service, in its own namespace only, on the metrics port, and
  // carries the labels this environment's Prometheus selects (release label, namespace).
  assert.ok(isSubset(sm.spec.selector.matchLabels, service.metadata.labels));
  assert.deepEqual(sm.spec.namespaceSelector, { matchNames: [tritonNs] });
  assert.equal(sm.spec.endpoints[0].port, "metrics");
  assert.ok(service.spec.ports.some((p: Obj) => p.name === "metrics" && p.port === 8002));
  assert.deepEqual(promSpec.serviceMonitorSelector, { matchLabels: releaseLabel });
  assert.ok(isSubset(releaseLabel, sm.metadata.labels));
  assert.ok(
    selectedNamespaces(promSpec.serviceMonitorNamespaceSelector).includes(sm.metadata.namespace),
  );

  // The PrometheusRule is picked up by this environment's Prometheus.
  assert.deepEqual(promSpec.ruleSelector, { matchLabels: releaseLabel });
  assert.ok(isSubset(releaseLabel, rule.metadata.labels));
  assert.ok(selectedNamespaces(promSpec.ruleNamespaceSelector).includes(rule.metadata.namespace));
  assert.ok((rule.spec.groups as Obj[]).length > 0);

  // The dashboard ConfigMap is loaded by this environment's Grafana sidecar (label + namespace).
  const sidecar = release.values.grafana.sidecar?.dashboards as Obj | undefined;
  if (release.values.grafana.enabled === true) {
    assert.ok(sidecar);
    assert.equal(dashboards.metadata.labels[sidecar.label], sidecar.labelValue);
    assert.equal(dashboards.metadata.namespace, sidecar.searchNamespace);
  }
  assert.equal(dashboards.metadata.namespace, monNs);

  // Alertmanager mounts the webhook Secret and reads the Slack URL from the mounted file.
  const webhooksObj = object(webhooks);
  assert.deepEqual(release.values.alertmanager.alertmanagerSpec.secrets, [
    webhooksObj.metadata.name,
  ]);
  assert.equal(webhooksObj.metadata.namespace, release.namespace);
  const slackFiles = (release.values.alertmanager.config.receivers as Obj[])
    .flatMap((r) => (r.slack_configs ?? []) as Obj[])
    .map((s) => s.api_url_file as string);
  assert.ok(slackFiles.length > 0);
  for (const f of slackFiles) {
    assert.equal(f, `/etc/alertmanager/secrets/${webhooksObj.metadata.name}/slack-webhook-url`);
  }
  assert.equal(release.namespace, monNs);
  assert.equal(release.createNamespace, false);

  // The pods get the restricted-API key from the generated Secret, by reference.
  const container = deployment.spec.template.spec.containers[0] as Obj;
  const keyEnv = (container.env as Obj[]).find((e) => e.name === "TRITON_API_KEY");
  assert.deepEqual(keyEnv, {
    name: "TRITON_API_KEY",
    valueFrom: { secretKeyRef: { name: object(apiKey).metadata.name, key: "api-key" } },
  });
  assert.equal(object(apiKey).metadata.namespace, tritonNs);

  // Secrets travel only as secrets: into Secret stringData, nowhere else in plain text.
  assert.ok(isSecretEqual(apiKey.inputs.stringData, { "api-key": secrets.tritonApiKey! }));
  const webhookData = webhooks.inputs.stringData;
  assert.ok(isSecretWrapper(webhookData));
  assert.equal((webhookData.value as Obj)["slack-webhook-url"], secrets.slackWebhookUrl);
  assert.deepEqual(plaintextOccurrences(resources, Object.values(secrets)), []);

  // PV and PVC are bound to each other one-to-one, outside any storage class.
  assert.deepEqual(pv.spec.claimRef, { namespace: tritonNs, name: pvc.metadata.name });
  assert.equal(pvc.spec.volumeName, pv.metadata.name);
  assert.equal(pv.spec.storageClassName, "");
  assert.equal(pvc.spec.storageClassName, "");
  const volumes = deployment.spec.template.spec.volumes as Obj[];
  assert.deepEqual(volumes.find((v) => v.name === "models")?.persistentVolumeClaim, {
    claimName: pvc.metadata.name,
    readOnly: true,
  });
}
