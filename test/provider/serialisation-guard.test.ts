// Guard: the provider that the program serialises (`__provider`) when run as the engine runs it
// carries no secret, no core code and no schema, and it loads in a fresh `node` process whose cwd
// is the project — and fails with a clear message anywhere else (pulumi-notes §1.9, §1.10;
// design.md invariant 5).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { readStackConfig } from "../../src/config/stack-file";
import { modelDeploymentInputs } from "../../src/provider/deploy-models";
import { unwrapSecrets, type RecordedResource } from "../support/pulumi-mocks";
import { PROJECT_DIR, runStack } from "../program/harness/run-stack";
import { stackFileValuesWithMlflow } from "../program/harness/seeded-stack";
import { testSecrets } from "../program/harness/test-secrets";
import { MODEL_DEPLOYMENT_TYPE } from "./capture-provider";
import { startSeededMlflow, type SeededMlflow } from "./seeded-mlflow";

const SECRETS = {
  tritonApiKey: "guard-triton-key-5f2c9a",
  mlflowTrackingToken: "guard-mlflow-token-71be04",
  mlflowTrackingPassword: "guard-mlflow-password-c3d9e1",
};

let resources: RecordedResource[] = [];
let providerText = "";
let scratch = "";
let mlflow: SeededMlflow | undefined;

before(async () => {
  // The text `pulumi preview` would store: the whole program run as the engine runs it, with
  // secrets everywhere a careless provider could pick them up at serialisation time — secret
  // stack config and the user's environment.
  mlflow = await startSeededMlflow();
  const run = await runStack({
    stack: "dev",
    values: stackFileValuesWithMlflow("dev", mlflow.url),
    secrets: { ...testSecrets("dev"), ...SECRETS },
    env: {
      TRITON_API_KEY: SECRETS.tritonApiKey,
      MLFLOW_TRACKING_TOKEN: SECRETS.mlflowTrackingToken,
    },
  });
  if (!run.ok) throw new Error(run.error);
  resources = run.resources;
  const deployment = resources.find((r) => r.type === MODEL_DEPLOYMENT_TYPE);
  assert.ok(deployment, "a ModelDeployment was registered");
  assert.equal(
    typeof deployment.inputs.__provider,
    "string",
    "__provider is plain text, not a secret",
  );
  providerText = deployment.inputs.__provider as string;
  scratch = mkdtempSync(join(tmpdir(), "provider-guard-"));
  writeFileSync(join(scratch, "provider.js"), providerText);
});

after(async () => {
  await mlflow?.close();
  if (scratch !== "") rmSync(scratch, { recursive: true, force: true });
});

void describe("the serialised ModelDeployment provider", () => {
  void test("is registered with the documented type token and exactly the resolved inputs", () => {
    const config = readStackConfig(PROJECT_DIR, "dev");
    config.mlflow.trackingUri = mlflow!.url;
    const model = config.models[0]!;
    const deployment = resources.find((r) => r.type === MODEL_DEPLOYMENT_TYPE)!;
    assert.equal(deployment.name, `model-${model.name}`);
    const { __provider: _p, ...inputs } = deployment.inputs;
    // Alias A of the seeded MLflow names its second version.
    const resolved = mlflow!.versions[1]!;
    assert.deepEqual(
      inputs,
      modelDeploymentInputs(
        config,
        model,
        { version: resolved.version, runId: resolved.runId },
        { project: "triton-serving", stack: "dev", namespace: config.namespace },
      ),
    );
  });

  void test("contains no secret value", () => {
    for (const [key, value] of Object.entries(SECRETS)) {
      assert.equal(providerText.includes(value), false, `${key} must not be in __provider`);
    }
    // The program does pass the API key to Kubernetes (the Triton Secret), but only ever as a
    // secret: with every secret replaced, no resource's inputs hold any secret value.
    for (const r of resources) {
      const plain = JSON.stringify(unwrapSecrets(r.inputs, () => "[secret]"));
      for (const [key, value] of Object.entries(SECRETS)) {
        assert.equal(plain.includes(value), false, `${key} in plain text in ${r.type} ${r.name}`);
      }
    }
  });

  void test("captures only the loader, not the core, zod or the provider's run-time half", () => {
    // It names the stable entry and API version (docs/provider-compatibility.md), no file path.
    assert.match(providerText, /PROVIDER_ENTRY: "\.\/model-deployment-provider"/);
    assert.match(providerText, /PROVIDER_API_VERSION: 1,/);
    assert.equal(providerText.includes("src/provider"), false);
    assert.match(providerText, /require\("ts-node"\)/);
    for (const forbidden of [
      "zod",
      "InputsSchema",
      "DeploymentError",
      "deployWithCore",
      "undici",
    ]) {
      assert.equal(providerText.includes(forbidden), false, `${forbidden} must not be serialised`);
    }
    assert.ok(providerText.length < 8_000, `__provider is ${providerText.length} chars`);
  });

  void test("loads in a fresh node process whose cwd is the project, and its check runs", () => {
    const result = runProvider(PROJECT_DIR);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      methods: ["check", "configure", "create", "delete", "diff", "read", "update"],
      failures: [{ property: "version", reason: 'a model version such as "12" (got "latest")' }],
    });
  });

  void test("loads from a directory below the project (the engine's dirname(main)), finding Pulumi.yaml above", () => {
    const result = runProvider(join(PROJECT_DIR, "src", "provider"));
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout).methods, [
      "check",
      "configure",
      "create",
      "delete",
      "diff",
      "read",
      "update",
    ]);
  });

  void test("fails clearly when the host runs outside any project", () => {
    const result = runProvider(scratch);
    assert.notEqual(result.status, 0);
    assert.match(
      result.stderr,
      new RegExp(
        escape(
          `triton-serving ModelDeployment provider: no Pulumi.yaml at or above ${scratch}; expected the dynamic-provider host to run inside the triton-serving project (the engine starts it in the project directory)`,
        ),
      ),
    );
  });
});

/** What the host does with `__provider` (require-from-string, handler(), configure, check). */
function runProvider(cwd: string) {
  const requireFromString = require.resolve("require-from-string", {
    paths: [require.resolve("@pulumi/pulumi")],
  });
  const script = `
    const load = require(${JSON.stringify(requireFromString)});
    const text = require("fs").readFileSync(${JSON.stringify(join(scratch, "provider.js"))}, "utf8");
    const provider = load(text).handler();
    (async () => {
      await provider.configure({ config: { get: () => undefined, require: () => { throw new Error("unset"); } } });
      const r = await provider.check({}, { version: "latest" });
      const failures = r.failures.filter((f) => f.property === "version");
      console.log(JSON.stringify({ methods: Object.keys(provider).filter((k) => typeof provider[k] === "function").sort(), failures }));
    })().catch((e) => { console.error(e.message); process.exit(1); });`;
  return spawnSync(process.execPath, ["-e", script], { cwd, encoding: "utf8", timeout: 60_000 });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
