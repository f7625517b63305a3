import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { deployModel, readHistory, readModelStatus, type ProgressEvent } from "../../../src/core";
import { irisModel } from "../../support/onnx/fixtures";
import {
  currentBytes,
  irisRequest,
  listDir,
  MODEL,
  publish,
  readyVersions,
  REGISTERED,
  startBench,
  type Bench,
} from "./harness";

void describe("deployModel: first deploy, upgrade, identical re-run", () => {
  let bench: Bench;
  before(async () => {
    bench = await startBench();
  });
  after(async () => {
    await bench.close();
  });

  void test("first deploy commits the version, pins config.pbtxt and serves it", async () => {
    const v1 = await publish(bench, irisModel({ variant: 1 }));
    const events: ProgressEvent[] = [];
    const result = await deployModel(bench.env, irisRequest(v1.version, { alias: "champion" }), {
      onProgress: (e) => events.push(e),
    });
    assert.equal(result.outcome, "committed");
    assert.equal(result.fromVersion, undefined);
    assert.equal(result.toVersion, v1.version);
    assert.equal(result.sha256, v1.sha256);
    assert.deepEqual(Object.keys(result.stepsMs), [
      "lock",
      "snapshot",
      "resolve",
      "materialize",
      "validate",
      "load",
      "ready",
      "smoke",
      "promote",
      "commit",
    ]);
    const current = JSON.parse((await currentBytes(bench.root)) ?? "{}");
    assert.equal(current.schema_version, 1);
    assert.equal(current.active_version, v1.version);
    assert.equal(current.alias, "champion");
    assert.equal(current.registered_model, REGISTERED);
    assert.equal(current.run_id, v1.runId);
    assert.equal(current.sha256, v1.sha256);
    assert.equal(current.previous_version, null);
    assert.equal(typeof current.verification.p95_ms, "number");
    assert.deepEqual(
      { ...current.verification, p95_ms: 0 },
      { endpoints: 1, requests: 3, mode: "generated", p95_ms: 0, latency_budget_ms: null },
    );
    assert.match(
      await readFile(join(bench.root, MODEL, "config.pbtxt"), "utf8"),
      new RegExp(
        `version_policy: \\{ specific: \\{ versions: \\[ ?${v1.version} ?\\] \\} \\}|versions: \\[?${v1.version}`,
      ),
    );
    assert.deepEqual(await listDir(join(bench.root, MODEL)), [
      v1.version,
      "committed-config.json",
      "config.pbtxt",
      "current.json",
      "history.jsonl",
    ]);
    assert.deepEqual(await listDir(bench.root), [MODEL], "staging dir removed after commit");
    assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(v1.version)]);
    assert.deepEqual(readyVersions(bench.tritons[0]!, `${MODEL}.staging`), []);
    assert.ok(events.some((e) => e.step === "download" && e.phase === "done"));
  });

  void test("upgrade commits the new version; the old one stays on disk, unserved", async () => {
    const before = JSON.parse((await currentBytes(bench.root)) ?? "{}");
    const v2 = await publish(bench, irisModel({ variant: 2 }));
    const result = await deployModel(bench.env, irisRequest(v2.version));
    assert.equal(result.outcome, "committed");
    assert.equal(result.fromVersion, before.active_version);
    const current = JSON.parse((await currentBytes(bench.root)) ?? "{}");
    assert.equal(current.active_version, v2.version);
    assert.equal(current.previous_version, before.active_version);
    assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(v2.version)]);
    const history = await readHistory(bench.env, MODEL);
    assert.deepEqual(
      history.map((h) => [h.outcome, h.from_version, h.to_version]),
      [
        ["committed", null, before.active_version],
        ["committed", before.active_version, v2.version],
      ],
    );
  });

  void test("going back to a previously committed version reuses its files (verified again, not downloaded)", async () => {
    const history = await readHistory(bench.env, MODEL);
    const previous = history.at(-1)!.from_version!;
    bench.mlflow.clearRequests();
    const result = await deployModel(bench.env, irisRequest(previous));
    assert.equal(result.outcome, "committed");
    assert.equal(result.reusedFiles, true);
    assert.deepEqual(
      bench.mlflow.requests().filter((r) => r.path.includes("artifacts")),
      [],
      "no artifact listing or download",
    );
    assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(previous)]);
    // and forward again, for the tests below
    const forward = await deployModel(bench.env, irisRequest(history.at(-1)!.to_version!));
    assert.equal(forward.reusedFiles, true);
  });

  void test("an identical re-run does nothing (no download, no history line)", async () => {
    const status = await readModelStatus(bench.env, MODEL);
    const version = status.committed!.activeVersion;
    const bytes = await currentBytes(bench.root);
    bench.mlflow.clearRequests();
    const result = await deployModel(bench.env, irisRequest(version));
    assert.equal(result.outcome, "unchanged");
    assert.deepEqual(result.repairedEndpoints, []);
    assert.equal(await currentBytes(bench.root), bytes);
    assert.equal(bench.mlflow.requests().length, 0, "MLflow is not even asked");
    assert.equal((await readHistory(bench.env, MODEL)).length, 4);
    assert.equal(status.drift, false);
  });

  void test("the committed version with a changed config is redeployed from hard links, not downloaded", async () => {
    const version = (await readModelStatus(bench.env, MODEL)).committed!.activeVersion;
    bench.mlflow.clearRequests();
    const result = await deployModel(
      bench.env,
      irisRequest(version, { instanceGroup: { kind: "KIND_CPU", count: 2 } }),
    );
    assert.equal(result.outcome, "committed");
    assert.equal(result.fromVersion, version);
    assert.equal(result.reusedFiles, true);
    assert.deepEqual(
      bench.mlflow.requests().filter((r) => r.path.includes("artifacts")),
      [],
    );
    const committedConfig = JSON.parse(
      await readFile(join(bench.root, MODEL, "committed-config.json"), "utf8"),
    );
    assert.deepEqual(JSON.parse(committedConfig.config).instance_group, [
      { kind: "KIND_CPU", count: 2 },
    ]);
    assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(version)]);
    assert.deepEqual(
      (await listDir(join(bench.root, MODEL))).filter((n) => n.startsWith("failed_")),
      [],
    );
    // The same request again is now unchanged.
    const again = await deployModel(
      bench.env,
      irisRequest(version, { instanceGroup: { kind: "KIND_CPU", count: 2 } }),
    );
    assert.equal(again.outcome, "unchanged");
  });

  void test("after a Triton restart that lost the model, a re-run reloads the committed version", async () => {
    const triton = bench.tritons[0]!;
    await triton.crash();
    await triton.restart();
    assert.deepEqual(readyVersions(triton), []);
    const status = await readModelStatus(bench.env, MODEL);
    assert.equal(status.drift, true);
    const version = status.committed!.activeVersion;
    const result = await deployModel(
      bench.env,
      irisRequest(version, { instanceGroup: { kind: "KIND_CPU", count: 2 } }),
    );
    assert.equal(result.outcome, "unchanged");
    assert.deepEqual(result.repairedEndpoints, [triton.httpUrl]);
    assert.deepEqual(readyVersions(triton), [Number(version)]);
    const last = (await readHistory(bench.env, MODEL)).at(-1);
    assert.equal(last?.outcome, "recovered");
  });
});
