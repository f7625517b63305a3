// Shared ModelDeployment inputs for provider tests: a complete, valid input object, and the
// state objects the provider writes for it.
import type { ModelDeploymentInputs, ModelDeploymentOutputs } from "../../src/provider/state";

export function sampleInputs(
  overrides: Partial<ModelDeploymentInputs> = {},
): ModelDeploymentInputs {
  return {
    modelName: "iris",
    repositoryRoot: "/mnt/model-repo/dev",
    registeredModel: "iris-classifier",
    alias: "A",
    version: "12",
    runId: "run-12",
    tritonConfig: {
      maxBatchSize: 0,
      inputs: [{ name: "input", dataType: "TYPE_FP32", dims: [1, 4] }],
      outputs: [{ name: "probabilities", dataType: "TYPE_FP32", dims: [1, 3] }],
      instanceGroup: { kind: "KIND_CPU", count: 1 },
    },
    smoke: { requests: 5 },
    tritonEndpoints: ["http://127.0.0.1:8000"],
    tritonAdminHeader: "triton-admin-key",
    mlflowTrackingUri: "http://127.0.0.1:5000",
    timeouts: {
      tritonRequestMs: 30_000,
      tritonLoadMs: 600_000,
      tritonReadyMs: 300_000,
      mlflowRequestMs: 30_000,
    },
    ...overrides,
  };
}

export function sampleOutputs(
  overrides: Partial<ModelDeploymentOutputs> = {},
): ModelDeploymentOutputs {
  return {
    ...sampleInputs(),
    stateVersion: 1,
    sha256: "a".repeat(64),
    committedAt: "2026-11-21T10:00:00Z",
    previousVersion: "11",
    servedVersion: "12",
    tritonConfigDigest: "b".repeat(64),
    drift: [],
    ...overrides,
  };
}
