// 1, 10 and 50 models: the total time of deploying them (the CLI's fan-out: core mapBounded,
// PARALLEL_DEPLOYMENTS at once; and one at a time for 10, to show what the parallelism buys), and
// the evaluation of the Pulumi program with that many models (the lead's program harness: the
// real program under mocks in a fresh process, resolving every alias against a seeded MLflow).
import { PARALLEL_DEPLOYMENTS } from "../../src/core";
import { irisModel } from "../../test/support/onnx/fixtures";
import { irisRequest, publish, type Bench } from "../../test/core/transaction/harness";
import { evaluateProgram, type Loader } from "../program-evaluation";
import { startSeededMlflow } from "../../test/provider/seeded-mlflow";
import type { Report } from "../lib/report";
import { interleaved, spread } from "../lib/rounds";
import { deployInWorker } from "./deploy";

export async function benchScaleDeploy(
  report: Report,
  bench: Bench,
  work: string,
  counts: readonly number[],
  rounds: number,
): Promise<void> {
  const v = await publish(bench, irisModel({ variant: 9 }));
  let batch = 0;
  const deployMany = async (n: number, parallel: number) => {
    batch++;
    const requests = Array.from({ length: n }, (_, i) =>
      irisRequest(v.version, { model: `scale_${batch}_${i}`, smoke: { requests: 3 } }),
    );
    const run = await deployInWorker(work, bench, requests, parallel);
    const failed = run.outcomes.filter((o) => o.outcome !== "committed");
    if (failed.length > 0) {
      throw new Error(
        `${failed.length} of ${n} deployments ended ${failed[0]!.outcome} at ${failed[0]!.step}`,
      );
    }
    return run.totalMs;
  };
  const sequential = counts.find((n) => n > 1) ?? counts[0]!;
  const tasks = [
    ...counts.map((n) => ({
      name: `${n} at ${PARALLEL_DEPLOYMENTS}`,
      run: () => deployMany(n, PARALLEL_DEPLOYMENTS),
    })),
    { name: `${sequential} at 1`, run: () => deployMany(sequential, 1) },
  ];
  const values = await interleaved(rounds, tasks, (round, task, ms) =>
    console.log(`  scale round ${round}: ${task} models ${ms.toFixed(0)} ms`),
  );
  const perModel = (name: string, n: number) => values.get(name)!.map((ms) => ms / n);
  for (const n of counts) {
    report.value(
      `deploy ${n} model(s), ${PARALLEL_DEPLOYMENTS} at once: time per model`,
      perModel(`${n} at ${PARALLEL_DEPLOYMENTS}`, n),
      "ms",
    );
  }
  report.value(
    `deploy ${sequential} models one at a time: time per model`,
    perModel(`${sequential} at 1`, sequential),
    "ms",
  );
  const first = counts[0]!;
  const last = counts[counts.length - 1]!;
  const growth = perModel(`${last} at ${PARALLEL_DEPLOYMENTS}`, last).map(
    (ms, i) => ms / perModel(`${first} at ${PARALLEL_DEPLOYMENTS}`, first)[i]!,
  );
  report.value(
    `deploy: time per model at ${last} models ÷ at ${first} (linear growth = 1 or less)`,
    growth,
    "×",
    1.25,
  );
}

export async function benchScaleEvaluation(
  report: Report,
  counts: readonly number[],
  rounds: number,
  tsNodeRounds: number,
): Promise<void> {
  const mlflow = await startSeededMlflow();
  try {
    // "engine": the program run as `pulumi preview` runs it (test/support/engine: run.js's
    // ts-node, transpiling with swc per tsconfig.json); "tsx": the same runner with tsx instead.
    const evaluate = (n: number, loader: Loader) =>
      evaluateProgram(mlflow.url, loader, { models: n });
    const values = await interleaved(
      rounds,
      counts.map((n) => ({ name: String(n), run: () => evaluate(n, "engine") })),
      (round, n, ms) => console.log(`  evaluation round ${round}: ${n} models ${ms.toFixed(0)} ms`),
    );
    for (const n of counts) {
      report.value(
        `program evaluation (dev preview as the engine runs it, fresh process), ${n} model(s)`,
        values.get(String(n))!,
        "ms",
      );
    }
    const first = counts[0]!;
    const mid = counts[1] ?? first;
    const last = counts[counts.length - 1]!;
    const med = (n: number) => spread(values.get(String(n))!).median;
    // Linear: each model added costs about the same, from 1 to 10 as from 10 to 50.
    const early = (med(mid) - med(first)) / Math.max(mid - first, 1);
    const late = (med(last) - med(mid)) / Math.max(last - mid, 1);
    report.value(
      `program evaluation: ms per added model, ${first}→${mid} and ${mid}→${last}`,
      [early, late],
      "ms",
      undefined,
      "reference (linear: the two are alike)",
    );
    const loaders = await interleaved(tsNodeRounds, [
      { name: "engine", run: () => evaluate(1, "engine") },
      { name: "tsx", run: () => evaluate(1, "tsx") },
    ]);
    report.value(
      "program evaluation (dev, 1 model), run.js's ts-node as the engine registers it (issue 9)",
      loaders.get("engine")!,
      "ms",
      undefined,
      "issue 9: < 2000 ms",
    );
    report.value(
      "program evaluation (dev, 1 model), the same runner with tsx (reference)",
      loaders.get("tsx")!,
      "ms",
      undefined,
      "reference",
    );
  } finally {
    await mlflow.close();
  }
}
