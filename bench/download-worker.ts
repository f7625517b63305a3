// Child process of bench/run.ts for the download figures, so each figure is this process's alone
// (the servers and the seeding live elsewhere). Prints one JSON line.
//   mlflow <trackingUri> <name> <version> <dir> [rss]  the core's MlflowClient.downloadModel
//     (with `rss`, peak RSS is sampled every 5 ms; not in timed runs, where sampling costs time)
//   url <fileUrl> <sizeBytes> <dir>              the same download internals from a static server
//   idle                                         the same imports, no download (RSS reference)
//   sha <file>                                   sha256 of the file's bytes once in memory
//   signature <file>                             the ONNX signature as validate reads it
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MlflowClient } from "../src/core/mlflow";
import { downloadFile } from "../src/core/mlflow/download";
import { HttpClient, resolveRetryPolicy, systemClock } from "../src/core/http";
import { readOnnxSignatureFileCounted } from "../src/core/onnx";

/** Peak RSS sampled while work runs (getrusage's maxrss would count pages shared before exec). */
function rssSampler() {
  let peak = process.memoryUsage.rss();
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, 5);
  return {
    sample,
    stop: () => {
      clearInterval(timer);
      sample();
      return peak / 1024 / 1024;
    },
  };
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function fromMlflow(
  trackingUri: string,
  name: string,
  version: string,
  dir: string,
  sampleRss: boolean,
) {
  const client = new MlflowClient({ trackingUri });
  try {
    const resolved = await client.resolveVersion(name, { version });
    const rss = sampleRss ? rssSampler() : { sample: () => undefined, stop: () => NaN };
    const started = process.hrtime.bigint();
    const result = await client.downloadModel(resolved, join(dir, "model"), {
      onProgress: rss.sample,
    });
    const s = seconds(started);
    return { bytes: result.totalBytes, seconds: s, peakRssMiB: rss.stop() };
  } finally {
    await client.close();
  }
}

async function fromUrl(url: string, size: number, dir: string) {
  const http = new HttpClient({ baseUrl: new URL(url).origin });
  const started = process.hrtime.bigint();
  const file = await downloadFile({
    http,
    source: {
      description: `${url} (static file server)`,
      list: () => Promise.resolve([]),
      fileCall: () => ({ method: "GET", path: url }),
    },
    remotePath: new URL(url).pathname,
    localPath: join(dir, "weights.bin"),
    name: "weights.bin",
    expectedSize: size,
    fileIndex: 1,
    fileCount: 1,
    attempts: 1,
    retry: resolveRetryPolicy(),
    clock: systemClock(),
    timeoutMs: 30_000,
  });
  return { bytes: file.sizeBytes, seconds: seconds(started) };
}

async function idle() {
  // Same modules loaded and a client built; RSS sampled for as long as a short download runs.
  const client = new MlflowClient({ trackingUri: "http://127.0.0.1:9" });
  const rss = rssSampler();
  await new Promise((r) => setTimeout(r, 500));
  await client.close();
  return { peakRssMiB: rss.stop() };
}

async function shaInMemory(file: string) {
  const bytes = await readFile(file);
  const started = process.hrtime.bigint();
  createHash("sha256").update(bytes).digest("hex");
  return { seconds: seconds(started), bytes: bytes.length };
}

/** The first read (this process also builds the protobuf types) and the median of five more. */
async function signature(file: string) {
  let started = process.hrtime.bigint();
  const { bytesRead } = await readOnnxSignatureFileCounted(file);
  const firstSeconds = seconds(started);
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    started = process.hrtime.bigint();
    await readOnnxSignatureFileCounted(file);
    warm.push(seconds(started));
  }
  return { firstSeconds, seconds: warm.sort((a, b) => a - b)[2]!, bytesRead };
}

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2);
  let result: object;
  if (mode === "mlflow" && (args.length === 4 || (args.length === 5 && args[4] === "rss"))) {
    result = await fromMlflow(args[0]!, args[1]!, args[2]!, args[3]!, args[4] === "rss");
  } else if (mode === "url" && args.length === 3) {
    result = await fromUrl(args[0]!, Number(args[1]), args[2]!);
  } else if (mode === "idle") {
    result = await idle();
  } else if (mode === "sha" && args.length === 1) {
    result = await shaInMemory(args[0]!);
  } else if (mode === "signature" && args.length === 1) {
    result = await signature(args[0]!);
  } else {
    throw new Error(
      `usage: download-worker mlflow|url|idle|sha …; got ${process.argv.slice(2).join(" ")}`,
    );
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
