// Benchmarks: `npm run bench` (the sizes of issue 12) or `npm run bench -- --quick` (small sizes,
// for development). Every figure is measured against its floor in the same run, interleaved round
// by round (bench/lib/rounds.ts), and reported as min / median / max of floor ÷ project; the
// figures, the machine, its load and the floor commands go to bench/RESULTS.md.
// Targets (medians):
//   - a download that hashes and persists every byte: ≥ 0.87 of max(curl -o + sync, sha256 in memory);
//   - a deploy: ≥ 0.85 of download + 2 loads + smoke; materialize ≥ 0.8 of curl -o + sync;
//   - the ONNX signature of a 200 MiB single-file model read in < 50 ms;
//   - a rollback adds < 20 ms to its floor (one unload);
//   - a 2 GiB download's peak RSS within 40 MiB of an idle process with the same imports;
//   - 1, 10, 50 models: deployment time per model does not grow (≤ 1.25 × the 1-model time);
//   - rendering a stack's observability files < 200 ms warm.
import { mkdtemp, rm } from "node:fs/promises";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBench } from "../test/core/transaction/harness";
import { benchDeploy } from "./figures/deploy";
import { benchDownload, benchDownloadMemory } from "./figures/download";
import { benchRender } from "./figures/render";
import { benchScaleDeploy, benchScaleEvaluation } from "./figures/scale";
import { Report } from "./lib/report";

const quick = process.argv.includes("--quick");
const ROUNDS = 3;
const SIZES = quick
  ? { downloadMiB: 64, memoryMiB: 128, deployMiB: 16, models: [1, 3, 6], tsNodeRounds: 1 }
  : { downloadMiB: 1024, memoryMiB: 2048, deployMiB: 200, models: [1, 10, 50], tsNodeRounds: 1 };

async function main(): Promise<void> {
  const report = new Report(quick ? "quick" : "full");
  const work = await mkdtemp(join(tmpdir(), "bench-"));
  // Loading a model with hundreds of MiB of weights takes seconds on a loaded machine.
  const bench = await startBench({ readyMs: 120_000 });
  try {
    console.log("download …");
    await benchDownload(report, bench.mlflow, work, SIZES.downloadMiB, ROUNDS);
    report.noteLoad("after the download figures");
    console.log("download memory …");
    await benchDownloadMemory(report, bench.mlflow, work, SIZES.memoryMiB, ROUNDS);
    console.log("deploy …");
    await benchDeploy(report, bench, work, SIZES.deployMiB, ROUNDS);
    report.noteLoad("after the deploy figures");
    console.log("1, 10, 50 models …");
    await benchScaleDeploy(report, bench, work, SIZES.models, ROUNDS);
    await benchScaleEvaluation(report, SIZES.models, ROUNDS, SIZES.tsNodeRounds);
    benchRender(report);
  } finally {
    await bench.close();
    await rm(work, { recursive: true, force: true });
  }
  // A quick run is for development: its figures do not replace the recorded ones.
  const missed = await report.write(
    quick
      ? join(mkdtempSync(join(tmpdir(), "bench-quick-")), "RESULTS.md")
      : join(__dirname, "RESULTS.md"),
  );
  if (missed > 0) {
    console.error(`${missed} target(s) missed`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
