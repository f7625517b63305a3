// The write side of a download: every byte is hashed as it arrives and written to the file in the
// background, so receiving the next bytes never waits for the disk. A profile of the one-chunk-at-a-
// time loop this replaces (bench/RESULTS.md) showed the main thread 46 % idle: each ~64 KiB socket
// chunk waited for its own write (one syscall on the libuv pool) before the next was read.
//
// Here chunks are gathered into batches written with one positional writev each, batches are
// written in order one after another, and `write` only makes the caller wait while more than
// `maxInFlightBytes` are queued: memory stays constant whatever the file size. Every
// `syncEveryBytes` a datasync is started beside the writes, so the disk writes back while the
// network is still delivering and the fsync at the end only has the tail left to flush.
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";

export interface HashingFileWriterOptions {
  /** Chunks are gathered up to this many bytes before one writev (fewer syscalls). */
  batchBytes?: number;
  /** The most bytes received but not yet written; beyond it `write` waits for the disk. */
  maxInFlightBytes?: number;
  /** Start a background datasync after this many bytes (0: only the final sync). */
  syncEveryBytes?: number;
}

const MiB = 1024 * 1024;
const DEFAULTS: Required<HashingFileWriterOptions> = {
  batchBytes: 1 * MiB,
  maxInFlightBytes: 16 * MiB,
  syncEveryBytes: 64 * MiB,
};
// Linux's IOV_MAX is 1024; a batch of many tiny chunks is cut well below it.
const MAX_BUFFERS_PER_WRITE = 512;

/** sha256 and a sequential file write of one download; `finish` flushes, fsyncs and digests. */
export class HashingFileWriter {
  private readonly hash = createHash("sha256");
  private readonly options: Required<HashingFileWriterOptions>;
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  /** File offset of the next batch. */
  private position = 0;
  private inFlightBytes = 0;
  /** Writes are chained so that they reach the file in order, one at a time. */
  private queue: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private drained: (() => void) | undefined;
  private syncedUpTo = 0;
  private syncing: Promise<void> | undefined;
  private bytes = 0;

  constructor(
    private readonly handle: FileHandle,
    options: HashingFileWriterOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Bytes accepted so far. */
  get size(): number {
    return this.bytes;
  }

  /**
   * Hash and queue one chunk (kept by reference until written: the caller must not reuse it).
   * Resolves at once unless too much is waiting for the disk; rejects with a write failure.
   */
  async write(chunk: Uint8Array): Promise<void> {
    this.throwIfFailed();
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
    this.batch.push(chunk);
    this.batchBytes += chunk.byteLength;
    if (this.batchBytes >= this.options.batchBytes || this.batch.length >= MAX_BUFFERS_PER_WRITE) {
      this.flushBatch();
    }
    while (this.inFlightBytes > this.options.maxInFlightBytes && this.failure === undefined) {
      await new Promise<void>((resolve) => (this.drained = resolve));
    }
    this.throwIfFailed();
  }

  /** Write what is left, wait for every write, fsync once; returns the hex sha256. */
  async finish(): Promise<string> {
    this.flushBatch();
    await this.queue;
    this.throwIfFailed();
    await this.syncing;
    this.throwIfFailed();
    await this.handle.sync();
    return this.hash.digest("hex");
  }

  /** Waits for queued writes to settle without throwing (before the handle is closed). */
  async settle(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.syncing?.catch(() => undefined);
  }

  private flushBatch(): void {
    if (this.batchBytes === 0) return;
    const buffers = this.batch;
    const length = this.batchBytes;
    const position = this.position;
    this.batch = [];
    this.batchBytes = 0;
    this.position += length;
    this.inFlightBytes += length;
    this.queue = this.queue.then(async () => {
      if (this.failure !== undefined) return;
      try {
        await writevAll(this.handle, buffers, position);
        this.inFlightBytes -= length;
        this.syncInBackground(position + length);
      } catch (error) {
        this.failure = { error };
      }
      this.drained?.();
      this.drained = undefined;
    });
  }

  // One datasync at a time: starting writeback early is the point, not a sync per batch.
  private syncInBackground(written: number): void {
    const every = this.options.syncEveryBytes;
    if (every <= 0 || this.syncing !== undefined || written - this.syncedUpTo < every) return;
    this.syncedUpTo = written;
    this.syncing = this.handle.datasync().then(
      () => {
        this.syncing = undefined;
      },
      (error: unknown) => {
        this.failure ??= { error };
        this.syncing = undefined;
      },
    );
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}

/** writev at `position` until every byte is written (a short write continues where it stopped). */
async function writevAll(
  handle: FileHandle,
  buffers: Uint8Array[],
  position: number,
): Promise<void> {
  let rest = buffers;
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest, at);
    if (bytesWritten === 0) throw new Error(`writing at offset ${at} made no progress`);
    at += bytesWritten;
    rest = skipBytes(rest, bytesWritten);
  }
}

function skipBytes(buffers: Uint8Array[], count: number): Uint8Array[] {
  let left = count;
  let i = 0;
  while (i < buffers.length && left >= buffers[i]!.byteLength) {
    left -= buffers[i]!.byteLength;
    i++;
  }
  const rest = buffers.slice(i);
  if (left > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(left);
  return rest;
}
