// Child process of bench/run.ts: downloads one model version with the core's MlflowClient and
// prints its own peak RSS, so the figure is the downloader's alone (the seeding process and the
// MLflow-compatible server hold the bytes in memory; this process must not).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MlflowClient } from "../src/core/mlflow";

async function main(): Promise<void> {
  const [trackingUri, name, version] = process.argv.slice(2);
  if (!trackingUri || !name || !version) {
    throw new Error("usage: download-worker <uri> <name> <version>");
  }
  const client = new MlflowClient({ trackingUri });
  const dir = await mkdtemp(join(tmpdir(), "bench-download-"));
  try {
    const resolved = await client.resolveVersion(name, { version });
    // Peak RSS sampled while the download runs (getrusage's maxrss would include the pages this
    // process shared with its parent before exec, and the parent holds the seeded bytes).
    let peakRss = process.memoryUsage.rss();
    const sample = () => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    };
    const timer = setInterval(sample, 5);
    const started = process.hrtime.bigint();
    const result = await client.downloadModel(resolved, join(dir, "model"), { onProgress: sample });
    clearInterval(timer);
    sample();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(
      JSON.stringify({ bytes: result.totalBytes, seconds, peakRssMiB: peakRss / 1024 / 1024 }) +
        "\n",
    );
  } finally {
    await client.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
