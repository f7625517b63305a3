// Stack config and environment: refused before anything is resolved (exit 2).
import { join } from "node:path";
import { MODEL_USAGE } from "../../../src/cli/model-args";
import { makeProject } from "../../cli/cli-project";
import { projectWithModel, type CorpusCase } from "./corpus-case";

const stackFile = (project: string) => join(project, "Pulumi.cli.yaml");

export const configCases: CorpusCase[] = [
  {
    group: "stack config",
    name: "maxBatchSize is negative",
    async arrange() {
      const project = await projectWithModel((m) => (m.maxBatchSize = -1));
      return {
        project,
        exit: 2,
        whole: true,
        message: `error: invalid stack config (${stackFile(project)}):\n  - models[0].maxBatchSize: got -1, expected an integer >= 0\n`,
      };
    },
  },
  {
    group: "stack config",
    name: "a model has a key the schema does not know",
    async arrange() {
      const project = await projectWithModel((m) => (m.maxBatchsize = 4));
      return {
        project,
        exit: 2,
        whole: true,
        message: `error: invalid stack config (${stackFile(project)}):\n  - models[0].maxBatchsize: unknown key, expected one of the known keys: name, registeredModel, alias, version, maxBatchSize, inputs, outputs, instanceGroup, dynamicBatching, smoke\n`,
      };
    },
  },
  {
    group: "stack config",
    name: "an input dataType Triton does not have",
    async arrange() {
      const project = await projectWithModel(
        (m) => (m.inputs = [{ name: "input", dataType: "TYPE_FLOAT32", dims: [1, 4] }]),
      );
      return {
        project,
        exit: 2,
        whole: true,
        message: `error: invalid stack config (${stackFile(project)}):\n  - models[0].inputs[0].dataType: got "TYPE_FLOAT32", expected one of: TYPE_BOOL, TYPE_UINT8, TYPE_UINT16, TYPE_UINT32, TYPE_UINT64, TYPE_INT8, TYPE_INT16, TYPE_INT32, TYPE_INT64, TYPE_FP16, TYPE_FP32, TYPE_FP64, TYPE_BF16, TYPE_STRING\n`,
      };
    },
  },
  {
    group: "stack config",
    name: "TRITON_SERVING_TRITON_URLS is not a URL",
    arrange() {
      return {
        env: { TRITON_SERVING_TRITON_URLS: "triton:8000" },
        exit: 2,
        whole: true,
        message: `error: TRITON_SERVING_TRITON_URLS entry "triton:8000" is not an http(s) URL; expected e.g. http://triton:8000\n\n${MODEL_USAGE}\n`,
      };
    },
  },
  {
    group: "stack config",
    name: "TRITON_SERVING_READY_TIMEOUT_MS is not a number",
    arrange() {
      return {
        env: { TRITON_SERVING_READY_TIMEOUT_MS: "soon" },
        exit: 2,
        whole: true,
        message: `error: TRITON_SERVING_READY_TIMEOUT_MS="soon" is invalid; expected a whole number of milliseconds\n\n${MODEL_USAGE}\n`,
      };
    },
  },
  {
    group: "stack config",
    name: "TRITON_API_KEY is not set",
    arrange() {
      return {
        env: { TRITON_API_KEY: undefined },
        exit: 2,
        whole: true,
        message: `error: TRITON_API_KEY is not set; expected the value of the 'triton-admin-key' header that unlocks Triton's model-repository API (the stack's secret tritonApiKey: export TRITON_API_KEY="$(pulumi config get tritonApiKey --stack <stack>)")\n`,
      };
    },
  },
  {
    group: "stack config",
    name: "mlflow.username without MLFLOW_TRACKING_PASSWORD",
    async arrange() {
      const project = await makeProject((config) => {
        (config["triton-serving:mlflow"] as Record<string, unknown>).username = "deployer";
      });
      return {
        project,
        exit: 2,
        whole: true,
        message:
          "error: MLFLOW_TRACKING_PASSWORD is not set; expected the MLflow password of mlflow.username 'deployer' (the stack's secret mlflowTrackingPassword)\n",
      };
    },
  },
  {
    group: "stack config",
    name: "MLFLOW_TRACKING_URI is not http(s)",
    arrange() {
      return {
        env: { MLFLOW_TRACKING_URI: "ftp://mlflow" },
        exit: 2,
        whole: true,
        message: `error: MLflow tracking URI "ftp://mlflow" must be an http:// or https:// URL (file and databricks URIs are not supported)\n\n${MODEL_USAGE}\n`,
      };
    },
  },
  {
    group: "stack config",
    name: "the stack file does not exist",
    arrange(b) {
      return {
        argv: ["deploy", "--stack", "nope"],
        exit: 2,
        whole: true,
        message: `error: invalid stack config (${join(b.project, "Pulumi.nope.yaml")}):\n  - (file): missing, expected the config of stack "nope" (create it with: pulumi stack init nope)\n`,
      };
    },
  },
];
