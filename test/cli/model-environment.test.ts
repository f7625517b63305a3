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
