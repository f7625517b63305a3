// The Pulumi program: one environment per stack. Wiring only: load the stack config, create the
// platform components, export what operators and the deployment need. Everything that differs
// between environments comes from Pulumi.<stack>.yaml.
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config/load";
import { AlertRules } from "./components/alert-rules";
import { Dashboards } from "./components/dashboards";
import { ModelStorage } from "./components/model-storage";
import { Monitoring } from "./components/monitoring";
import { Namespace } from "./components/namespace";
import { TritonServer } from "./components/triton-server";
import { deployModels } from "./provider/deploy-models";
import { mlflowResolver } from "./provider/resolve-model-version";
import { gateRegistrations, resolveAndCheck } from "./provider/resolve-gate";
import { commonLabels, tritonLabels, tritonSelectorLabels } from "./lib/labels";
import { objectNames } from "./lib/names";
import {
  GRAFANA_DASHBOARD_LABEL,
  WEBHOOK_SECRET_KEYS,
  buildChartValues,
  buildDashboard,
  buildRuleGroups,
  observabilityInputFromConfig,
} from "./observability";

const { config, secrets } = loadStackConfig();
const names = objectNames(config);
const env = config.environment;
const release = config.monitoring.releaseName;
const observability = observabilityInputFromConfig(config);

// ---- model versions, before anything else -------------------------------------------------------
// Every model's alias is resolved against MLflow first, while previewing and again at `up`, and
// checked against the reviewed preview's versions when TRITON_SERVING_EXPECTED_VERSIONS names
// them. No resource is registered until that passed, so a refusal changes nothing
// (src/provider/resolve-gate.ts, src/provider/reviewed-versions.ts).
const versions = resolveAndCheck(
  pulumi.getStack(),
  config,
  mlflowResolver(config, secrets),
  process.env,
);
gateRegistrations(versions.ready);

// ---- namespaces ---------------------------------------------------------------------------------

const tritonNamespace = new Namespace("triton", { name: config.namespace, environment: env });
const monitoringNamespace = new Namespace("monitoring", {
  name: config.monitoring.namespace,
  environment: env,
});

// ---- monitoring stack ---------------------------------------------------------------------------

const monitoringLabels = { ...commonLabels(env), release };
const webhookData: Record<string, pulumi.Output<string>> = {
  [WEBHOOK_SECRET_KEYS.slackWebhookUrl]: secrets.slackWebhookUrl,
};
if (config.alerting.pager.enabled && secrets.pagerRoutingKey !== undefined) {
  webhookData[WEBHOOK_SECRET_KEYS.pagerRoutingKey] = secrets.pagerRoutingKey;
}
const monitoring = new Monitoring("monitoring", {
  namespace: monitoringNamespace.namespaceName,
  monitoring: config.monitoring,
  values: buildChartValues(observability),
  labels: monitoringLabels,
  webhookSecret: { name: observability.webhookSecret.name, data: webhookData },
});

// Both need the monitoring CRDs, which the release installs in the stack that owns them.
const alertRules = new AlertRules("alerts", {
  name: names.prometheusRule,
  namespace: monitoringNamespace.namespaceName,
  labels: monitoringLabels,
  groups: buildRuleGroups(observability),
  dependsOn: [monitoring],
});
const dashboards = new Dashboards("dashboards", {
  name: names.dashboardConfigMap,
  namespace: monitoringNamespace.namespaceName,
  labels: monitoringLabels,
  sidecarLabel: {
    key: GRAFANA_DASHBOARD_LABEL,
    value: config.monitoring.grafana.dashboardLabelValue,
  },
  fileName: `${names.triton}.json`,
  dashboard: buildDashboard(observability),
});

// ---- model repository and Triton ----------------------------------------------------------------

const storage = new ModelStorage("model-repo", {
  namespace: tritonNamespace.namespaceName,
  pvName: names.persistentVolume,
  pvcName: names.persistentVolumeClaim,
  labels: commonLabels(env),
  storage: config.storage,
  owner: { uid: config.triton.runAsUser, gid: config.triton.fsGroup },
  sshPrivateKey: secrets.nfsSshPrivateKey,
});

const triton = new TritonServer("triton", {
  namespace: tritonNamespace.namespaceName,
  name: names.triton,
  apiKeySecretName: names.apiKeySecret,
  triton: config.triton,
  models: config.models.map((m) => m.name),
  claimName: names.persistentVolumeClaim,
  claim: storage,
  labels: tritonLabels({ environment: env, instance: names.triton, release }),
  selectorLabels: tritonSelectorLabels(names.triton),
  prometheus: {
    namespace: config.monitoring.namespace,
    podLabels: config.monitoring.prometheus.podLabels,
  },
  apiKey: secrets.tritonApiKey,
  serviceMonitorDependsOn: [monitoring],
});

// ---- model deployments --------------------------------------------------------------------------
// One ModelDeployment per entry of `config.models`, each after the Triton Deployment (it is ready
// once every committed model serves, and a never-deployed model does not block it). The versions
// are the ones resolved at the top, so the preview shows `version: "12" => "13"` and `up` deploys
// exactly that version (src/provider/deploy-models.ts).
const modelDeployments = deployModels(config, {
  resolve: versions.resolve,
  dependsOn: [triton],
  // The model repository belongs to this stack: a deploy from another stack is refused.
  repositoryOwner: {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    namespace: config.namespace,
  },
});

/** Per model: the committed version, its MLflow run, the sha256 of model.onnx, when committed. */
export const models = modelDeployments.outputs;

// ---- stack outputs ------------------------------------------------------------------------------

export const environment = env;
export const namespace = tritonNamespace.namespaceName;
export const monitoringNamespaceName = monitoringNamespace.namespaceName;
export const monitoringRelease = monitoring.releaseName;
export const tritonService = triton.serviceName;
export const tritonDeployment = triton.deploymentName;
export const tritonApiKeySecret = triton.apiKeySecretName;
export const modelRepositoryVolume = storage.pvName;
export const modelRepositoryClaim = storage.claimName;
export const prometheusRule = alertRules.prometheusRule.metadata.name;
export const dashboardConfigMap = dashboards.configMap.metadata.name;
export const deployEndpoints = config.deploy.tritonEndpoints;
export const requestedModels = config.models.map((m) => ({
  name: m.name,
  registeredModel: m.registeredModel,
  ...(m.alias !== undefined ? { alias: m.alias } : { version: m.version }),
}));
