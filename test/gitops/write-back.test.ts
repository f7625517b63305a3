// MLflow write-back (issue 13 point 4) against the MLflow-compatible server with per-credential
// permissions (MLflow's basic-auth app: a READ credential gets 403 `Permission denied` on writes,
// mlflow-contract.md §4 "Non-JSON errors", §5): a deployer that may write and a read-only token.
// The core step itself, then the CLI and the provider calling it after the transaction returned:
// a refused write is a warning and the deployment stands.
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { runModelCli } from "../../src/cli/model";
import {
  DeploymentError,
  registryOutcomeOf,
  writeBackDeployment,
  type DeploymentResult,
} from "../../src/core";
import { deployWithCore } from "../../src/provider/core-bridge";
import { readProviderSecrets } from "../../src/provider/secrets";
import type { ModelDeploymentInputs } from "../../src/provider/state";
import { closedPort } from "../support/closed-port";
import { startMlflowServer, type MlflowHandle } from "../support/mlflow";
import { publishOnnxModel } from "../support/mlflow/seed";
import { irisModel } from "../support/onnx/fixtures";
import type { TritonHandle } from "../support/triton";
import { API_KEY, startTriton } from "../core/transaction/harness";
import { sampleInputs } from "../provider/fixtures";

const REPO = join(__dirname, "..", "..");
const DEPLOYER = { username: "deployer", password: "deployer-pw" };
const READER = "read-only-token";
const NAME = "iris-classifier";
const SET_ALIAS = "/api/2.0/mlflow/registered-models/alias";

let mlflow: MlflowHandle;
let versions: string[];

before(async () => {
  mlflow = await startMlflowServer({
    auth: { users: [DEPLOYER], tokens: [{ token: READER, permission: "READ" }] },
  });
  versions = [];
  for (const variant of [1, 2]) {
    const published = await publishOnnxModel(mlflow.url, {
      name: NAME,
      files: { "model.onnx": irisModel({ variant }) },
      layout: "run-artifacts",
      sha256Tag: true,
      auth: DEPLOYER,
      alias: "champion",
    });
    versions.push(published.version);
  }
});
after(async () => {
  await mlflow.close();
});

const asDeployer = () => ({
  trackingUri: mlflow.url,
  auth: { kind: "basic" as const, ...DEPLOYER },
});
const asReader = () => ({
  trackingUri: mlflow.url,
  auth: { kind: "bearer" as const, token: READER },
});

/** The version as MLflow returns it now: its tags (key → value) and aliases. */
async function registryView(version: string) {
  const auth = Buffer.from(`${DEPLOYER.username}:${DEPLOYER.password}`).toString("base64");
  const res = await fetch(
    `${mlflow.url}/api/2.0/mlflow/model-versions/get?name=${NAME}&version=${version}`,
    { headers: { authorization: `Basic ${auth}` } },
  );
  const body = (await res.json()) as {
    model_version: { tags?: { key: string; value: string }[]; aliases?: string[] };
  };
  const tags = Object.fromEntries(
    (body.model_version.tags ?? [])
      .filter((t) => t.key.startsWith("triton."))
      .map((t) => [t.key, t.value]),
  );
  return { tags, aliases: body.model_version.aliases ?? [] };
}

const committed = (version: string, p95Ms: number | undefined) => ({
  outcome: "committed" as const,
  registeredModel: NAME,
  version,
  committedAt: "2026-12-04T10:00:00.000Z",
  p95Ms,
});

void describe("the write-back step (src/core/writeback)", () => {
  void test("on commit: deployed_at and verified_p95_ms tags, and the alias <env>-serving", async () => {
    const report = await writeBackDeployment(
      { environment: "staging", mlflow: asDeployer() },
      committed(versions[0]!, 12.3456),
    );
    assert.deepEqual(report, {
      written: [
        "tag triton.staging.deployed_at=2026-12-04T10:00:00.000Z",
        "tag triton.staging.verified_p95_ms=12.35",
        `alias staging-serving→${versions[0]}`,
      ],
      warnings: [],
    });
    assert.deepEqual(await registryView(versions[0]!), {
      tags: {
        "triton.staging.deployed_at": "2026-12-04T10:00:00.000Z",
        "triton.staging.verified_p95_ms": "12.35",
      },
      aliases: ["staging-serving"],
    });
  });

  void test("on failure: failed_at and the reason", async () => {
    const report = await writeBackDeployment(
      { environment: "qa", mlflow: asDeployer() },
      {
        outcome: "failed",
        registeredModel: NAME,
        version: versions[1]!,
        failedAt: "2026-12-04T11:00:00.000Z",
        reason: "validate: input 'input' has shape [1,4] in the ONNX graph, config says [4]",
      },
    );
    assert.deepEqual(report.warnings, []);
    assert.deepEqual((await registryView(versions[1]!)).tags, {
      "triton.qa.failed_at": "2026-12-04T11:00:00.000Z",
      "triton.qa.failure":
        "validate: input 'input' has shape [1,4] in the ONNX graph, config says [4]",
    });
  });

  void test("a read-only token: every write refused is a warning, nothing thrown, nothing written", async () => {
    const before = await registryView(versions[1]!);
    const report = await writeBackDeployment(
      { environment: "ro", mlflow: asReader() },
      committed(versions[1]!, undefined),
    );
    const refused = (what: string, call: string) =>
      `MLflow write-back of ${NAME} version ${versions[1]}: ${what} was refused (${call} failed: ` +
      "Permission denied (HTTP 403: MLflow refused these credentials access; set " +
      "MLFLOW_TRACKING_TOKEN (or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) to " +
      "credentials that may write this registered model)); the deployment itself stands";
    assert.deepEqual(report, {
      written: [],
      warnings: [
        refused(
          "tag triton.ro.deployed_at=2026-12-04T10:00:00.000Z",
          `setting tag triton.ro.deployed_at on model version ${NAME}/${versions[1]}`,
        ),
        refused(
          `alias ro-serving→${versions[1]}`,
          `setting alias ro-serving of ${NAME} to version ${versions[1]}`,
        ),
      ],
    });
    assert.deepEqual(await registryView(versions[1]!), before);
  });

  void test("MLflow down: a warning per write, nothing thrown", async () => {
    const port = await closedPort();
    const report = await writeBackDeployment(
      { environment: "down", mlflow: { trackingUri: `http://127.0.0.1:${port}` } },
      { ...committed("3", undefined), outcome: "unchanged" },
    );
    assert.deepEqual(report, {
      written: [],
      warnings: [
        `MLflow write-back of ${NAME} version 3: alias down-serving→3 was refused (setting alias ` +
          `down-serving of ${NAME} to version 3 failed: POST http://127.0.0.1:${port}${SET_ALIAS} failed: ` +
          `connect ECONNREFUSED 127.0.0.1:${port} (ECONNREFUSED) (after 2 attempts)); the deployment itself stands`,
      ],
    });
  });

  void test("what is written for the transaction's result or error", () => {
    const now = () => new Date("2026-12-04T12:00:00.000Z");
    const result = { outcome: "committed", verification: { p95Ms: 7 } } as DeploymentResult;
    assert.deepEqual(
      registryOutcomeOf({ registeredModel: NAME, version: "4" }, { result, committedAt: "T" }, now),
      { outcome: "committed", registeredModel: NAME, version: "4", committedAt: "T", p95Ms: 7 },
    );
    const error = new DeploymentError({
      model: "iris",
      version: "4",
      step: "smoke",
      cause: new Error("p95 310 ms exceeds the budget of 250 ms"),
      serving: { committedVersion: "3", endpoints: [] },
      rollbackFailed: false,
    });
    assert.deepEqual(registryOutcomeOf({ registeredModel: NAME, version: "4" }, { error }, now), {
      outcome: "failed",
      registeredModel: NAME,
      version: "4",
      failedAt: "2026-12-04T12:00:00.000Z",
      reason: "smoke: p95 310 ms exceeds the budget of 250 ms",
    });
  });
});

void describe("called after the transaction returned", () => {
  let root: string;
  let triton: TritonHandle;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "write-back-repo-"));
    triton = await startTriton(root, []);
  });
  after(async () => {
    await triton.stop();
    await rm(root, { recursive: true, force: true });
  });

  /** ModelDeployment inputs of model `iris` on this Triton and MLflow, as the deployer. */
  const providerInputs = (over: Partial<ModelDeploymentInputs>) =>
    sampleInputs({
      modelName: "iris",
      repositoryRoot: root,
      runId: "",
      tritonEndpoints: [triton.httpUrl],
      mlflowTrackingUri: mlflow.url,
      mlflowUsername: DEPLOYER.username,
      smoke: { requests: 2 },
      timeouts: {
        tritonRequestMs: 5000,
        tritonLoadMs: 10000,
        tritonReadyMs: 3000,
        mlflowRequestMs: 5000,
      },
      ...over,
    });

  void test("the CLI with a read-only token: committed, exit 0, the refusals on stderr", async () => {
    const project = await mkdtemp(join(tmpdir(), "write-back-project-"));
    await copyFile(join(REPO, "Pulumi.yaml"), join(project, "Pulumi.yaml"));
    const dev = parse(await readFile(join(REPO, "Pulumi.dev.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    dev.config["triton-serving:models"] = [
      {
        name: "iris",
        registeredModel: NAME,
        version: versions[0],
        inputs: [{ name: "input", dataType: "TYPE_FP32", dims: [1, 4] }],
        outputs: [{ name: "probabilities", dataType: "TYPE_FP32", dims: [1, 3] }],
        smoke: { requests: 2 },
      },
    ];
    await writeFile(join(project, "Pulumi.wb.yaml"), stringify(dev));
    let stdout = "";
    let stderr = "";
    const code = await runModelCli(["deploy", "--stack", "wb"], {
      env: {
        TRITON_SERVING_TRITON_URLS: triton.httpUrl,
        TRITON_SERVING_REPOSITORY_ROOT: root,
        MLFLOW_TRACKING_URI: mlflow.url,
        MLFLOW_TRACKING_TOKEN: READER,
        TRITON_API_KEY: API_KEY,
        TRITON_SERVING_READY_TIMEOUT_MS: "3000",
      },
      cwd: project,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t), isTTY: false },
    });
    await rm(project, { recursive: true, force: true });
    assert.equal(code, 0, stderr);
    const current = JSON.parse(await readFile(join(root, "iris", "current.json"), "utf8"));
    assert.equal(current.active_version, versions[0]);
    assert.equal(
      stdout.startsWith(`iris: committed version ${versions[0]} (first deployment)`),
      true,
    );
    const p95 = String(Math.round(current.verification.p95_ms * 100) / 100);
    const refused = (what: string, call: string) =>
      `warning: MLflow write-back of ${NAME} version ${versions[0]}: ${what} was refused (${call} ` +
      "failed: Permission denied (HTTP 403: MLflow refused these credentials access; set MLFLOW_TRACKING_TOKEN (or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) to credentials that may write this registered model)); the deployment itself stands";
    const tagCall = (key: string) => `setting tag ${key} on model version ${NAME}/${versions[0]}`;
    assert.deepEqual(
      stderr.split("\n").filter((l) => l.startsWith("warning: ")),
      [
        refused(
          `tag triton.dev.deployed_at=${current.updated_at_utc}`,
          tagCall("triton.dev.deployed_at"),
        ),
        refused(`tag triton.dev.verified_p95_ms=${p95}`, tagCall("triton.dev.verified_p95_ms")),
        refused(
          `alias dev-serving→${versions[0]}`,
          `setting alias dev-serving of ${NAME} to version ${versions[0]}`,
        ),
      ],
    );
  });

  void test("the provider as the deployer: the registry names the deployed version", async () => {
    const secrets = readProviderSecrets(
      (key) =>
        ({
          environment: "prov",
          mlflow: JSON.stringify({ trackingUri: mlflow.url, username: DEPLOYER.username }),
          tritonApiKey: API_KEY,
          mlflowTrackingPassword: DEPLOYER.password,
        })[key],
      {},
    );
    assert.deepEqual(secrets.writeBack, { environment: "prov" });
    const lines: string[] = [];
    const outcome = await deployWithCore(
      secrets,
      providerInputs({ version: versions[1]! }),
      (line) => lines.push(line),
    );
    assert.equal(outcome.servedVersion, versions[1]);
    const view = await registryView(versions[1]!);
    assert.deepEqual(view.aliases.includes("prov-serving"), true);
    assert.equal(view.tags["triton.prov.deployed_at"], outcome.committedAt);
    assert.deepEqual(
      lines.filter((l) => l.includes("step=write-back")),
      [
        `model=iris step=write-back status=ok detail="tag triton.prov.deployed_at=${outcome.committedAt}"`,
        `model=iris step=write-back status=ok detail="tag triton.prov.verified_p95_ms=${view.tags["triton.prov.verified_p95_ms"]}"`,
        `model=iris step=write-back status=ok detail="alias prov-serving→${versions[1]}"`,
      ],
    );
  });

  void test("the provider after a failed deploy: the reason is tagged, up still fails", async () => {
    const secrets = readProviderSecrets(
      (key) =>
        ({
          environment: "provfail",
          tritonApiKey: API_KEY,
          mlflowTrackingPassword: DEPLOYER.password,
        })[key],
      {},
    );
    const failing = deployWithCore(
      secrets,
      providerInputs({
        version: versions[0]!,
        // The graph's input is [1,4]: validate refuses [4] before Triton is touched.
        tritonConfig: {
          maxBatchSize: 0,
          inputs: [{ name: "input", dataType: "TYPE_FP32", dims: [4] }],
          outputs: [{ name: "probabilities", dataType: "TYPE_FP32", dims: [1, 3] }],
          instanceGroup: { kind: "KIND_CPU", count: 1 },
        },
      }),
      () => undefined,
    );
    const error = await failing.then(
      () => assert.fail("the deploy should fail at validate"),
      (e: unknown) => e,
    );
    assert.equal(error instanceof DeploymentError && error.step, "validate");
    const tags = (await registryView(versions[0]!)).tags;
    assert.equal(
      tags["triton.provfail.failure"],
      `validate: ${((error as DeploymentError).cause as Error).message}`,
    );
    assert.equal(typeof tags["triton.provfail.failed_at"], "string");
  });

  void test("write-back off for the stack: the provider writes nothing", () => {
    const secrets = readProviderSecrets(
      (key) =>
        ({
          environment: "off",
          mlflow: JSON.stringify({ trackingUri: mlflow.url, writeBack: false }),
        })[key],
      {},
    );
    assert.equal("writeBack" in secrets, false);
  });
});
