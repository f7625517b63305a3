import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFile, mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  appendHistory,
  cleanLeftovers,
  MaterializeError,
  materializeVersion,
  quarantineCandidate,
  quarantineName,
  readHistoryFile,
  stagingModelName,
  verifyVersionDir,
  writeFileAtomic,
  type HistoryEntry,
} from "../../../src/core/repository";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "repo-"));
}

void describe("repository files", () => {
  void test("writeFileAtomic replaces the file and leaves no temp file", async () => {
    const dir = await tempDir();
    await writeFileAtomic(join(dir, "a.json"), "one");
    await writeFileAtomic(join(dir, "a.json"), "two");
    assert.equal(await readFile(join(dir, "a.json"), "utf8"), "two");
    assert.deepEqual(await readdir(dir), ["a.json"]);
  });

  void test("quarantine names start with a letter so Triton never reads them as a version", () => {
    assert.equal(
      quarantineName("13", new Date("2026-11-21T23:59:01.123Z")),
      "failed_13_20261121T235901Z",
    );
    assert.equal(stagingModelName("iris"), "iris.staging");
  });

  void test("quarantineCandidate moves the directory and suffixes a name taken in the same second", async () => {
    const root = await tempDir();
    const at = new Date("2026-11-21T23:59:01Z");
    await mkdir(join(root, "a"));
    await mkdir(join(root, "b"));
    assert.equal(
      await quarantineCandidate(join(root, "m"), join(root, "a"), "7", at),
      "failed_7_20261121T235901Z",
    );
    assert.equal(
      await quarantineCandidate(join(root, "m"), join(root, "b"), "7", at),
      "failed_7_20261121T235901Z-2",
    );
    assert.equal(
      await quarantineCandidate(join(root, "m"), join(root, "gone"), "7", at),
      undefined,
    );
    assert.deepEqual((await readdir(join(root, "m"))).sort(), [
      "failed_7_20261121T235901Z",
      "failed_7_20261121T235901Z-2",
    ]);
  });

  void test("history.jsonl: appended lines read back in order; a torn last line is skipped", async () => {
    const dir = await tempDir();
    const path = join(dir, "history.jsonl");
    const entry = (to: string): HistoryEntry => ({
      at_utc: "t",
      model: "m",
      outcome: "committed",
      from_version: null,
      to_version: to,
      steps_ms: { lock: 1 },
    });
    await appendHistory(path, entry("1"));
    await appendHistory(path, entry("2"));
    await appendFile(path, '{"at_utc":"t","mod');
    assert.deepEqual(
      (await readHistoryFile(path)).map((e) => e.to_version),
      ["1", "2"],
    );
    assert.deepEqual(await readHistoryFile(join(dir, "none.jsonl")), []);
  });

  void test("cleanLeftovers removes .tmp-* and stale lock copies only", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, ".tmp-13-abc"));
    await writeFile(join(dir, ".tmp-current.json-1"), "x");
    await writeFile(join(dir, ".deploy.lock.stale-1"), "x");
    await mkdir(join(dir, "13"));
    await writeFile(join(dir, "current.json"), "{}");
    assert.deepEqual(await cleanLeftovers(dir), [
      ".deploy.lock.stale-1",
      ".tmp-13-abc",
      ".tmp-current.json-1",
    ]);
    assert.deepEqual((await readdir(dir)).sort(), ["13", "current.json"]);
  });

  void test("materializeVersion renames a complete directory with a manifest, then reuses it", async () => {
    const root = await tempDir();
    const target = join(root, "m.staging", "13");
    let fetches = 0;
    const fetchInto = async (dir: string) => {
      fetches++;
      await writeFile(join(dir, "model.onnx"), "onnx-bytes");
      return [{ path: "model.onnx", sizeBytes: 10, sha256: sha("onnx-bytes") }];
    };
    const first = await materializeVersion({
      target,
      registeredModel: "iris",
      version: "13",
      runId: "r",
      fetchInto,
    });
    assert.equal(first.reused, false);
    assert.equal(first.manifest.sha256, sha("onnx-bytes"));
    assert.deepEqual((await readdir(target)).sort(), [".manifest.json", "model.onnx"]);
    const second = await materializeVersion({
      target,
      registeredModel: "iris",
      version: "13",
      runId: "r",
      expectedSha256: sha("onnx-bytes"),
      fetchInto,
    });
    assert.equal(second.reused, true);
    assert.equal(fetches, 1);
    // A damaged file is detected and fetched again.
    await writeFile(join(target, "model.onnx"), "onnx-bytez");
    assert.deepEqual(await verifyVersionDir(target), {
      ok: false,
      reason: `${join(target, "model.onnx")} has sha256 ${sha("onnx-bytez")}; expected ${sha("onnx-bytes")}`,
    });
    const third = await materializeVersion({
      target,
      registeredModel: "iris",
      version: "13",
      runId: "r",
      fetchInto,
    });
    assert.equal(third.reused, false);
    assert.equal(fetches, 2);
  });

  void test("a failed fetch leaves the partial directory for quarantine and no <v>/", async () => {
    const root = await tempDir();
    const target = join(root, "m.staging", "13");
    await assert.rejects(
      materializeVersion({
        target,
        registeredModel: "iris",
        version: "13",
        runId: undefined,
        fetchInto: async (dir) => {
          await writeFile(join(dir, "model.onnx"), "half");
          throw new Error("connection reset");
        },
      }),
      (error: unknown) => {
        assert.ok(error instanceof MaterializeError);
        assert.equal(error.message, "connection reset");
        assert.match(error.partialDir, /\.tmp-13-[0-9a-f]{12}$/);
        return true;
      },
    );
    const names = await readdir(join(root, "m.staging"));
    assert.equal(names.length, 1);
    assert.ok(names[0]?.startsWith(".tmp-13-"));
  });

  void test("a sha256 that differs from the version's tag fails materialize", async () => {
    const root = await tempDir();
    await assert.rejects(
      materializeVersion({
        target: join(root, "s", "2"),
        registeredModel: "iris",
        version: "2",
        runId: undefined,
        expectedSha256: "00",
        fetchInto: async (dir) => {
          await writeFile(join(dir, "model.onnx"), "abc");
          return [{ path: "model.onnx", sizeBytes: 3, sha256: sha("abc") }];
        },
      }),
      {
        message: `sha256 of model.onnx is ${sha("abc")}; expected 00 (the model version's sha256 tag)`,
      },
    );
  });
});
