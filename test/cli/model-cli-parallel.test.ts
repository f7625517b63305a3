// `npm run model -- deploy` with several models deploys them side by side, PARALLEL_DEPLOYMENTS
// at a time (they are independent: each holds its own lock and writes under its own
// directories), and still prints one line per model in the stack's order.
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { runModelCli } from "../../src/cli/model";
import { PARALLEL_DEPLOYMENTS } from "../../src/core";
import { irisModel } from "../support/onnx/fixtures";
import {
  API_KEY,
  publish,
  readyVersions,
  REGISTERED,
  startBench,
  type Bench,
} from "../core/transaction/harness";

const REPO = join(__dirname, "..", "..");
const MODELS = ["iris_a", "iris_b", "iris_c", "iris_d", "iris_e", "iris_f"];

async function makeProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cli-parallel-"));
  await copyFile(join(REPO, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  const dev = parse(await readFile(join(REPO, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  dev.config["triton-serving:models"] = MODELS.map((name) => ({
    name,
    registeredModel: REGISTERED,
    alias: "champion",
    maxBatchSize: 0,
    inputs: [{ name: "input", dataType: "TYPE_FP32", dims: [1, 4] }],
    outputs: [{ name: "probabilities", dataType: "TYPE_FP32", dims: [1, 3] }],
    smoke: { requests: 1 },
  }));
  await writeFile(join(dir, "Pulumi.many.yaml"), stringify(dev));
  return dir;
}

void describe("npm run model -- deploy, several models", () => {
  let bench: Bench;
  let project: string;
  before(async () => {
    bench = await startBench();
    project = await makeProject();
  });
  after(async () => {
    await bench.close();
    await rm(project, { recursive: true, force: true });
  });

  void test(`${PARALLEL_DEPLOYMENTS} at a time, lines in the stack's model order`, async () => {
    const v = await publish(bench, irisModel({ variant: 3 }), { alias: "champion" });
    let stdout = "";
    let stderr = "";
    const code = await runModelCli(["deploy", "--stack", "many"], {
      env: {
        TRITON_SERVING_TRITON_URLS: bench.tritons.map((t) => t.httpUrl).join(","),
        TRITON_SERVING_REPOSITORY_ROOT: bench.root,
        MLFLOW_TRACKING_URI: bench.mlflow.url,
        TRITON_API_KEY: API_KEY,
        TRITON_SERVING_READY_TIMEOUT_MS: "3000",
      },
      cwd: project,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t), isTTY: false },
    });
    assert.equal(code, 0, stderr);
    assert.deepEqual(
      stdout
        .trim()
        .split("\n")
        .map((line) => line.split(":")[0]),
      MODELS,
    );
    for (const m of MODELS) {
      assert.deepEqual(readyVersions(bench.tritons[0]!, m), [Number(v.version)]);
    }
    // The progress lines show the overlap: the first PARALLEL_DEPLOYMENTS models all took their
    // lock before any model committed, and the others only after one had finished.
    const events = stderr
      .split("\n")
      .map((line) => /model=(\S+) step=(lock|commit) status=ok/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]} ${m[2]}`);
    const firstCommit = events.findIndex((e) => e.endsWith(" commit"));
    assert.deepEqual(
      events.slice(0, firstCommit).sort(),
      MODELS.slice(0, PARALLEL_DEPLOYMENTS).map((m) => `${m} lock`),
    );
    assert.equal(events.length, 2 * MODELS.length);
  });
});
