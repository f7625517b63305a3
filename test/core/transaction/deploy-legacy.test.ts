// Taking over a repository the old platform wrote: current.json without schema_version, a
// config.pbtxt with no version pinning and no committed-config.json, a version directory without a
// manifest. A failed promotion is rolled back to the old version (its config.pbtxt, pinned), and a
// successful deployment writes the new schema while keeping the old keys.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  DeploymentError,
  deployModel,
  readModelStatus,
  unloadModel,
  readHistory,
} from "../../../src/core";
import { modelConfigPort } from "../../../src/core/transaction/model-config-port";
import { irisModel } from "../../support/onnx/fixtures";
import {
  currentBytes,
  irisRequest,
  listDir,
  MODEL,
  publish,
  readyVersions,
  startBench,
  startTriton,
  type Bench,
} from "./harness";

const OLD_CONFIG = `name: "iris"
platform: "onnxruntime_onnx"
max_batch_size: 0
input [ { name: "input" data_type: TYPE_FP32 dims: [ 1, 4 ] } ]
output [ { name: "probabilities" data_type: TYPE_FP32 dims: [ 1, 3 ] } ]
`;

void describe("a repository written by the old platform", () => {
  let bench: Bench;

  before(async () => {
    bench = await startBench();
    const dir = join(bench.root, MODEL);
    await mkdir(join(dir, "12"), { recursive: true });
    await writeFile(join(dir, "12", "model.onnx"), irisModel({ variant: 1 }));
    await writeFile(join(dir, "config.pbtxt"), OLD_CONFIG);
    await writeFile(
      join(dir, "current.json"),
      '{"active_version": 12, "run_id": "old-run", "alias": "champion", "updated_at_utc": "2025-06-01T00:00:00Z"}\n',
    );
    // The pod started with --load-model=iris, as the old platform's chart did.
    await bench.tritons[0]!.stop();
    bench.tritons[0] = await startTriton(bench.root, [MODEL]);
    bench.env = { ...bench.env, tritonEndpoints: [bench.tritons[0].httpUrl] };
  });
  after(async () => {
    await bench.close();
  });

  void test("the rollback's load config comes from the old config.pbtxt, pinned to the committed version", () => {
    const port = modelConfigPort(
      { name: MODEL, maxBatchSize: 0, instanceGroup: { kind: "KIND_CPU", count: 1 } },
      "13",
    );
    const json = JSON.parse(port.pinnedFromPbtxt!(OLD_CONFIG, MODEL, "12"));
    assert.equal(json.name, MODEL);
    assert.deepEqual(json.version_policy, { specific: { versions: [12] } });
    assert.deepEqual(json.input, [{ name: "input", data_type: "TYPE_FP32", dims: [1, 4] }]);
  });

  void test("status reads the old current.json", async () => {
    const status = await readModelStatus(bench.env, MODEL);
    assert.equal(status.committed?.schemaVersion, 0);
    assert.equal(status.committed?.activeVersion, "12");
    assert.equal(status.drift, false);
  });

  void test("a failed promotion reloads the old version from its config.pbtxt, pinned", async () => {
    const before = await currentBytes(bench.root);
    const v = await publish(bench, irisModel({ variant: 2 }));
    bench.tritons[0]!.failLoad(MODEL, Number(v.version), {
      code: "INTERNAL",
      message: "no memory",
    });
    try {
      const error = await deployModel(bench.env, irisRequest(v.version)).catch((e: unknown) => e);
      assert.ok(error instanceof DeploymentError);
      assert.equal(error.step, "promote");
      assert.equal(error.rollbackFailed, false);
      assert.ok(
        error.message.endsWith(
          `rolled back; committed version 12; serving ${bench.tritons[0]!.httpUrl}: version 12`,
        ),
        error.message,
      );
    } finally {
      bench.tritons[0]!.resetControls();
    }
    assert.equal(await currentBytes(bench.root), before);
    assert.deepEqual(readyVersions(bench.tritons[0]!), [12]);
  });

  void test("a successful deployment writes schema 1, keeping the old keys, previous_version 12", async () => {
    const v = await publish(bench, irisModel({ variant: 3 }), { alias: "champion" });
    const result = await deployModel(bench.env, irisRequest(v.version, { alias: "champion" }));
    assert.equal(result.outcome, "committed");
    assert.equal(result.fromVersion, "12");
    const current = JSON.parse((await currentBytes(bench.root)) ?? "{}");
    assert.equal(current.schema_version, 1);
    assert.equal(current.active_version, v.version);
    assert.equal(current.previous_version, "12");
    assert.equal(current.alias, "champion");
    assert.equal(typeof current.updated_at_utc, "string");
    assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(v.version)]);
  });

  void test("unloadModel unloads everywhere, keeps the files and archives current.json", async () => {
    const status = await readModelStatus(bench.env, MODEL);
    const version = status.committed!.activeVersion;
    const result = await unloadModel(bench.env, MODEL, {
      clock: () => new Date("2026-11-22T01:00:00Z"),
    });
    assert.deepEqual(result, {
      model: MODEL,
      previousVersion: version,
      archivedPointer: "current.unloaded-20261122T010000Z.json",
      endpoints: [bench.tritons[0]!.httpUrl],
    });
    assert.deepEqual(readyVersions(bench.tritons[0]!), []);
    const entries = await listDir(join(bench.root, MODEL));
    assert.ok(
      entries.includes(version) && entries.includes("12") && entries.includes("config.pbtxt"),
    );
    assert.equal(entries.includes("current.json"), false);
    assert.equal((await readHistory(bench.env, MODEL)).at(-1)?.outcome, "unloaded");
    const after = await readModelStatus(bench.env, MODEL);
    assert.equal(after.committed, undefined);
    assert.equal(after.drift, false);
  });
});
