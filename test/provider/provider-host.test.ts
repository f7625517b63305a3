// The `__provider` text of the real program (dev stack, under mocks) served by Pulumi's own
// dynamic-provider host and driven over gRPC as the engine would, against the Triton- and
// MLflow-compatible servers: Configure, Check (incl. the unknown sentinel), Diff, Create, an
// Update after the alias moves, a failing Update (the error comes back, the prior version keeps
// serving, nothing committed changes), a retry after the fix, Reads that detect manual changes,
// and Delete (unloaded, files kept).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import { readStackConfig } from "../../src/config/stack-file";
import type { StackConfig } from "../../src/config/schema";
import { modelDeploymentInputs } from "../../src/provider/deploy-models";
import { resolveModelVersion } from "../../src/provider/resolve-model-version";
import type { ModelDeploymentInputs } from "../../src/provider/state";
import { startMlflowServer, type MlflowHandle } from "../support/mlflow";
import { publishOnnxModel, type PublishedModel } from "../support/mlflow/seed";
import { batchableModel, IRIS_FEATURES } from "../support/onnx/fixtures";
import {
  HostRpcError,
  secret,
  startProviderHost,
  UNKNOWN,
  type Props,
  type ProviderHost,
} from "../support/provider-host";
import { startTritonServer, type TritonHandle } from "../support/triton";
import { runStack, PROJECT_DIR, stackFileValues } from "../program/harness/run-stack";
import { testSecrets } from "../program/harness/test-secrets";
import { MODEL_DEPLOYMENT_TYPE } from "./capture-provider";

const MODEL = "iris-classifier";
/** The `__provider` text release 0.1.0 stored in state (recorded from that release's program). */
const RELEASE_0_1_0 = readFileSync(
  join(__dirname, "recorded", "model-deployment-provider-0.1.0.txt"),
  "utf8",
);
const URN = `urn:pulumi:dev::triton-serving::${MODEL_DEPLOYMENT_TYPE}::model-${MODEL}`;
const API_KEY = "host-test-api-key-0b7d1e";
const MLFLOW_TOKEN = "host-test-mlflow-token-9a4c22";
// The MLflow server requires basic auth: the user is stack config (and an input), the password a
// secret that only reaches the host through Configure.
const MLFLOW_USER = {
  username: "host-test-deployer",
  password: "host-test-mlflow-pa55word-3e7f10",
};

let root = "";
let triton: TritonHandle;
let mlflow: MlflowHandle;
let host: ProviderHost;
let config: StackConfig;
let providerText = "";
const published: PublishedModel[] = [];
/** The resource's state as the engine would hold it after each step. */
let state: Props = {};

const modelDir = () => join(root, MODEL);
const currentJson = () => readFileSync(join(modelDir(), "current.json"), "utf8");
const configDigest = () =>
  createHash("sha256")
    .update(readFileSync(join(modelDir(), "config.pbtxt")))
    .digest("hex");

/** Publish the next version of the model and point alias A at it (a promotion in MLflow). */
async function publish(variant: number): Promise<PublishedModel> {
  const version = await publishOnnxModel(mlflow.url, {
    name: MODEL,
    files: { "model.onnx": batchableModel({ variant }) },
    layout: "logged-model",
    alias: "A",
    sha256Tag: true,
    auth: MLFLOW_USER,
  });
  published.push(version);
  return version;
}

/** What the program passes as inputs right now: the alias resolved, as at preview. */
async function previewInputs(): Promise<ModelDeploymentInputs> {
  const model = config.models[0]!;
  const resolved = await resolveModelVersion(config, model, { password: MLFLOW_USER.password });
  return modelDeploymentInputs(config, model, resolved, {
    project: "triton-serving",
    stack: "dev",
    namespace: config.namespace,
  });
}

/** Version-less inference requests, as production traffic sends them. */
async function production(requests: number): Promise<void> {
  for (let i = 0; i < requests; i++) {
    const res = await request(`${triton.httpUrl}/v2/models/${MODEL}/infer`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        inputs: [
          {
            name: "input",
            datatype: "FP32",
            shape: [1, IRIS_FEATURES],
            data: [5.1, 3.5, 1.4, 0.2],
          },
        ],
      }),
    });
    await res.body.text();
    assert.equal(res.statusCode, 200);
  }
}

/** Versions that answered version-less requests since the log was cleared. */
function servedToProduction(): number[] {
  return [
    ...new Set(
      triton
        .requestLog()
        .filter((e) => e.model === MODEL && e.requestedVersion === undefined)
        .map((e) => e.servedVersion ?? -1),
    ),
  ];
}

/** The host's stdout as logfmt records, without the fields that vary run to run. */
function progressLines(stdout: string): Record<string, string>[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => {
      const fields: Record<string, string> = {};
      for (const [, key, raw] of line.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
        if (key === "ts" || key === "duration_ms" || key === "rate_bps") continue;
        fields[key!] = raw!.startsWith('"') ? (JSON.parse(raw!) as string) : raw!;
      }
      return fields;
    });
}

function expectedOutputs(inputs: ModelDeploymentInputs, previousVersion: string): Props {
  const current = JSON.parse(currentJson()) as Record<string, unknown>;
  return {
    ...inputs,
    stateVersion: 1,
    sha256: published[Number(inputs.version) - 1]!.modelSha256,
    committedAt: current.updated_at_utc,
    previousVersion,
    servedVersion: inputs.version,
    tritonConfigDigest: configDigest(),
    drift: [],
  };
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), "provider-host-repo-"));
  [triton, mlflow] = await Promise.all([
    startTritonServer({
      modelRepository: root,
      modelControlMode: "explicit",
      exitOnError: false,
      httpRestrictedApi: [`model-repository,model-config:triton-admin-key=${API_KEY}`],
    }),
    startMlflowServer({ auth: { users: [{ ...MLFLOW_USER }] } }),
  ]);
  await publish(1);

  // The real program for stack dev, pointed at the loopback servers and the temporary repository.
  // The fixture's input tensor is called `input` (the dev stack's real model calls it float_input).
  const values = stackFileValues("dev");
  values.mlflow = {
    ...(values.mlflow as object),
    trackingUri: mlflow.url,
    username: MLFLOW_USER.username,
  };
  values.storage = { ...(values.storage as object), localMountPath: root };
  values.deploy = { ...(values.deploy as object), tritonEndpoints: [triton.httpUrl] };
  const [model] = values.models as Record<string, unknown>[];
  const smoke = { requests: 3, p95BudgetMs: 5_000 };
  values.models = [
    { ...model, inputs: [{ name: "input", dataType: "TYPE_FP32", dims: [IRIS_FEATURES] }], smoke },
  ];
  const run = await runStack({
    stack: "dev",
    values,
    secrets: { ...testSecrets("dev"), mlflowTrackingPassword: MLFLOW_USER.password },
  });
  if (!run.ok) throw new Error(run.error);
  const deployment = run.resources.find((r) => r.type === MODEL_DEPLOYMENT_TYPE);
  assert.ok(deployment);
  providerText = deployment.inputs.__provider as string;
  const { __provider: _p, ...programInputs } = deployment.inputs;

  config = readStackConfig(PROJECT_DIR, "dev");
  config.mlflow.trackingUri = mlflow.url;
  config.mlflow.username = MLFLOW_USER.username;
  config.storage.localMountPath = root;
  config.deploy.tritonEndpoints = [triton.httpUrl];
  config.models[0]!.inputs = [{ name: "input", dataType: "TYPE_FP32", dims: [IRIS_FEATURES] }];
  config.models[0]!.smoke = smoke;
  // The pure function the program uses gives exactly what the program registered.
  assert.deepEqual(programInputs, await previewInputs());

  host = await startProviderHost({ projectRoot: PROJECT_DIR, providerText });
});

after(async () => {
  await host?.close();
  await Promise.allSettled([triton?.stop(), mlflow?.close()]);
  if (root !== "") rmSync(root, { recursive: true, force: true });
});

void describe("ModelDeployment through the real dynamic-provider host", () => {
  void test("Configure: secrets arrive as stack config (the host declares acceptSecrets=false)", async () => {
    assert.deepEqual(
      await host.configure({
        "triton-serving:tritonApiKey": secret(API_KEY),
        "triton-serving:mlflowTrackingToken": secret(MLFLOW_TOKEN),
        "triton-serving:mlflowTrackingPassword": secret(MLFLOW_USER.password),
        "triton-serving:mlflow": JSON.stringify({ trackingUri: mlflow.url }),
      }),
      { acceptSecrets: false, supportsPreview: false },
    );
  });

  void test("Check: valid inputs pass; the unknown sentinel passes during preview; bad ones fail", async () => {
    const inputs = await previewInputs();
    assert.deepEqual(await host.check(URN, {}, { ...inputs }), {
      inputs: { ...inputs },
      failures: [],
    });
    const preview = { ...inputs, version: UNKNOWN, runId: UNKNOWN };
    assert.deepEqual(await host.check(URN, {}, preview), { inputs: preview, failures: [] });
    assert.deepEqual((await host.check(URN, {}, { ...inputs, version: "v2" })).failures, [
      { property: "version", reason: 'a model version such as "12" (got "v2")' },
    ]);
  });

  void test("Create deploys version 1: committed, served, outputs recorded", async () => {
    const inputs = await previewInputs();
    const created = await host.create(URN, { ...inputs });
    assert.equal(created.id, MODEL);
    assert.deepEqual(created.properties, expectedOutputs(inputs, ""));
    state = created.properties;
    triton.clearRequestLog();
    await production(3);
    assert.deepEqual(servedToProduction(), [1]);
    // The transaction's progress lines reach the host's stdout, which `pulumi up` shows: one per
    // finished step, in order, then the provider's summary. Times and rates vary run to run.
    const bytes = batchableModel({ variant: 1 }).length;
    const step = (name: string, extra: Record<string, string> = {}) => ({
      model: MODEL,
      step: name,
      status: "ok",
      version: "1",
      ...extra,
    });
    assert.deepEqual(progressLines(host.output().stdout), [
      step("lock"),
      step("snapshot"),
      step("resolve"),
      step("download", {
        bytes: String(bytes),
        detail: `1 file(s) via ${published[0]!.artifactUri} via the MLflow artifact proxy`,
      }),
      step("materialize", { detail: `${bytes} bytes` }),
      step("validate"),
      step("load"),
      step("ready"),
      step("smoke"),
      step("promote"),
      step("commit"),
      { model: MODEL, step: "deploy", status: "committed", version: "1" },
    ]);
  });

  void test("the alias moves to version 2: Diff is an update (not a replacement); Update deploys it", async () => {
    await publish(2);
    const inputs = await previewInputs();
    assert.equal(inputs.version, "2");
    assert.deepEqual(await host.diff(MODEL, URN, state, { ...inputs }), {
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
    const updated = await host.update(MODEL, URN, state, { ...inputs });
    assert.deepEqual(updated.properties, expectedOutputs(inputs, "1"));
    state = updated.properties;
    triton.clearRequestLog();
    await production(3);
    assert.deepEqual(servedToProduction(), [2]);
  });

  void test("unchanged inputs: Diff reports no change", async () => {
    assert.deepEqual(await host.diff(MODEL, URN, state, { ...(await previewInputs()) }), {
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  void test("only identity replaces: another model name, or another repository (unload first)", async () => {
    const inputs = await previewInputs();
    assert.deepEqual(await host.diff(MODEL, URN, state, { ...inputs, modelName: "iris-v2" }), {
      changes: "some",
      replaces: ["modelName"],
      deleteBeforeReplace: false,
    });
    // Same model name in another repository: creating first would load it under the same name
    // and the delete of the old one would then unload it, so the old one goes first.
    assert.deepEqual(
      await host.diff(MODEL, URN, state, { ...inputs, repositoryRoot: "/mnt/other" }),
      {
        changes: "some",
        replaces: ["repositoryRoot"],
        deleteBeforeReplace: true,
      },
    );
  });

  void test("Read refuses to guess when the repository root is not mounted", async () => {
    await assert.rejects(
      host.read(MODEL, URN, { ...state, repositoryRoot: join(root, "absent") }),
      {
        details: `model repository root ${join(root, "absent")} is not a directory on this machine; expected the NFS export mounted there (stack config storage.localMountPath)`,
      },
    );
  });

  void test("state written before stateVersion existed (v0) is migrated: an update, never a replacement", async () => {
    const v0 = {
      modelName: MODEL,
      modelRepository: root,
      registeredModel: MODEL,
      alias: "A",
      version: 2,
      runId: state.runId,
      tritonUrl: triton.httpUrl,
      sha256: state.sha256,
    };
    assert.deepEqual(await host.diff(MODEL, URN, v0, { ...(await previewInputs()) }), {
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
    const read = await host.read(MODEL, URN, v0);
    assert.equal(read.properties.stateVersion, 1);
    assert.equal(read.properties.repositoryRoot, root);
    assert.deepEqual(read.properties.drift, []);
  });

  void test("a failing Update returns the transaction's error; version 2 keeps serving; nothing committed changes", async () => {
    await publish(3);
    const inputs = await previewInputs();
    const before = {
      current: currentJson(),
      config: readFileSync(join(modelDir(), "config.pbtxt")),
    };
    triton.failLoad(`${MODEL}.staging`, 3, { message: "injected: CUDA out of memory" });
    triton.clearRequestLog();
    await assert.rejects(host.update(MODEL, URN, state, { ...inputs }), (error: HostRpcError) => {
      assert.equal(error.code, 2); // UNKNOWN: a plain Error, so the engine keeps the prior state
      assert.equal(error.initFailure, undefined);
      // Triton's 400 text for a backend that failed to load (the injected failure is INTERNAL).
      const staging = `${MODEL}.staging`;
      assert.equal(
        error.details,
        `deploy of model '${MODEL}' version 3 failed at step 'load': ` +
          `Triton load of model "${staging}" failed: HTTP 400: load failed for model '${staging}': ` +
          `version 3 is at UNAVAILABLE state: Internal: injected: CUDA out of memory; ` +
          `(POST ${triton.httpUrl}/v2/repository/models/${staging}/load)` +
          ` — rolled back; committed version 2; serving ${triton.httpUrl}: version 2`,
      );
      return true;
    });
    await production(3);
    assert.deepEqual(servedToProduction(), [2], "production traffic only ever reached version 2");
    assert.equal(currentJson(), before.current, "current.json is byte-identical");
    assert.deepEqual(readFileSync(join(modelDir(), "config.pbtxt")), before.config);
    assert.equal(
      readdirSync(modelDir()).filter((n) => n.startsWith("failed_3_")).length,
      1,
      "the candidate is quarantined",
    );
    const lastAttempt = readFileSync(join(modelDir(), "history.jsonl"), "utf8")
      .trim()
      .split("\n")
      .pop()!;
    assert.equal((JSON.parse(lastAttempt) as { outcome: string }).outcome, "rolled_back");
  });

  void test("a retry after the fix deploys version 3 from the same prior state", async () => {
    triton.resetControls();
    const inputs = await previewInputs();
    const updated = await host.update(MODEL, URN, state, { ...inputs });
    assert.deepEqual(updated.properties, expectedOutputs(inputs, "2"));
    state = updated.properties;
    triton.clearRequestLog();
    await production(2);
    assert.deepEqual(servedToProduction(), [3]);
  });

  void test("Read with nothing changed reports no drift", async () => {
    const read = await host.read(MODEL, URN, state);
    assert.deepEqual(read, { id: MODEL, properties: state, inputs: await previewInputs() });
  });

  void test("Read detects a manual unload in Triton; the next Diff/Update converges", async () => {
    const res = await request(`${triton.httpUrl}/v2/repository/models/${MODEL}/unload`, {
      method: "POST",
      headers: { "triton-admin-key": API_KEY, "content-type": "application/json" },
      body: "{}",
    });
    await res.body.text();
    assert.equal(res.statusCode, 200);
    const read = await host.read(MODEL, URN, state);
    assert.deepEqual(read.properties.drift, [
      `Triton ${triton.httpUrl} serves nothing; expected version 3`,
    ]);
    assert.equal(read.properties.servedVersion, "");
    assert.equal(read.properties.version, "3");
    const inputs = await previewInputs();
    assert.deepEqual(await host.diff(MODEL, URN, read.properties, { ...inputs }), {
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
    const updated = await host.update(MODEL, URN, read.properties, { ...inputs });
    assert.deepEqual(updated.properties, expectedOutputs(inputs, "2"));
    state = updated.properties;
    triton.clearRequestLog();
    await production(1);
    assert.deepEqual(servedToProduction(), [3]);
  });

  void test("Read detects a hand-edited current.json and reports what the files say", async () => {
    const original = currentJson();
    const edited = { ...(JSON.parse(original) as Record<string, unknown>), active_version: "2" };
    writeFileSync(join(modelDir(), "current.json"), `${JSON.stringify(edited, null, 2)}\n`);
    try {
      const read = await host.read(MODEL, URN, state);
      assert.equal(read.properties.version, "2");
      assert.deepEqual(read.properties.drift, [
        "current.json names version 2; state says version 3",
        `Triton ${triton.httpUrl} serves version 3; expected version 2`,
      ]);
      assert.equal((read.inputs as Props).version, "2");
    } finally {
      writeFileSync(join(modelDir(), "current.json"), original);
    }
  });

  void test("Delete unloads the model from Triton and keeps its files", async () => {
    await host.delete(MODEL, URN, state);
    const ready = await request(`${triton.httpUrl}/v2/models/${MODEL}/ready`);
    await ready.body.text();
    assert.notEqual(ready.statusCode, 200);
    for (const kept of ["1", "2", "3", "config.pbtxt", "history.jsonl"]) {
      assert.ok(existsSync(join(modelDir(), kept)), `${kept} is kept`);
    }
    assert.equal(
      readdirSync(modelDir()).filter((n) => n.startsWith("current.unloaded-")).length,
      1,
    );
    // A refresh afterwards finds the deployment gone (nothing committed, nothing served).
    assert.equal((await host.read(MODEL, URN, state)).id, "");
  });

  // docs/provider-compatibility.md: state keeps the `__provider` text of the release that last
  // created or updated the resource, and refresh/destroy run THAT text. Release 0.1.0's text
  // (recorded from it, test/provider/recorded/) names src/provider/provider-runtime.ts.
  void test("a resource created by release 0.1.0 is refreshed, destroyed and updated by this release", async () => {
    const inputs = await previewInputs();
    const created = await host.create(URN, { ...inputs, __provider: RELEASE_0_1_0 });
    // The Delete before this unloaded the model (current.json moved aside): no prior version.
    assert.deepEqual(created.properties, expectedOutputs(inputs, ""));
    const oldState = { ...created.properties, __provider: RELEASE_0_1_0 };
    // refresh: Read loads the provider from the stored outputs' text.
    assert.deepEqual((await host.read(MODEL, URN, oldState)).properties.drift, []);
    // destroy: Delete too.
    await host.delete(MODEL, URN, oldState);
    assert.equal((await host.read(MODEL, URN, oldState)).id, "");
    // up: Update runs the program's new text against the old state.
    const recreated = await host.create(URN, { ...inputs, __provider: RELEASE_0_1_0 });
    const updated = await host.update(
      MODEL,
      URN,
      { ...recreated.properties, __provider: RELEASE_0_1_0 },
      { ...inputs },
    );
    assert.deepEqual(updated.properties, expectedOutputs(inputs, ""));
    triton.clearRequestLog();
    await production(1);
    assert.deepEqual(servedToProduction(), [3]);
  });

  void test("the host finds the project from another working directory (a Pulumi.yaml `main` in src/)", async () => {
    // With `main: src/index.ts` the engine would start the host in src/ (getPwdMain); the
    // provider walks up to Pulumi.yaml instead of trusting its working directory.
    const elsewhere = await startProviderHost({
      projectRoot: PROJECT_DIR,
      workingDirectory: join(PROJECT_DIR, "src"),
      providerText,
    });
    try {
      await elsewhere.configure({ "triton-serving:tritonApiKey": secret(API_KEY) });
      const inputs = await previewInputs();
      assert.deepEqual(await elsewhere.check(URN, {}, { ...inputs }), {
        inputs: { ...inputs },
        failures: [],
      });
      assert.deepEqual((await elsewhere.read(MODEL, URN, state)).properties.drift, []);
    } finally {
      await elsewhere.close();
    }
  });

  void test("no secret in state, in the repository files or in anything the host printed", () => {
    const places = {
      state: JSON.stringify(state),
      current: readdirSync(modelDir())
        .filter((n) => n.startsWith("current"))
        .map((n) => readFileSync(join(modelDir(), n), "utf8"))
        .join(""),
      history: readFileSync(join(modelDir(), "history.jsonl"), "utf8"),
      hostOutput: JSON.stringify(host.output()),
      provider: providerText,
    };
    const basicCredential = Buffer.from(`${MLFLOW_USER.username}:${MLFLOW_USER.password}`).toString(
      "base64",
    );
    for (const [where, text] of Object.entries(places)) {
      assert.equal(text.includes(API_KEY), false, `API key in ${where}`);
      assert.equal(text.includes(MLFLOW_TOKEN), false, `MLflow token in ${where}`);
      assert.equal(text.includes(MLFLOW_USER.password), false, `MLflow password in ${where}`);
      assert.equal(text.includes(basicCredential), false, `MLflow basic credential in ${where}`);
    }
  });
});
