// The repository root is the NFS export mounted on this machine. When it is missing, every core
// call refuses with the same message and creates nothing: a `mkdir -p` would put models on local
// disk that Triton never sees, and an empty local root would read as "never deployed".
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  deployModel,
  readHistory,
  readModelStatus,
  RepositoryRootError,
  unloadModel,
  verifyModel,
} from "../../../src/core";
import { irisModel } from "../../support/onnx/fixtures";
import { MODEL, irisRequest, publish, startBench, type Bench } from "./harness";

void describe("an unmounted repository root", () => {
  let bench: Bench;
  let missing: string;
  let version: string;

  before(async () => {
    bench = await startBench();
    missing = join(bench.root, "export-not-mounted");
    ({ version } = await publish(bench, irisModel()));
  });
  after(async () => {
    await bench.close();
  });

  void test("deploy, status, verify, history and unload refuse it and create nothing", async () => {
    const env = { ...bench.env, repositoryRoot: missing };
    const message = `model repository root ${missing} is not a directory on this machine; expected the NFS export mounted there (stack config storage.localMountPath)`;
    const calls: [string, () => Promise<unknown>][] = [
      ["deployModel", () => deployModel(env, irisRequest(version))],
      ["readModelStatus", () => readModelStatus(env, MODEL)],
      ["verifyModel", () => verifyModel(env, MODEL, undefined)],
      ["readHistory", () => readHistory(env, MODEL)],
      ["unloadModel", () => unloadModel(env, MODEL)],
    ];
    for (const [name, call] of calls) {
      await assert.rejects(call, (error: unknown) => {
        assert.ok(error instanceof RepositoryRootError, name);
        assert.equal(error.message, message, name);
        return true;
      });
    }
    assert.equal(existsSync(missing), false);
    // Triton knows no model: nothing was loaded, not even the staging model.
    assert.deepEqual([...bench.tritons[0]!.modelStates().keys()], []);
  });
});
