import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  formatCurrentPointer,
  parseCurrentPointer,
  readCurrentPointer,
  writeCurrentPointer,
} from "../../../src/core/repository";

void describe("current.json", () => {
  void test("round-trips with the old platform's keys and schema_version 1", async () => {
    const dir = await mkdtemp(join(tmpdir(), "current-"));
    const path = join(dir, "current.json");
    await writeCurrentPointer(path, {
      activeVersion: "13",
      runId: "abc",
      alias: "champion",
      updatedAtUtc: "2026-11-21T23:00:00.000Z",
      registeredModel: "iris",
      sha256: "ff",
      sizeBytes: 10,
      previousVersion: "12",
      verification: { endpoints: 2, requests: 5, mode: "golden", p95Ms: 3.5, latencyBudgetMs: 50 },
    });
    const onDisk = JSON.parse(await readFile(path, "utf8"));
    assert.deepEqual(onDisk, {
      schema_version: 1,
      active_version: "13",
      run_id: "abc",
      alias: "champion",
      updated_at_utc: "2026-11-21T23:00:00.000Z",
      registered_model: "iris",
      sha256: "ff",
      size_bytes: 10,
      previous_version: "12",
      verification: {
        endpoints: 2,
        requests: 5,
        mode: "golden",
        p95_ms: 3.5,
        latency_budget_ms: 50,
      },
    });
    const back = await readCurrentPointer(path);
    assert.equal(back?.schemaVersion, 1);
    assert.equal(back?.activeVersion, "13");
    assert.deepEqual(back?.verification, {
      endpoints: 2,
      requests: 5,
      mode: "golden",
      p95Ms: 3.5,
      latencyBudgetMs: 50,
    });
  });

  void test("reads the old platform's file (no schema_version, numeric version) as schema 0", () => {
    const p = parseCurrentPointer(
      "current.json",
      '{"active_version": 12, "run_id": "r1", "alias": "prod", "updated_at_utc": "2025-01-01T00:00:00Z"}',
    );
    assert.deepEqual(p, {
      schemaVersion: 0,
      activeVersion: "12",
      runId: "r1",
      alias: "prod",
      updatedAtUtc: "2025-01-01T00:00:00Z",
      registeredModel: undefined,
      sha256: undefined,
      sizeBytes: undefined,
      previousVersion: undefined,
      verification: undefined,
    });
  });

  void test("rejects a file that names no usable version, saying what was expected", () => {
    assert.throws(() => parseCurrentPointer("/r/m/current.json", '{"active_version": "013"}'), {
      message:
        '/r/m/current.json is corrupt: active_version is "013"; expected a positive integer version; restore it (history.jsonl names the committed version) before deploying',
    });
    assert.throws(() => parseCurrentPointer("/r/m/current.json", "{"), {
      name: "CurrentPointerError",
    });
    assert.throws(
      () => parseCurrentPointer("/r/m/current.json", '{"active_version":"1","schema_version":9}'),
      {
        message:
          "/r/m/current.json is corrupt: schema_version is 9; expected at most 1 (written by a newer tool?); restore it (history.jsonl names the committed version) before deploying",
      },
    );
  });

  void test("absent file reads as never deployed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "current-"));
    assert.equal(await readCurrentPointer(join(dir, "current.json")), undefined);
    await writeFile(join(dir, "x"), "");
  });

  void test("format is deterministic", () => {
    const pointer = {
      activeVersion: "1",
      runId: undefined,
      alias: undefined,
      updatedAtUtc: "t",
      registeredModel: "m",
      sha256: undefined,
      sizeBytes: undefined,
      previousVersion: undefined,
      verification: undefined,
    };
    assert.equal(formatCurrentPointer(pointer), formatCurrentPointer({ ...pointer }));
    assert.match(
      formatCurrentPointer(pointer),
      /^\{\n {2}"schema_version": 1,\n {2}"active_version": "1",/,
    );
  });
});
