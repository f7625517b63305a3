// The real program (src/index.ts) for each stack under Pulumi mocks, against an MLflow-compatible
// server: the alias is resolved while the program runs (= at preview), the resolved version and
// run id become ModelDeployment inputs, exactly; the resource waits for the Triton server; a
// pinned version works the same way; an unreachable MLflow fails the preview with a clear error.
// Promotion by stack config (another alias, or a pinned version) is what the provider's diff calls
// an in-place update of exactly the properties that moved.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { RecordedResource } from "../support/pulumi-mocks";
import {
  PROJECT_DIR,
  runStack,
  stackFileValues,
  type ProgramResult,
} from "../program/harness/run-stack";
import { testSecrets } from "../program/harness/test-secrets";
import { readStackConfig } from "../../src/config/stack-file";
import { diffDeployment } from "../../src/provider/check-and-diff";
import { resolveModelVersion } from "../../src/provider/resolve-model-version";
import { STATE_VERSION } from "../../src/provider/state";
import { MODEL_DEPLOYMENT_TYPE } from "./capture-provider";
import { startSeededMlflow, type SeededMlflow } from "./seeded-mlflow";
import { closedPort } from "../support/closed-port";

/** What the provider would compute at `up`; the mock returns it with the echoed inputs. */
const COMPUTED = { sha256: "5".repeat(64), committedAt: "2026-11-22T01:02:03Z" };

let mlflow: SeededMlflow;
let devRun: ProgramResult;
let prodRun: ProgramResult;
let devPreview: ProgramResult;
/** The dev stack promoted to prod's alias, and with a pinned version instead of an alias. */
let devChampion: ProgramResult;
let devPinned1: ProgramResult;

before(async () => {
  mlflow = await startSeededMlflow();
  // One program run per stack (each in its own process), in parallel.
  const run = (stack: string, preview = false) =>
    runStack({
      stack,
      values: withMlflow(stack, mlflow.url),
      secrets: testSecrets(stack),
      preview,
    });
  const devWithState = runStack({
    stack: "dev",
    values: withMlflow("dev", mlflow.url),
    secrets: testSecrets("dev"),
    computedState: { [MODEL_DEPLOYMENT_TYPE]: COMPUTED },
  });
  const devWith = (model: Record<string, unknown>) => {
    const values = withMlflow("dev", mlflow.url);
    const [first] = values.models as Record<string, unknown>[];
    const { alias: _alias, ...rest } = first!;
    values.models = [{ ...rest, ...model }];
    return runStack({ stack: "dev", values, secrets: testSecrets("dev") });
  };
  [devRun, prodRun, devPreview, devChampion, devPinned1] = await Promise.all([
    devWithState,
    run("prod"),
    run("dev", true),
    devWith({ alias: "champion" }),
    devWith({ version: "1" }),
  ]);
});
after(async () => {
  await mlflow.close();
});

function withMlflow(stack: string, url: string): Record<string, unknown> {
  const values = stackFileValues(stack);
  values.mlflow = { ...(values.mlflow as object), trackingUri: url };
  return values;
}

function deploymentOf(run: ProgramResult): RecordedResource {
  if (!run.ok) throw new Error(run.error);
  const found = run.resources.filter((r) => r.type === MODEL_DEPLOYMENT_TYPE);
  assert.equal(found.length, 1, "one ModelDeployment per configured model");
  return found[0]!;
}

function inputsWithoutProvider(r: RecordedResource): Record<string, unknown> {
  const { __provider: provider, ...rest } = r.inputs;
  assert.equal(typeof provider, "string");
  return rest;
}

const TIMEOUTS = {
  tritonRequestMs: 30000,
  tritonLoadMs: 600000,
  tritonReadyMs: 300000,
  mlflowRequestMs: 30000,
};
const TENSORS = {
  inputs: [{ name: "float_input", dataType: "TYPE_FP32", dims: [4] }],
  outputs: [{ name: "probabilities", dataType: "TYPE_FP32", dims: [3] }],
};

void describe("model deployments in the program", () => {
  void test("dev: alias A resolves to version 2 at preview; inputs exactly; waits for Triton", () => {
    const run = devRun;
    const deployment = deploymentOf(run);
    assert.equal(deployment.name, "model-iris-classifier");
    assert.deepEqual(inputsWithoutProvider(deployment), {
      modelName: "iris-classifier",
      repositoryRoot: "/mnt/nfs_share/mlops/triton/model-repo/dev",
      registeredModel: "iris-classifier",
      alias: "A",
      version: "2",
      runId: mlflow.versions[1]!.runId,
      tritonConfig: {
        maxBatchSize: 8,
        ...TENSORS,
        instanceGroup: { kind: "KIND_CPU", count: 1 },
        dynamicBatching: { preferredBatchSize: [], maxQueueDelayMicroseconds: 100 },
      },
      smoke: { requests: 5, p95BudgetMs: 250 },
      tritonEndpoints: ["http://k8s-worker-01.mlops.internal:30800"],
      tritonAdminHeader: "triton-admin-key",
      mlflowTrackingUri: mlflow.url,
      timeouts: TIMEOUTS,
      repositoryOwner: { project: "triton-serving", stack: "dev", namespace: "triton-dev" },
    });
    // dependsOn the TritonServer component = on every resource it contains.
    assert.deepEqual(
      deployment.dependencies.map((urn) => urn.split("::").slice(-2).join(" ")),
      [
        "triton-serving:platform:TritonServer$kubernetes:apps/v1:Deployment triton-deployment",
        "triton-serving:platform:TritonServer$kubernetes:core/v1:Secret triton-api-key",
        "triton-serving:platform:TritonServer$kubernetes:core/v1:Service triton-service",
        "triton-serving:platform:TritonServer$kubernetes:monitoring.coreos.com/v1:ServiceMonitor triton-service-monitor",
        "triton-serving:platform:TritonServer$kubernetes:networking.k8s.io/v1:NetworkPolicy triton-network-policy",
      ],
    );
    if (!run.ok) return;
    // Version and run id come from the resource's inputs; sha256 and committedAt from what the
    // provider computes at `up` (fixed by the mock).
    assert.deepEqual(run.outputs.models, {
      "iris-classifier": { version: "2", runId: mlflow.versions[1]!.runId, ...COMPUTED },
    });
  });

  void test("prod: alias champion resolves to version 1; two endpoints; inputs exactly", () => {
    const deployment = deploymentOf(prodRun);
    assert.deepEqual(inputsWithoutProvider(deployment), {
      modelName: "iris-classifier",
      repositoryRoot: "/mnt/nfs_share/mlops/triton/model-repo/prod",
      registeredModel: "iris-classifier",
      alias: "champion",
      version: "1",
      runId: mlflow.versions[0]!.runId,
      tritonConfig: {
        maxBatchSize: 8,
        ...TENSORS,
        instanceGroup: { kind: "KIND_CPU", count: 2 },
        dynamicBatching: { preferredBatchSize: [], maxQueueDelayMicroseconds: 100 },
      },
      smoke: { requests: 20, p95BudgetMs: 100 },
      tritonEndpoints: [
        "http://k8s-worker-11.mlops.internal:30900",
        "http://k8s-worker-12.mlops.internal:30900",
      ],
      tritonAdminHeader: "triton-admin-key",
      mlflowTrackingUri: mlflow.url,
      timeouts: { ...TIMEOUTS, tritonLoadMs: 900000, tritonReadyMs: 600000 },
      repositoryOwner: { project: "triton-serving", stack: "prod", namespace: "triton-prod" },
    });
  });

  void test("while previewing, the inputs already carry the resolved version (what the diff shows)", () => {
    assert.deepEqual(
      inputsWithoutProvider(deploymentOf(devPreview)),
      inputsWithoutProvider(deploymentOf(devRun)),
    );
    assert.equal(deploymentOf(devPreview).inputs.version, "2");
  });

  void test("the serialised provider is the same for every stack and holds none of their secrets", () => {
    const dev = deploymentOf(devRun).inputs.__provider as string;
    assert.equal(deploymentOf(prodRun).inputs.__provider, dev);
    for (const stack of ["dev", "prod"]) {
      for (const [key, value] of Object.entries(testSecrets(stack))) {
        assert.equal(dev.includes(value), false, `${stack} ${key} in __provider`);
      }
    }
  });
});

void describe("promotion by stack config: the provider's diff between two program runs", () => {
  /** The state after `up` of a run: its inputs plus what the provider recorded. */
  const stateAfterUp = (run: ProgramResult) => {
    const inputs = deploymentOf(run).inputs;
    return {
      ...inputs,
      stateVersion: STATE_VERSION,
      ...COMPUTED,
      previousVersion: "",
      servedVersion: inputs.version,
      tritonConfigDigest: "b".repeat(64),
      drift: [],
    };
  };
  const diff = (before: ProgramResult, after: ProgramResult) =>
    diffDeployment(stateAfterUp(before), deploymentOf(after).inputs);

  void test("alias A → champion: an in-place update of alias, version and run", () => {
    assert.equal(deploymentOf(devChampion).inputs.version, "1");
    assert.equal(deploymentOf(devChampion).inputs.runId, mlflow.versions[0]!.runId);
    assert.deepEqual(diff(devRun, devChampion), {
      changes: true,
      replaces: [],
      changed: ["alias", "version", "runId"],
    });
  });

  void test("alias A → pinned version 1: an in-place update; the alias is gone", () => {
    const pinned = deploymentOf(devPinned1).inputs;
    assert.equal("alias" in pinned, false);
    assert.equal(pinned.version, "1");
    assert.equal(pinned.runId, mlflow.versions[0]!.runId);
    assert.deepEqual(diff(devRun, devPinned1), {
      changes: true,
      replaces: [],
      changed: ["alias", "version", "runId"],
    });
  });

  void test("pinned version 1 → alias champion (also version 1): only the alias changes", () => {
    assert.deepEqual(diff(devPinned1, devChampion), {
      changes: true,
      replaces: [],
      changed: ["alias"],
    });
  });

  void test("the same config again (previewed): no change", () => {
    assert.deepEqual(diff(devRun, devPreview), { changes: false, replaces: [], changed: [] });
  });
});

void describe("resolving a model's version while previewing", () => {
  const dev = () => {
    const config = readStackConfig(PROJECT_DIR, "dev");
    config.mlflow = { ...config.mlflow, trackingUri: mlflow.url };
    return config;
  };

  void test("promotion by config: the alias decides the version and run", async () => {
    const config = dev();
    const model = config.models[0]!;
    assert.deepEqual(await resolveModelVersion(config, model, {}), {
      version: "2",
      runId: mlflow.versions[1]!.runId,
    });
    assert.deepEqual(await resolveModelVersion(config, { ...model, alias: "champion" }, {}), {
      version: "1",
      runId: mlflow.versions[0]!.runId,
    });
  });

  void test("a pinned version goes through the same resolution", async () => {
    const config = dev();
    const { alias: _alias, ...model } = config.models[0]!;
    assert.deepEqual(await resolveModelVersion(config, { ...model, version: "1" }, {}), {
      version: "1",
      runId: mlflow.versions[0]!.runId,
    });
  });

  void test("MLflow unreachable: the error names the tracking URI and the model/alias", async () => {
    const config = dev();
    const port = await closedPort();
    config.mlflow = { ...config.mlflow, trackingUri: `http://127.0.0.1:${port}` };
    await assert.rejects(resolveModelVersion(config, config.models[0]!, {}), {
      message:
        `cannot resolve model 'iris-classifier' (MLflow registered model 'iris-classifier', alias 'A') ` +
        `at MLflow http://127.0.0.1:${port}/: resolving alias "A" of registered model "iris-classifier" failed: ` +
        `GET http://127.0.0.1:${port}/api/2.0/mlflow/registered-models/alias?name=iris-classifier&alias=A failed: ` +
        `connect ECONNREFUSED 127.0.0.1:${port} (ECONNREFUSED) (after 3 attempts); expected a reachable tracking ` +
        "server where that alias exists (the preview resolves it to the version that `up` deploys)",
    });
  });

  void test("an alias that does not exist fails with MLflow's reason", async () => {
    const config = dev();
    const model = { ...config.models[0]!, alias: "nonexistent" };
    // MLflow's own text (mlflow-contract.md §4: 400 INVALID_PARAMETER_VALUE) is carried through.
    await assert.rejects(resolveModelVersion(config, model, {}), {
      message:
        `cannot resolve model 'iris-classifier' (MLflow registered model 'iris-classifier', alias 'nonexistent') ` +
        `at MLflow ${mlflow.url}/: registered model "iris-classifier" has no alias "nonexistent"; ` +
        "its aliases are champion→1, A→2 (MLflow: INVALID_PARAMETER_VALUE: Registered model alias nonexistent not found.); " +
        "expected a reachable tracking server where that alias exists (the preview resolves it to the version that `up` deploys)",
    });
  });
});
