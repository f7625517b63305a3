// Streaming one artifact file to disk: constant memory, sha256 computed on the way, size checked
// against the listing, fsynced, and only then renamed from `<name>.part` to `<name>`. A reset or
// a short body starts the file over (MLflow downloads often have no Content-Length, so a cut
// connection looks like a normal end: mlflow-contract.md §2.4).
import { open, rename, rm } from "node:fs/promises";
import {
  backoffDelayMs,
  firstHeader,
  HttpError,
  type Clock,
  type HttpClient,
  type RetryPolicy,
} from "../http";
import { HashingFileWriter } from "./hashing-file-writer";
import type { ArtifactSource } from "./artifact-sources";
import { MlflowError, serverSaid } from "./errors";

/** Progress of one file, reported while it streams (throttled) and once when it completes. */
export interface DownloadProgress {
  /** Local path relative to the target directory. */
  file: string;
  /** 1-based position of this file among `fileCount`. */
  fileIndex: number;
  fileCount: number;
  bytes: number;
  /** Expected size from the listing (or Content-Length), when known. */
  total: number | undefined;
  /** Average rate of this attempt so far. */
  bytesPerSecond: number;
  /** Seconds left at the current rate; undefined when the total or the rate is unknown. */
  etaSeconds: number | undefined;
  /** Which attempt of this file (a reset starts the file over). */
  attempt: number;
  done: boolean;
}

export interface DownloadedFile {
  /** Relative to the target directory. */
  path: string;
  sizeBytes: number;
  sha256: string;
}

export interface FileDownloadArgs {
  http: HttpClient;
  source: ArtifactSource;
  remotePath: string;
  localPath: string;
  /** Relative local name, for progress and messages. */
  name: string;
  expectedSize: number | undefined;
  expectedSha256?: { value: string; tag: string };
  fileIndex: number;
  fileCount: number;
  attempts: number;
  retry: RetryPolicy;
  clock: Clock;
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}

const PROGRESS_INTERVAL_MS = 250;

/** Downloads one file with whole-file retries; returns its size and digest. */
export async function downloadFile(args: FileDownloadArgs): Promise<DownloadedFile> {
  let lastError: unknown;
  let digestRetried = false;
  for (let attempt = 1; attempt <= args.attempts; attempt++) {
    try {
      return await downloadOnce(args, attempt);
    } catch (err) {
      await rm(`${args.localPath}.part`, { force: true });
      if (args.signal?.aborted) throw err;
      // A digest that differs from the tag may be a byte corrupted in transit (a proxy, a flaky
      // NIC): the file is downloaded once more from the start. Twice the same wrong digest means
      // the artifact itself differs from its tag.
      if (err instanceof MlflowError && err.code === "SHA256_MISMATCH") {
        if (digestRetried) {
          throw new MlflowError(
            err.code,
            `${err.message} (downloaded twice from the start, both times with a wrong digest)`,
            err,
          );
        }
        digestRetried = true;
        attempt--;
        continue;
      }
      if (!isRetryableDownloadFailure(err)) {
        if (err instanceof MlflowError) throw err;
        throw new MlflowError(
          "DOWNLOAD_FAILED",
          `downloading ${args.remotePath} from ${args.source.description} failed: ${serverSaid(err)}`,
          err,
        );
      }
      lastError = err;
      if (attempt < args.attempts) {
        await args.clock.sleep(
          backoffDelayMs(attempt, args.retry, () => args.clock.random()),
          args.signal,
        );
      }
    }
  }
  const tries = `after ${args.attempts} attempt${args.attempts === 1 ? "" : "s"}`;
  if (lastError instanceof MlflowError) {
    throw new MlflowError(lastError.code, `${lastError.message} (${tries})`, lastError);
  }
  // undici ends a body shorter than its Content-Length with this code: a truncation too.
  const lengthMismatch =
    lastError instanceof HttpError &&
    (lastError.cause as { code?: unknown } | undefined)?.code ===
      "UND_ERR_RES_CONTENT_LENGTH_MISMATCH";
  throw new MlflowError(
    lengthMismatch ? "TRUNCATED" : "DOWNLOAD_FAILED",
    `downloading ${args.remotePath} from ${args.source.description} failed ${tries}: ${serverSaid(lastError)}`,
    lastError,
  );
}

/** Transport failures and short bodies are worth starting over; a wrong size or digest is not. */
function isRetryableDownloadFailure(err: unknown): boolean {
  if (err instanceof MlflowError) return err.code === "TRUNCATED";
  return err instanceof HttpError && (err.kind === "network" || err.kind === "timeout");
}

async function downloadOnce(args: FileDownloadArgs, attempt: number): Promise<DownloadedFile> {
  const part = `${args.localPath}.part`;
  const handle = await open(part, "w");
  const sink = new HashingFileWriter(handle);
  let bytes = 0;
  let closed = false;
  try {
    await args.http.stream(
      { ...args.source.fileCall(args.remotePath), timeoutMs: args.timeoutMs, signal: args.signal },
      async (res) => {
        const lengthHeader = firstHeader(res.headers, "content-length");
        const contentLength = lengthHeader === undefined ? undefined : Number(lengthHeader);
        if (
          args.expectedSize !== undefined &&
          contentLength !== undefined &&
          Number.isFinite(contentLength) &&
          contentLength !== args.expectedSize
        ) {
          throw new MlflowError(
            "SIZE_MISMATCH",
            `${args.remotePath}: the listing says ${args.expectedSize} bytes but the server sends Content-Length ${contentLength} (${args.source.description})`,
          );
        }
        const total =
          args.expectedSize ?? (Number.isFinite(contentLength) ? contentLength : undefined);
        const started = args.clock.now();
        let lastReport = started;
        const report = (done: boolean) => {
          if (!args.onProgress) return;
          const elapsedS = Math.max(args.clock.now() - started, 1) / 1000;
          const rate = bytes / elapsedS;
          args.onProgress({
            file: args.name,
            fileIndex: args.fileIndex,
            fileCount: args.fileCount,
            bytes,
            total,
            bytesPerSecond: rate,
            etaSeconds:
              total !== undefined && rate > 0 ? Math.max(total - bytes, 0) / rate : undefined,
            attempt,
            done,
          });
        };
        try {
          for await (const chunk of res.body) {
            bytes += chunk.byteLength;
            if (args.expectedSize !== undefined && bytes > args.expectedSize) {
              throw new MlflowError(
                "SIZE_MISMATCH",
                `${args.remotePath}: the server sent more than the ${args.expectedSize} bytes the listing gives (${args.source.description})`,
              );
            }
            await sink.write(chunk);
            const now = args.clock.now();
            // The last chunk is reported by the done event below, not twice.
            if (now - lastReport >= PROGRESS_INTERVAL_MS && bytes !== total) {
              lastReport = now;
              report(false);
            }
          }
        } catch (err) {
          // A transfer that breaks off mid-body (reset, premature close, stall) delivered a
          // truncated file: say how far it got. Worth a fresh attempt, like a short clean body.
          if (bytes > 0 && isTransportError(err)) {
            throw new MlflowError(
              "TRUNCATED",
              `${args.remotePath}: the connection failed after ${bytes} of ${total ?? "an unknown number of"} bytes (${transportReason(err)})`,
              err,
            );
          }
          throw err;
        }
        if (args.expectedSize !== undefined && bytes < args.expectedSize) {
          throw new MlflowError(
            "TRUNCATED",
            `${args.remotePath}: the body ended after ${bytes} of ${args.expectedSize} bytes (truncated download from ${args.source.description})`,
          );
        }
        if (contentLength !== undefined && bytes !== contentLength) {
          throw new MlflowError(
            "TRUNCATED",
            `${args.remotePath}: the body ended after ${bytes} of ${contentLength} bytes (Content-Length)`,
          );
        }
        report(true);
      },
    );
    const sha256 = await sink.finish();
    await handle.close();
    closed = true;
    if (args.expectedSha256 && sha256 !== args.expectedSha256.value) {
      throw new MlflowError(
        "SHA256_MISMATCH",
        `${args.remotePath}: sha256 is ${sha256} but the model version's "${args.expectedSha256.tag}" tag says ${args.expectedSha256.value}`,
      );
    }
    await rename(part, args.localPath);
    return { path: args.name, sizeBytes: bytes, sha256 };
  } finally {
    if (!closed) {
      await sink.settle();
      await handle.close().catch(() => undefined);
    }
  }
}

function isTransportError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return (
    typeof code === "string" &&
    (code.startsWith("UND_ERR") || /^(ECONNRESET|ECONNABORTED|EPIPE|ETIMEDOUT)$/.test(code))
  );
}

function transportReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return `${String(e.code)}: ${typeof e.message === "string" ? e.message : "transport error"}`;
}
