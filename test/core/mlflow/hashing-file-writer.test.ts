// HashingFileWriter: the bytes on disk and the digest are exactly those written, whatever the
// chunking, batching and back-pressure; a failed write is reported, not lost.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { HashingFileWriter } from "../../../src/core/mlflow/hashing-file-writer";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "hashing-writer-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Deterministic bytes: byte i of chunk c is (c * 31 + i) mod 251. */
function chunk(index: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (index * 31 + i) % 251;
  return bytes;
}

async function writeAll(
  name: string,
  chunks: Uint8Array[],
  options: ConstructorParameters<typeof HashingFileWriter>[1],
): Promise<{ digest: string; size: number; onDisk: Buffer }> {
  const path = join(dir, name);
  const handle = await open(path, "w");
  try {
    const writer = new HashingFileWriter(handle, options);
    for (const c of chunks) await writer.write(c);
    const digest = await writer.finish();
    return { digest, size: writer.size, onDisk: await readFile(path) };
  } finally {
    await handle.close();
  }
}

void describe("HashingFileWriter", () => {
  const cases: [string, Uint8Array[], ConstructorParameters<typeof HashingFileWriter>[1]][] = [
    ["defaults, 64 KiB chunks", Array.from({ length: 40 }, (_, i) => chunk(i, 65536)), {}],
    [
      "tiny batches and a small in-flight bound (back-pressure on every chunk)",
      Array.from({ length: 50 }, (_, i) => chunk(i, 1000 + i)),
      { batchBytes: 3000, maxInFlightBytes: 4000, syncEveryBytes: 10_000 },
    ],
    [
      "more chunks than one writev may carry, with empty ones among them",
      Array.from({ length: 1500 }, (_, i) => chunk(i, i % 7 === 0 ? 0 : 13)),
      { batchBytes: 1 << 30 },
    ],
    ["nothing at all", [], {}],
  ];
  for (const [name, chunks, options] of cases) {
    void test(name, async () => {
      const expected = Buffer.concat(chunks);
      const result = await writeAll(name.replace(/\W+/g, "-"), chunks, options);
      assert.equal(result.size, expected.length);
      assert.equal(result.onDisk.length, expected.length);
      assert.ok(result.onDisk.equals(expected), "file content differs from the bytes written");
      assert.equal(result.digest, createHash("sha256").update(expected).digest("hex"));
    });
  }

  void test("a write the file refuses rejects write or finish with the system error", async () => {
    const path = join(dir, "read-only");
    await (await open(path, "w")).close();
    const handle = await open(path, "r");
    try {
      const writer = new HashingFileWriter(handle, { batchBytes: 10, maxInFlightBytes: 10 });
      const failure = await (async () => {
        try {
          for (let i = 0; i < 10; i++) await writer.write(chunk(i, 100));
          await writer.finish();
        } catch (error) {
          return error;
        }
        return undefined;
      })();
      assert.equal((failure as NodeJS.ErrnoException | undefined)?.code, "EBADF");
      await writer.settle();
    } finally {
      await handle.close();
    }
  });
});
