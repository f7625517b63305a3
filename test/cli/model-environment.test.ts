// The CLI reads each secret under the one environment name the stack schema gives it
// (SECRET_KEYS[k].env, the names the provider reads too), and no other name.
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { deployEnvironmentFor } from "../../src/cli/model-environment";
import { SECRET_KEYS } from "../../src/config/schema";
import { readStackConfig } from "../../src/config/stack-file";

const config = readStackConfig(resolve(__dirname, "../.."), "dev");

void test("the restricted-API key comes from TRITON_API_KEY only", () => {
  assert.equal(SECRET_KEYS.tritonApiKey.env, "TRITON_API_KEY");
  assert.deepEqual(deployEnvironmentFor(config, { TRITON_API_KEY: "k-1" }).restrictedApi, {
    header: config.triton.adminHeader,
    value: "k-1",
  });
  // The CLI's former own name is not read: one name per secret.
  const oldName = deployEnvironmentFor(config, { TRITON_SERVING_API_KEY: "k-2" });
  assert.equal("restrictedApi" in oldName, false);
  assert.equal("restrictedApi" in deployEnvironmentFor(config, { TRITON_API_KEY: "" }), false);
});

void test("the MLflow password comes from MLFLOW_TRACKING_PASSWORD with the stack's username", () => {
  assert.equal(SECRET_KEYS.mlflowTrackingPassword.env, "MLFLOW_TRACKING_PASSWORD");
  const withUser = { ...config, mlflow: { ...config.mlflow, username: "deployer" } };
  assert.deepEqual(deployEnvironmentFor(withUser, { MLFLOW_TRACKING_PASSWORD: "pw" }).mlflow.auth, {
    kind: "basic",
    username: "deployer",
    password: "pw",
  });
  assert.equal(deployEnvironmentFor(withUser, {}).mlflow.auth, undefined);
  // MLFLOW_TRACKING_USERNAME, when set, wins over the stack's username (as in MLflow's client).
  assert.deepEqual(
    deployEnvironmentFor(withUser, {
      MLFLOW_TRACKING_USERNAME: "ops",
      MLFLOW_TRACKING_PASSWORD: "pw",
    }).mlflow.auth,
    { kind: "basic", username: "ops", password: "pw" },
  );
  // Without any username the password is a usage error, not silently dropped.
  assert.throws(() => deployEnvironmentFor(config, { MLFLOW_TRACKING_PASSWORD: "pw" }), {
    name: "UsageError",
    message:
      "MLFLOW_TRACKING_PASSWORD is set but MLFLOW_TRACKING_USERNAME is not; Basic auth needs both",
  });
});
