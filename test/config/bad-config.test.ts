// Each config rule rejects a bad value with its exact message: the key path, the value, and what
// is allowed. Cases start from the real dev/prod stack files and break one thing (or a few).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "../../src/config/errors";
import { parseStackConfig } from "../../src/config/parse";
import { stackFileValues } from "../program/harness/run-stack";

type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- edited by path

function errorLines(values: Values): readonly string[] {
  try {
    parseStackConfig(values, "test");
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.lines;
  }
  assert.fail("expected the config to be rejected");
}

const dev = (): Values => stackFileValues("dev");
const prod = (): Values => stackFileValues("prod");

const DNS_LABEL =
  "a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)";

const cases: { name: string; values: () => Values; lines: string[] }[] = [
  {
    // Zero pods would leave nothing to serve or to deploy to.
    name: "replicas below 1",
    values: () => ({ ...dev(), triton: { ...dev().triton, replicas: -1 } }),
    lines: ["triton.replicas: got -1, expected an integer >= 1"],
  },
  {
    name: "a fractional replica count",
    values: () => ({ ...dev(), triton: { ...dev().triton, replicas: 1.5 } }),
    lines: ["triton.replicas: got 1.5, expected an integer >= 1"],
  },
  {
    // A typo must not be silently ignored (it would fall back to a default).
    name: "a misspelt nested key",
    values: () => ({ ...dev(), triton: { ...dev().triton, replica: 3 } }),
    lines: [
      "triton.replica: unknown key, expected one of the known keys: image, requireImageDigest, imagePullPolicy, replicas, resources, gpu, nodeSelector, podAntiAffinity, shmSize, tmpSize, runAsUser, runAsGroup, fsGroup, adminHeader, extraArgs, service, networkPolicy, probes, serviceMonitor",
    ],
  },
  {
    name: "a missing required key",
    values: () => ({ ...dev(), mlflow: {} }),
    lines: ["mlflow.trackingUri: missing, expected an http(s) URL"],
  },
  {
    // A password in the URL would sit in plain text in the stack file and in Pulumi state; the
    // message must not print it either.
    name: "credentials in the MLflow tracking URI",
    values: () => ({
      ...dev(),
      mlflow: { trackingUri: "https://ci:hunter2@mlflow.mlops.internal" },
    }),
    lines: [
      'mlflow.trackingUri: got "https://***@mlflow.mlops.internal", expected an http(s) URL without user:password@ (credentials belong in secret config: mlflowTrackingToken or mlflowTrackingPassword)',
    ],
  },
  {
    name: "a missing top-level key",
    values: () => {
      const v = dev();
      delete v.environment;
      return v;
    },
    lines: [`environment: missing, expected ${DNS_LABEL}`],
  },
  {
    name: "a relative NFS path",
    values: () => ({ ...dev(), storage: { ...dev().storage, nfsPath: "model-repo/dev" } }),
    lines: [
      `storage.nfsPath: got "model-repo/dev", expected an absolute path without '..' segments`,
    ],
  },
  {
    // A chart range would make two `pulumi up`s install different charts.
    name: "a chart version range",
    values: () => ({ ...dev(), monitoring: { ...dev().monitoring, chart: { version: "^88.5" } } }),
    lines: [
      `monitoring.chart.version: got "^88.5", expected a pinned chart version such as 88.5.3 (no ranges)`,
    ],
  },
  {
    name: "a section of the wrong type",
    values: () => ({ ...dev(), triton: "nvcr.io/nvidia/tritonserver:24.08-py3" }),
    lines: [`triton: got "nvcr.io/nvidia/tritonserver:24.08-py3", expected an object`],
  },
  {
    // Prod pins its image by digest: a re-pushed tag must not change what runs.
    name: "a tag where a digest is required",
    values: () => ({
      ...prod(),
      triton: { ...prod().triton, image: "nvcr.io/nvidia/tritonserver:24.08-py3" },
    }),
    lines: [
      `triton.image: got "nvcr.io/nvidia/tritonserver:24.08-py3", expected an image pinned by digest (<image>@sha256:<64 hex>) because triton.requireImageDigest is true`,
    ],
  },
  {
    // One load through a Service reaches one pod: every pod needs its own endpoint.
    name: "fewer deploy endpoints than replicas",
    values: () => ({
      ...prod(),
      deploy: { tritonEndpoints: ["http://k8s-worker-11.mlops.internal:30900"] },
    }),
    lines: [
      `deploy.tritonEndpoints: got ["http://k8s-worker-11.mlops.internal:30900"], expected one URL per Triton pod (triton.replicas is 2): a load through a Service reaches only one pod`,
    ],
  },
  {
    name: "both an alias and a pinned version",
    values: () => ({ ...dev(), models: [{ ...dev().models[0], version: "3" }] }),
    lines: [`models[0]: got {"alias":"A","version":"3"}, expected exactly one of alias or version`],
  },
  {
    name: "neither an alias nor a version",
    values: () => ({ ...dev(), models: [{ ...dev().models[0], alias: undefined }] }),
    lines: ["models[0]: got {}, expected exactly one of alias or version"],
  },
  {
    name: "a version that is not a number",
    values: () => ({ ...dev(), models: [{ ...dev().models[0], alias: undefined, version: "v3" }] }),
    lines: [
      `models[0].version: got "v3", expected a model version number as a string of digits, e.g. "12"`,
    ],
  },
  {
    // Two entries would fight over one model directory.
    name: "two models with one Triton name",
    values: () => ({ ...dev(), models: [dev().models[0], { ...dev().models[0], alias: "B" }] }),
    lines: [
      `models[1].name: got "iris-classifier", expected a model name not used by another entry of models`,
    ],
  },
  {
    name: "a model name Triton/Kubernetes labels would not accept",
    values: () => ({ ...dev(), models: [{ ...dev().models[0], name: "Iris Classifier" }] }),
    lines: [
      `models[0].name: got "Iris Classifier", expected a Triton model name: lower-case letters, digits, '-' and '_', starting and ending with a letter or digit, at most 63 characters`,
    ],
  },
  {
    name: "an unknown Triton data type",
    values: () => {
      const v = dev();
      v.models[0].inputs[0].dataType = "FP32";
      return v;
    },
    lines: [
      `models[0].inputs[0].dataType: got "FP32", expected one of: TYPE_BOOL, TYPE_UINT8, TYPE_UINT16, TYPE_UINT32, TYPE_UINT64, TYPE_INT8, TYPE_INT16, TYPE_INT32, TYPE_INT64, TYPE_FP16, TYPE_FP32, TYPE_FP64, TYPE_BF16, TYPE_STRING`,
    ],
  },
  {
    name: "a zero dimension",
    values: () => {
      const v = dev();
      v.models[0].inputs[0].dims = [0];
      return v;
    },
    lines: ["models[0].inputs[0].dims[0]: got 0, expected -1 or an integer >= 1"],
  },
  {
    name: "a GPU instance group without GPUs",
    values: () => ({
      ...dev(),
      models: [{ ...dev().models[0], instanceGroup: { kind: "KIND_GPU", count: 1 } }],
    }),
    lines: [
      `models[0].instanceGroup.kind: got "KIND_GPU", expected "KIND_CPU" because triton.gpu.enabled is false`,
    ],
  },
  {
    name: "dynamic batching without a batch dimension",
    values: () => ({ ...dev(), models: [{ ...dev().models[0], maxBatchSize: 0 }] }),
    lines: [
      `models[0].dynamicBatching: got {"preferredBatchSize":[],"maxQueueDelayMicroseconds":100}, expected no dynamicBatching when maxBatchSize is 0 (Triton needs a batch dimension)`,
    ],
  },
  {
    name: "a golden input the model does not have",
    values: () => {
      const v = dev();
      v.models[0].smoke.golden = {
        inputs: [{ name: "input", shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }],
        outputs: [{ name: "probabilities", data: [1, 0, 0] }],
      };
      return v;
    },
    lines: [
      `models[0].smoke.golden.inputs[0].name: got "input", expected one of the model's inputs: float_input`,
    ],
  },
  {
    // Left out means "take them from the ONNX graph"; an empty list is a config Triton cannot serve.
    name: "an empty inputs or outputs list",
    values: () => ({ ...dev(), models: [{ ...dev().models[0], inputs: [], outputs: [] }] }),
    lines: [
      "models[0].inputs: got [], expected at least one input (or leave inputs out)",
      "models[0].outputs: got [], expected at least one output (or leave outputs out)",
    ],
  },
  {
    // The platform's own flags decide model control and readiness; an override would break deploys.
    name: "an extra flag the platform manages",
    values: () => ({
      ...dev(),
      triton: { ...dev().triton, extraArgs: ["--model-control-mode=poll"] },
    }),
    lines: [
      `triton.extraArgs[0]: got "--model-control-mode=poll", expected a flag the platform does not set itself (it manages --model-control-mode)`,
    ],
  },
  {
    name: "node ports on a ClusterIP Service",
    values: () => ({
      ...dev(),
      triton: { ...dev().triton, service: { type: "ClusterIP", nodePorts: { http: 30800 } } },
    }),
    lines: [
      `triton.service.nodePorts: got {"http":30800}, expected no nodePorts unless triton.service.type is "NodePort" (it is "ClusterIP")`,
    ],
  },
  {
    name: "monitoring in Triton's namespace",
    values: () => ({ ...dev(), monitoring: { ...dev().monitoring, namespace: "triton-dev" } }),
    lines: [
      `monitoring.namespace: got "triton-dev", expected a namespace other than \`namespace\` (Triton's)`,
    ],
  },
  {
    name: "a node port out of range",
    values: () => ({
      ...dev(),
      triton: { ...dev().triton, service: { type: "NodePort", nodePorts: { http: 8000 } } },
    }),
    lines: ["triton.service.nodePorts.http: got 8000, expected an integer between 30000 and 32767"],
  },
  {
    name: "every problem at once, in schema order",
    values: () => ({
      ...dev(),
      namespace: "Triton_Dev",
      storage: { ...dev().storage, capacity: "lots" },
      triton: { ...dev().triton, gpu: { enabled: "yes" } },
    }),
    lines: [
      `namespace: got "Triton_Dev", expected ${DNS_LABEL}`,
      `storage.capacity: got "lots", expected a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi`,
      `triton.gpu.enabled: got "yes", expected true or false`,
    ],
  },
];

describe("bad stack config is rejected with exact messages", () => {
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(errorLines(c.values()), c.lines);
    });
  }

  test("the thrown message lists every line under its source", () => {
    assert.throws(
      () =>
        parseStackConfig({ ...dev(), triton: { ...dev().triton, replicas: 0 } }, "Pulumi.dev.yaml"),
      {
        name: "ConfigError",
        message:
          "invalid stack config (Pulumi.dev.yaml):\n  - triton.replicas: got 0, expected an integer >= 1",
      },
    );
  });
});
