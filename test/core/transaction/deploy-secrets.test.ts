// Invariant 5: no secret (the MLflow token or basic-auth password, the Triton restricted-API key)
// appears in current.json, history.jsonl, any other repository file, any progress line, the
// result or the error.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { createProgressFormatter, DeploymentError, deployModel } from "../../../src/core";
import { corruptModel, irisModel } from "../../support/onnx/fixtures";
import { API_KEY, irisRequest, publish, startBench, type Bench } from "./harness";

const TOKEN = "mlflow-token-5ecr3t-value";
const USER = { username: "deployer", password: "mlflow-basic-pa55word-value" };

async function allText(dir: string): Promise<string> {
  let text = "";
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += await readFile(join(entry.parentPath, entry.name), "latin1");
  }
  return text;
}

/**
 * A committed and a rolled-back deployment through every progress format; returns everything
 * they left behind: the progress lines, the result, the error and every repository file.
 */
async function deployGoodThenBad(bench: Bench): Promise<string> {
  let log = "";
  const sinks = [
    createProgressFormatter({ write: (t: string) => (log += t) }, { format: "json" }),
    createProgressFormatter({ write: (t: string) => (log += t) }, { format: "logfmt" }),
    createProgressFormatter({ write: (t: string) => (log += t), isTTY: true }),
  ];
  const onProgress = (e: Parameters<(typeof sinks)[0]>[0]) => sinks.forEach((s) => s(e));
  const good = await publish(bench, irisModel({ variant: 1 }));
  const result = await deployModel(bench.env, irisRequest(good.version), { onProgress });
  assert.equal(result.outcome, "committed");
  const bad = await publish(bench, corruptModel());
  const error = await deployModel(bench.env, irisRequest(bad.version), { onProgress }).catch(
    (e: unknown) => e,
  );
  assert.ok(error instanceof DeploymentError);
  assert.equal(error.step, "validate");
  assert.ok(log.includes("step=commit"), "the progress lines were captured");
  return [
    log,
    JSON.stringify(result),
    error.message,
    JSON.stringify(error.result),
    await allText(bench.root),
  ].join("\n");
}

void describe("no secret reaches files, logs or results", () => {
  void test("MLflow with a bearer token", async () => {
    const bench = await startBench({ mlflowToken: TOKEN });
    try {
      const everything = await deployGoodThenBad(bench);
      for (const secret of [TOKEN, API_KEY]) {
        assert.equal(everything.includes(secret), false, secret);
      }
    } finally {
      await bench.close();
    }
  });

  void test("MLflow requiring basic auth (user and password)", async () => {
    const bench = await startBench({ mlflowUser: USER });
    try {
      const everything = await deployGoodThenBad(bench);
      const header = Buffer.from(`${USER.username}:${USER.password}`).toString("base64");
      for (const secret of [USER.password, header, API_KEY]) {
        assert.equal(everything.includes(secret), false, secret);
      }
    } finally {
      await bench.close();
    }
  });
});
