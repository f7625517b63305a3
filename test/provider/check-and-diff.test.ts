// check / diff / state migration of the ModelDeployment provider, as plain functions (the same
// functions the real host runs; provider-host.test.ts drives them over gRPC).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  checkInputs,
  diffDeployment,
  parseInputs,
  UNKNOWN,
} from "../../src/provider/check-and-diff";
import { inputsOf, migrateState, STATE_VERSION } from "../../src/provider/state";
import { readProviderSecrets, redact } from "../../src/provider/secrets";
import { sampleInputs, sampleOutputs } from "./fixtures";

void describe("check", () => {
  void test("accepts complete inputs", () => {
    assert.deepEqual(checkInputs({ ...sampleInputs() }), []);
  });

  void test("lets the unknown sentinel through during preview, nested or top-level", () => {
    const news = { ...sampleInputs(), version: UNKNOWN, runId: UNKNOWN } as Record<string, unknown>;
    news.tritonEndpoints = [UNKNOWN];
    assert.deepEqual(checkInputs(news), []);
  });

  void test("reports each bad property with what was expected and what it got", () => {
    const news = {
      ...sampleInputs(),
      version: "v13",
      tritonEndpoints: ["ftp://x"],
      extra: 1,
    } as Record<string, unknown>;
    delete news.runId;
    assert.deepEqual(checkInputs(news), [
      { property: "version", reason: 'a model version such as "12" (got "v13")' },
      {
        property: "runId",
        reason: "Invalid input: expected string, received undefined (got nothing)",
      },
      { property: "tritonEndpoints", reason: '0: an http(s) URL (got "ftp://x")' },
      { property: "extra", reason: "not an input of ModelDeployment" },
    ]);
  });

  void test("parseInputs throws one message naming every bad property", () => {
    assert.throws(() => parseInputs({ ...sampleInputs(), modelName: "Iris!" }), {
      message:
        'ModelDeployment inputs are invalid: modelName: a Triton model name (lower-case, digits, - and _) (got "Iris!")',
    });
  });
});

void describe("diff", () => {
  void test("identical inputs: no change", () => {
    assert.deepEqual(diffDeployment({ ...sampleOutputs() }, { ...sampleInputs() }), {
      changes: false,
      replaces: [],
      changed: [],
    });
  });

  void test("a new resolved version and run id is an update, never a replacement", () => {
    const news = { ...sampleInputs({ version: "13", runId: "run-13" }) };
    assert.deepEqual(diffDeployment({ ...sampleOutputs() }, news), {
      changes: true,
      replaces: [],
      changed: ["version", "runId"],
    });
  });

  void test("a Triton config change is an update; key order alone is not a change", () => {
    const base = sampleInputs();
    const reordered = { ...base, tritonConfig: { ...base.tritonConfig } };
    reordered.tritonConfig = {
      instanceGroup: { count: 1, kind: "KIND_CPU" },
      outputs: base.tritonConfig.outputs,
      inputs: base.tritonConfig.inputs,
      maxBatchSize: 0,
    };
    assert.equal(diffDeployment({ ...sampleOutputs() }, { ...reordered }).changes, false);
    const bigger = { ...base, tritonConfig: { ...base.tritonConfig, maxBatchSize: 8 } };
    assert.deepEqual(diffDeployment({ ...sampleOutputs() }, { ...bigger }), {
      changes: true,
      replaces: [],
      changed: ["tritonConfig"],
    });
  });

  void test("only identity (model name, repository root) replaces", () => {
    const news = { ...sampleInputs({ modelName: "iris2", repositoryRoot: "/mnt/other" }) };
    assert.deepEqual(diffDeployment({ ...sampleOutputs() }, news), {
      changes: true,
      replaces: ["modelName", "repositoryRoot"],
      changed: ["modelName", "repositoryRoot"],
    });
  });

  void test("an unknown version during preview counts as a change", () => {
    const news = { ...sampleInputs(), version: UNKNOWN };
    assert.deepEqual(diffDeployment({ ...sampleOutputs() }, news), {
      changes: true,
      replaces: [],
      changed: ["version"],
    });
  });

  void test("drift found by a refresh makes the next up an update, so it converges", () => {
    const olds = { ...sampleOutputs({ drift: ["Triton serves 14, expected 12"] }) };
    assert.deepEqual(diffDeployment(olds, { ...sampleInputs() }), {
      changes: true,
      replaces: [],
      changed: ["drift"],
    });
  });
});

void describe("state migration", () => {
  void test("state v1 is used as is", () => {
    const v1 = sampleOutputs();
    assert.equal(migrateState({ ...v1 }).stateVersion, STATE_VERSION);
    assert.deepEqual(migrateState({ ...v1 }), v1);
  });

  void test("state v0 (no stateVersion) is upgraded; its identity is kept, so no replacement", () => {
    const v0 = {
      modelName: "iris",
      modelRepository: "/mnt/model-repo/dev",
      registeredModel: "iris-classifier",
      alias: "A",
      version: 12,
      runId: "run-12",
      tritonUrl: "http://127.0.0.1:8000",
      sha256: "c".repeat(64),
      committedAt: "2025-01-01T00:00:00Z",
    };
    const migrated = migrateState(v0);
    assert.deepEqual(migrated, {
      stateVersion: 1,
      modelName: "iris",
      repositoryRoot: "/mnt/model-repo/dev",
      registeredModel: "iris-classifier",
      alias: "A",
      version: "12",
      runId: "run-12",
      tritonConfig: {
        maxBatchSize: 0,
        inputs: [],
        outputs: [],
        instanceGroup: { kind: "", count: 0 },
      },
      smoke: { requests: 0 },
      tritonEndpoints: ["http://127.0.0.1:8000"],
      tritonAdminHeader: "triton-admin-key",
      mlflowTrackingUri: "",
      timeouts: {
        tritonRequestMs: 30_000,
        tritonLoadMs: 600_000,
        tritonReadyMs: 300_000,
        mlflowRequestMs: 30_000,
      },
      sha256: "c".repeat(64),
      committedAt: "2025-01-01T00:00:00Z",
      previousVersion: "",
      servedVersion: "12",
      tritonConfigDigest: "",
      drift: [],
    });
    // The same version with the fields v0 never had: an in-place update records them.
    const diff = diffDeployment(v0, { ...sampleInputs() });
    assert.equal(diff.changes, true);
    assert.deepEqual(diff.replaces, []);
    assert.deepEqual(diff.changed, ["tritonConfig", "smoke", "mlflowTrackingUri"]);
  });

  void test("a newer state version is refused with a message naming it", () => {
    assert.throws(() => migrateState({ ...sampleOutputs(), stateVersion: 7 }), {
      message:
        "ModelDeployment state has stateVersion 7; expected 0 (absent) or 1 — it was written by a newer version of triton-serving",
    });
  });

  void test("inputsOf keeps exactly the input keys", () => {
    assert.deepEqual(inputsOf(sampleOutputs()), sampleInputs());
  });
});

void describe("secrets", () => {
  void test("stack config wins over the environment; the environment fills the rest", () => {
    const config: Record<string, string> = { tritonApiKey: "from-config" };
    const secrets = readProviderSecrets((k) => config[k], {
      TRITON_API_KEY: "from-env",
      MLFLOW_TRACKING_TOKEN: "token-env",
    });
    assert.deepEqual(secrets, {
      tritonApiKey: "from-config",
      mlflowTrackingToken: "token-env",
      mlflowTrackingPassword: undefined,
    });
    assert.equal(redact("key from-config and token-env", secrets), "key *** and ***");
  });
});
