// `npm run sandbox`: the main job end to end, with no infrastructure.
//
// Starts the Triton- and MLflow-compatible test servers on loopback, publishes generated ONNX
// models to MLflow through its own REST API, serialises the ModelDeployment provider exactly as
// `pulumi preview` does (the program's ModelDeployment construction under Pulumi mocks), and drives
// it through Pulumi's real dynamic-provider host over gRPC, as `pulumi up` would:
//   1. deploy version 1 (alias A),
//   2. promote: the alias moves to version 2 — the preview shows `version: "1" => "2"`, up deploys it,
//   3. try a broken version 3 — `up` fails, it is rolled back, and version 2 still serves,
// printing each step, current.json, history.jsonl and Triton's metric lines for the model.
// Exits 0 when every step behaved as described, 1 otherwise.
//
// It runs the servers under test/support (they exist to test our clients, design.md) — a sandbox
// for people, not part of the product.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { request } from "undici";
import type { StackConfig } from "../src/config/schema";
import { listStacks, readStackConfig } from "../src/config/stack-file";
import { modelDeploymentInputs } from "../src/provider/deploy-models";
import { resolveModelVersion } from "../src/provider/resolve-model-version";
import type { ModelDeploymentInputs } from "../src/provider/state";
import { startMlflowServer, type MlflowHandle } from "../test/support/mlflow";
import { runStack, stackFileValues } from "../test/program/harness/run-stack";
import { testSecrets } from "../test/program/harness/test-secrets";
import { publishOnnxModel } from "../test/support/mlflow/seed";
import {
  batchableModel,
  CLASSIFIER_INPUT,
  IRIS_FEATURES,
  outputShapeChangedModel,
} from "../test/support/onnx/fixtures";
import {
  HostRpcError,
  secret,
  startProviderHost,
  type Props,
  type ProviderHost,
} from "../test/support/provider-host";
import { startTritonServer, type TritonHandle } from "../test/support/triton";
import { findProjectRoot } from "../test/support/engine/pulumi-project";
import { MODEL_DEPLOYMENT_TYPE } from "../test/provider/capture-provider";

/** The project the sandbox plays: the nearest Pulumi.yaml above this script, as the CLI finds it. */
const PROJECT_DIR = findProjectRoot(resolve(__dirname));

/**
 * The stack whose config the sandbox plays: `--stack <name>`, else the first Pulumi.<stack>.yaml
 * in alphabetical order whose first model follows an alias (promotion moves that alias).
 */
function sandboxStack(argv: readonly string[]): string {
  const i = argv.indexOf("--stack");
  if (i >= 0) {
    const name = argv[i + 1];
    if (name === undefined || name.startsWith("-")) {
      throw new Error("--stack needs a stack name (a Pulumi.<stack>.yaml beside package.json)");
    }
    return name;
  }
  const stacks = listStacks(PROJECT_DIR);
  const withAlias = stacks.find(
    (s) => readStackConfig(PROJECT_DIR, s).models[0]?.alias !== undefined,
  );
  if (withAlias === undefined) {
    throw new Error(
      `no stack among ${stacks.join(", ") || "(none)"} has a first model that follows an alias; pass --stack`,
    );
  }
  return withAlias;
}
const STACK = sandboxStack(process.argv.slice(2));
const TYPE = MODEL_DEPLOYMENT_TYPE;
const API_KEY = "sandbox-admin-key";

const out = (line = "") => process.stdout.write(`${line}\n`);
const step = (title: string) => out(`\n==> ${title}`);
const indent = (text: string, prefix = "    ") =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => `${prefix}${l}`)
    .join("\n");

interface Sandbox {
  root: string;
  triton: TritonHandle;
  mlflow: MlflowHandle;
  config: StackConfig;
  host?: ProviderHost;
}

async function main(): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), "triton-serving-sandbox-"));
  step("Start the Triton- and MLflow-compatible servers on loopback");
  const [triton, mlflow] = await Promise.all([
    startTritonServer({
      modelRepository: root,
      modelControlMode: "explicit",
      exitOnError: false,
      strictReadiness: false,
      httpRestrictedApi: [`model-repository,model-config:triton-admin-key=${API_KEY}`],
      metricsConfig: ["summary_latencies=true"],
    }),
    startMlflowServer(),
  ]);
  out(
    `    Triton  ${triton.httpUrl} (metrics ${triton.metricsUrl ?? "off"}), model repository ${root}`,
  );
  out(`    MLflow  ${mlflow.url}`);
  const sandbox: Sandbox = { root, triton, mlflow, config: sandboxConfig(root, triton, mlflow) };
  try {
    return await run(sandbox);
  } finally {
    await sandbox.host?.close();
    await Promise.allSettled([triton.stop(), mlflow.close()]);
    rmSync(root, { recursive: true, force: true });
  }
}

async function run(s: Sandbox): Promise<number> {
  const model = s.config.models[0]!;
  const name = model.name;
  const urn = `urn:pulumi:${STACK}::triton-serving::${TYPE}::model-${name}`;
  let failures = 0;
  const expect = (ok: boolean, what: string) => {
    out(`    ${ok ? "ok  " : "FAIL"} ${what}`);
    if (!ok) failures++;
  };

  step(
    `Publish version 1 of '${model.registeredModel}' to MLflow and point alias ${model.alias} at it`,
  );
  await publish(s, model.registeredModel, batchableModel({ variant: 1 }), model.alias!);

  step("pulumi preview: the program run as the engine runs it (a mocked resource monitor)");
  const captured = await previewProgram(s);
  out(
    `    ${TYPE} model-${name}: version ${String(captured.inputs.version)} (alias ${model.alias})`,
  );
  out(
    `    __provider: ${captured.providerText.length} characters of JS; it loads the core from the project at run time`,
  );

  step("Start Pulumi's dynamic-provider host as the engine does (plugin shim, engine's directory)");
  const lines: string[] = [];
  s.host = await startProviderHost({
    projectRoot: PROJECT_DIR,
    providerText: captured.providerText,
    onOutput: (_stream, text) => lines.push(...text.split("\n").filter((l) => l.trim() !== "")),
  });
  const host = s.host;
  await host.configure({ "triton-serving:tritonApiKey": secret(API_KEY) });
  out(`    host on 127.0.0.1:${host.port}, @pulumi/pulumi ${await host.pluginVersion()}`);
  const flush = () => {
    for (const line of lines.splice(0)) out(`    | ${line}`);
  };

  step("pulumi up: create — deploy version 1");
  let inputs = captured.inputs;
  await host.check(urn, {}, { ...inputs });
  const created = await host.create(urn, { ...inputs });
  flush();
  let state = created.properties;
  printState(state);
  expect(state.version === "1" && state.servedVersion === "1", "version 1 committed and served");
  expect(
    (await production(s.triton, name)) === 1,
    "a version-less request is answered by version 1",
  );

  step(`Promote: alias ${model.alias} moves to version 2 in MLflow; preview, then up`);
  await publish(s, model.registeredModel, batchableModel({ variant: 2 }), model.alias!);
  inputs = await previewInputs(s.config);
  printPreview(urn, state, inputs, await host.diff(name, urn, state, { ...inputs }));
  await host.check(urn, state, { ...inputs });
  state = (await host.update(name, urn, state, { ...inputs })).properties;
  flush();
  printState(state);
  expect(
    state.version === "2" && state.previousVersion === "1",
    "version 2 committed (previous 1)",
  );
  expect(
    (await production(s.triton, name)) === 2,
    "a version-less request is answered by version 2",
  );

  step("Try a broken version 3 (retrained: 5 classes, no batch dimension; the config says [-1,3])");
  await publish(s, model.registeredModel, outputShapeChangedModel({ variant: 3 }), model.alias!);
  inputs = await previewInputs(s.config);
  printPreview(urn, state, inputs, await host.diff(name, urn, state, { ...inputs }));
  const before = readFileSync(join(s.root, name, "current.json"), "utf8");
  try {
    await host.update(name, urn, state, { ...inputs });
    flush();
    expect(false, "the update of version 3 fails");
  } catch (error) {
    flush();
    if (!(error instanceof HostRpcError)) throw error;
    out(indent(`error: ${error.details}`, "    ! "));
    expect(
      true,
      "`pulumi up` fails with the transaction's message; Pulumi keeps the version 2 state",
    );
  }
  const after = readFileSync(join(s.root, name, "current.json"), "utf8");
  expect(after === before, "current.json is byte-identical to before the attempt");
  expect((await production(s.triton, name)) === 2, "version 2 still serves");

  step(`${name}/current.json`);
  out(indent(after));
  step(`${name}/history.jsonl`);
  out(indent(readFileSync(join(s.root, name, "history.jsonl"), "utf8")));
  step(`Triton metrics for model="${name}"`);
  out(indent(await metricLines(s.triton, name)));

  step(
    failures === 0
      ? "Sandbox OK: version 2 serves; broken version 3 was rolled back"
      : `Sandbox FAILED: ${failures} check(s)`,
  );
  return failures === 0 ? 0 : 1;
}

/** The stack's config pointed at the loopback servers, with the fixture's tensor name. */
function sandboxConfig(root: string, triton: TritonHandle, mlflow: MlflowHandle): StackConfig {
  const config = readStackConfig(PROJECT_DIR, STACK);
  config.storage.localMountPath = root;
  config.deploy.tritonEndpoints = [triton.httpUrl];
  config.mlflow.trackingUri = mlflow.url;
  const model = config.models[0]!;
  model.inputs = [{ name: CLASSIFIER_INPUT, dataType: "TYPE_FP32", dims: [IRIS_FEATURES] }];
  model.smoke = { requests: 5, p95BudgetMs: 5_000 };
  config.models = [model];
  return config;
}

async function publish(s: Sandbox, name: string, onnx: Uint8Array, alias: string): Promise<void> {
  const published = await publishOnnxModel(s.mlflow.url, {
    name,
    files: { "model.onnx": onnx },
    layout: "logged-model",
    alias,
    sha256Tag: true,
  });
  out(
    `    ${name} version ${published.version} (run ${published.runId}, sha256 ${published.modelSha256?.slice(0, 12)}…) ← alias ${alias}`,
  );
}

/**
 * `pulumi preview` of the whole program for the sandbox's stack, run as the engine runs it
 * (test/support/engine): the ModelDeployment's inputs and the `__provider` text it serialised.
 */
async function previewProgram(
  s: Sandbox,
): Promise<{ providerText: string; inputs: ModelDeploymentInputs }> {
  const values = stackFileValues(STACK);
  const model = s.config.models[0]!;
  const [first] = values.models as Record<string, unknown>[];
  values.models = [{ ...first, inputs: model.inputs, smoke: model.smoke }];
  values.storage = { ...(values.storage as object), localMountPath: s.root };
  values.deploy = { ...(values.deploy as object), tritonEndpoints: [s.triton.httpUrl] };
  values.mlflow = { ...(values.mlflow as object), trackingUri: s.mlflow.url };
  const run = await runStack({ stack: STACK, values, secrets: testSecrets(STACK), preview: true });
  if (!run.ok) throw new Error(`pulumi preview failed: ${run.error}`);
  const captured = run.resources.find((r) => r.type === TYPE)?.inputs;
  if (captured === undefined || typeof captured.__provider !== "string") {
    throw new Error("the program registered no ModelDeployment with a serialised provider");
  }
  const { __provider: providerText, ...inputs } = captured;
  return {
    providerText: providerText,
    inputs: inputs as unknown as ModelDeploymentInputs,
  };
}

async function previewInputs(config: StackConfig): Promise<ModelDeploymentInputs> {
  const model = config.models[0]!;
  return modelDeploymentInputs(config, model, await resolveModelVersion(config, model, {}));
}

function printPreview(
  urn: string,
  state: Props,
  inputs: ModelDeploymentInputs,
  diff: { changes: string; replaces: string[] },
): void {
  const op = diff.replaces.length > 0 ? "+-" : diff.changes === "some" ? "~ " : "  ";
  out(
    `    pulumi preview: ${op} ${urn.split("::").pop()} (${diff.changes === "some" ? "update" : "no change"})`,
  );
  for (const key of ["version", "runId"] as const) {
    if (state[key] !== inputs[key]) {
      out(`        ${key}: ${JSON.stringify(state[key])} => ${JSON.stringify(inputs[key])}`);
    }
  }
}

function printState(state: Props): void {
  const keys = ["version", "runId", "sha256", "committedAt", "previousVersion", "servedVersion"];
  out("    outputs:");
  for (const key of keys) out(`      ${key}: ${JSON.stringify(state[key])}`);
}

/** One version-less inference request, as production traffic sends it; the version that answered. */
async function production(triton: TritonHandle, model: string): Promise<number | undefined> {
  const res = await request(`${triton.httpUrl}/v2/models/${model}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      inputs: [
        {
          name: CLASSIFIER_INPUT,
          datatype: "FP32",
          shape: [1, IRIS_FEATURES],
          data: [5.1, 3.5, 1.4, 0.2],
        },
      ],
    }),
  });
  const body = (await res.body.json()) as { model_version?: string };
  return res.statusCode === 200 ? Number(body.model_version) : undefined;
}

async function metricLines(triton: TritonHandle, model: string): Promise<string> {
  if (triton.metricsUrl === undefined) return "(metrics off)";
  const res = await request(`${triton.metricsUrl}/metrics`);
  const text = await res.body.text();
  // Counters and gauges, plus the p95 of the request-latency summary (the other quantiles and
  // summaries would drown them).
  return text
    .split("\n")
    .filter((l) => !l.startsWith("#") && l.includes(`model="${model}"`))
    .filter((l) => !l.includes("_summary_us") || /request_summary_us\{.*quantile="0\.95"/.test(l))
    .join("\n");
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
