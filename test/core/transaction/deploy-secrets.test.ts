// Invariant 5: no secret (the MLflow token, the Triton restricted-API key) appears in current.json,
// history.jsonl, any other repository file, any progress line, the result or the error.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createProgressFormatter, DeploymentError, deployModel } from "../../../src/core";
import { corruptModel, irisModel } from "../../support/onnx/fixtures";
import { API_KEY, irisRequest, publish, startBench, type Bench } from "./harness";

const TOKEN = "mlflow-token-5ecr3t-value";

async function allText(dir: string): Promise<string> {
  let text = "";
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += await readFile(join(entry.parentPath, entry.name), "latin1");
  }
  return text;
}

void describe("no secret reaches files, logs or results", () => {
  let bench: Bench;
  before(async () => {
    bench = await startBench({ mlflowToken: TOKEN });
  });
  after(async () => {
    await bench.close();
  });

  void test("a committed and a rolled-back deployment with an authenticated MLflow", async () => {
    let log = "";
    const sinks = [
      createProgressFormatter({ write: (t: string) => (log += t) }, { format: "json" }),
      createProgressFormatter({ write: (t: string) => (log += t) }, { format: "logfmt" }),
      createProgressFormatter({ write: (t: string) => (log += t), isTTY: true }),
    ];
    const onProgress = (e: Parameters<(typeof sinks)[0]>[0]) => sinks.forEach((s) => s(e));
    const good = await publish(bench, irisModel({ variant: 1 }));
    const result = await deployModel(bench.env, irisRequest(good.version), { onProgress });
    const bad = await publish(bench, corruptModel());
    const error = await deployModel(bench.env, irisRequest(bad.version), { onProgress }).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof DeploymentError);
    const everything = [
      log,
      JSON.stringify(result),
      error.message,
      JSON.stringify(error.result),
      await allText(bench.root),
    ].join("\n");
    assert.ok(log.includes("step=commit"), "the progress lines were captured");
    for (const secret of [TOKEN, API_KEY]) assert.equal(everything.includes(secret), false, secret);
  });
});
