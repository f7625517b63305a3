// The write side of a download: every byte is hashed as it arrives and written to the file in the
// background, so receiving the next bytes never waits for the disk. A profile of the one-chunk-at-a-
// time loop this replaces (bench/PROFILE.md) showed the main thread 46 % idle: each ~64 KiB socket
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
  batchBytes: 512 * 1024,
  maxInFlightBytes: 2 * MiB,
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
  private readonly datasync: BackgroundDatasync;
  private bytes = 0;

  constructor(
    private readonly handle: FileHandle,
    options: HashingFileWriterOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.datasync = new BackgroundDatasync(handle, this.options.syncEveryBytes, (error) => {
      this.failure ??= { error };
    });
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
    await this.datasync.idle();
    this.throwIfFailed();
    await this.handle.sync();
    return this.hash.digest("hex");
  }

  /** Waits for queued writes to settle without throwing (before the handle is closed). */
  async settle(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.datasync.idle();
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
        this.datasync.written(position + length);
      } catch (error) {
        this.failure = { error };
      }
      this.drained?.();
      this.drained = undefined;
    });
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}

/**
 * Starts a datasync beside the writes every `every` bytes, one at a time: starting writeback
 * early is the point, not a sync per batch. A failure is handed to `fail`.
 */
export class BackgroundDatasync {
  private syncedUpTo = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly handle: FileHandle,
    private readonly every: number,
    private readonly fail: (error: unknown) => void,
  ) {}

  /** Bytes up to `offset` are written (in order). */
  written(offset: number): void {
    if (this.every <= 0 || this.running !== undefined || offset - this.syncedUpTo < this.every) {
      return;
    }
    this.syncedUpTo = offset;
    this.running = this.handle.datasync().then(
      () => {
        this.running = undefined;
      },
      (error: unknown) => {
        this.fail(error);
        this.running = undefined;
      },
    );
  }

  /** Resolves when no datasync is running (never rejects: failures went to `fail`). */
  async idle(): Promise<void> {
    await this.running;
  }
}

/** writev at `position` until every byte is written (a short write continues where it stopped). */
export async function writevAll(
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
