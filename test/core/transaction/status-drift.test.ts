// Drift is judged by version AND sha256 (issue 15 point 3): a committed version directory whose
// model.onnx no longer has current.json's sha256 is drift, even while every pod reports the
// committed version number ready — a restarted pod would load those other bytes.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { deployModel, readModelStatus } from "../../../src/core";
import { irisModel } from "../../support/onnx/fixtures";
import { irisRequest, MODEL, publish, startBench, type Bench } from "./harness";

void describe("readModelStatus", () => {
  let bench: Bench;
  let committed: { version: string; sha256: string | undefined };
  before(async () => {
    bench = await startBench();
    committed = await publish(bench, irisModel({ variant: 1 }));
    await deployModel(bench.env, irisRequest(committed.version));
  });
  after(async () => {
    await bench.close();
  });

  void test("the committed files and version served: no drift", async () => {
    const status = await readModelStatus(bench.env, MODEL);
    assert.equal(status.drift, false);
    assert.equal(status.filesDrift, undefined);
  });

  void test("model.onnx replaced under the same version number: drift, naming both sha256", async () => {
    const other = irisModel({ variant: 2 });
    const path = join(bench.root, MODEL, committed.version, "model.onnx");
    await writeFile(path, other);
    const status = await readModelStatus(bench.env, MODEL);
    assert.deepEqual(
      status.served.map((s) => s.readyVersions),
      [[committed.version]],
    );
    assert.equal(status.drift, true);
    assert.equal(
      status.filesDrift,
      `${path} has sha256 ${createHash("sha256").update(other).digest("hex")}; expected ${committed.sha256} (current.json)`,
    );
  });
});
