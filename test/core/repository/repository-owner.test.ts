// Issue 15, case 1: a dev stack whose storage.nfsPath/localMountPath equal prod's must not take
// over prod. The CLI refuses a stack file that shares prod's repository path in the same project
// directory; from another checkout (which cannot see prod's stack file) the repository's owner
// record refuses it. Either way nothing of prod changes: every file under the repository is
// compared byte for byte, and Triton keeps serving prod's version.
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { runCli } from "../../cli/cli-project";
import { unloadModel } from "../../../src/core";
import { irisModel } from "../../support/onnx/fixtures";
import {
  API_KEY,
  MODEL,
  publish,
  readyVersions,
  REGISTERED,
  startBench,
  type Bench,
} from "../transaction/harness";

const REPO = join(__dirname, "..", "..", "..");
const OTHER_REGISTERED = "dev-classifier";

/** Every file under `dir` (relative path → bytes, base64). */
async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length + 1)] = (await readFile(path)).toString("base64");
  }
  return out;
}

/** Pulumi.<stack>.yaml from the repository's own stack file, with the iris model and `over`. */
async function writeStack(
  dir: string,
  stack: string,
  from: "dev" | "prod",
  registeredModel: string,
  storage?: Record<string, unknown>,
): Promise<void> {
  const doc = parse(await readFile(join(REPO, `Pulumi.${from}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  doc.config["triton-serving:models"] = [
    {
      name: MODEL,
      registeredModel,
      alias: "champion",
      maxBatchSize: 0,
      inputs: [{ name: "input", dataType: "TYPE_FP32", dims: [1, 4] }],
      outputs: [{ name: "probabilities", dataType: "TYPE_FP32", dims: [1, 3] }],
      smoke: { requests: 1 },
    },
  ];
  if (storage !== undefined) doc.config["triton-serving:storage"] = storage;
  await writeFile(join(dir, `Pulumi.${stack}.yaml`), stringify(doc));
}

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "owner-project-"));
  await copyFile(join(REPO, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  return dir;
}

void describe("a model repository belongs to one stack", () => {
  let bench: Bench;
  let env: Record<string, string>;
  let prodProject: string;
  let prodVersion: string;
  let prodStorage: Record<string, unknown>;

  before(async () => {
    bench = await startBench();
    env = {
      TRITON_SERVING_TRITON_URLS: bench.tritons.map((t) => t.httpUrl).join(","),
      TRITON_SERVING_REPOSITORY_ROOT: bench.root,
      MLFLOW_TRACKING_URI: bench.mlflow.url,
      TRITON_API_KEY: API_KEY,
      TRITON_SERVING_READY_TIMEOUT_MS: "3000",
    };
    prodVersion = (await publish(bench, irisModel({ variant: 1 }), { alias: "champion" })).version;
    await publish(bench, irisModel({ variant: 2 }), {
      alias: "champion",
      registeredModel: OTHER_REGISTERED,
    });
    prodProject = await project();
    await writeStack(prodProject, "prod", "prod", REGISTERED);
    const prod = parse(await readFile(join(REPO, "Pulumi.prod.yaml"), "utf8")) as {
      config: Record<string, Record<string, unknown>>;
    };
    prodStorage = prod.config["triton-serving:storage"]!;
  });
  after(async () => {
    await bench.close();
  });

  const cli = (argv: string[], cwd: string) => runCli(argv, env, cwd);

  void test("prod's first deploy records prod as the owner", async () => {
    const r = await cli(["deploy", "--stack", "prod"], prodProject);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(await readFile(join(bench.root, ".triton-serving-owner.json"), "utf8")),
      { project: "triton-serving", stack: "prod", namespace: "triton-prod" },
    );
    assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(prodVersion)]);
  });

  void test("a dev stack file beside prod's with prod's repository path is refused (exit 2), nothing changes", async () => {
    await writeStack(prodProject, "dev", "dev", OTHER_REGISTERED, prodStorage);
    const before = await snapshotTree(bench.root);
    const r = await cli(["deploy", "--stack", "dev"], prodProject);
    assert.equal(r.code, 2);
    const prodFile = join(prodProject, "Pulumi.prod.yaml");
    assert.equal(
      r.stderr,
      `error: invalid stack config (stack dev):\n` +
        `  - storage.nfsPath: ${String(prodStorage.nfsServer)}:${String(prodStorage.nfsPath)} is also stack prod's (${prodFile}); expected a value of stack dev's own — two stacks sharing it deploy over each other's models\n` +
        `  - storage.localMountPath: ${String(prodStorage.localMountPath)} is also stack prod's (${prodFile}); expected a value of stack dev's own — two stacks sharing it deploy over each other's models\n`,
    );
    assert.deepEqual(await snapshotTree(bench.root), before);
    assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(prodVersion)]);
  });

  void test("dev from another checkout, pointed at prod's repository: the owner record refuses deploy and unload, nothing changes", async () => {
    const devProject = await project();
    await writeStack(devProject, "dev", "dev", OTHER_REGISTERED, prodStorage);
    const before = await snapshotTree(bench.root);
    const owner = join(bench.root, ".triton-serving-owner.json");
    const refusal = (operation: string) =>
      `model repository ${bench.root} belongs to project triton-serving, stack prod, namespace triton-prod (recorded in ${owner}); this ${operation} is from project triton-serving, stack dev, namespace triton-dev; expected each stack to have its own repository: point storage.nfsPath and storage.localMountPath of stack dev at a directory of its own (if the repository really moved to stack dev, remove ${owner} first)`;

    const r = await cli(["deploy", "--stack", "dev"], devProject);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.split("\n").find((l) => l.startsWith(`${MODEL}: `)),
      `${MODEL}: deploy of model 'iris' version 1 failed at step 'lock': ${refusal("deploy")} — nothing was changed; committed version ${prodVersion}; serving ${bench.tritons[0]!.httpUrl}: version ${prodVersion}`,
    );
    await assert.rejects(
      unloadModel(
        {
          repositoryRoot: bench.root,
          tritonEndpoints: bench.env.tritonEndpoints,
          mlflow: bench.env.mlflow,
          ...(bench.env.restrictedApi ? { restrictedApi: bench.env.restrictedApi } : {}),
          repositoryOwner: { project: "triton-serving", stack: "dev", namespace: "triton-dev" },
        },
        MODEL,
      ),
      { message: refusal("unload") },
    );
    assert.deepEqual(await snapshotTree(bench.root), before);
    assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(prodVersion)]);
  });
});
