// Program evaluation time: how long `pulumi preview` spends running this program for a stack,
// measured as the engine runs it (test/support/engine: the language host's runner, in the engine's
// working directory, ts-node registered by run.js from tsconfig.json) and, beside it, the same
// runner with tsx as the loader (`nodeargs: --import tsx`, `typescript: false`) and with ts-node
// type-checking (what run.js does without tsconfig's "ts-node" section). Interleaved rounds;
// min/median/max of each.
//
// Standalone: `npx tsx bench/program-evaluation.ts [--rounds N] [--stack dev]`.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSeededMlflow } from "../test/provider/seeded-mlflow";
import { PROJECT_DIR, runStack } from "../test/program/harness/run-stack";
import { stackFileValuesWithMlflow } from "../test/program/harness/seeded-stack";
import { testSecrets } from "../test/program/harness/test-secrets";

export type Loader = "engine" | "tsx" | "typecheck";

export const LOADER_LABELS: Record<Loader, string> = {
  engine: "ts-node as run.js registers it (the engine's loader)",
  tsx: "tsx (nodeargs --import tsx)",
  typecheck: "ts-node type-checking",
};

export interface LoaderFigures {
  loader: string;
  ms: number[];
}

/** How a loader other than Pulumi.yaml's is given to the runner. */
function launchOf(loader: Loader): Pick<Parameters<typeof runStack>[0], "launchOverride" | "env"> {
  if (loader === "tsx") {
    return { launchOverride: { nodeArgs: ["--import", "tsx"], runtimeEnv: {} } };
  }
  // run.js reads the tsconfig named by PULUMI_NODEJS_TSCONFIG_PATH (the `tsconfig` runtime
  // option): the project's compiler options, without its "ts-node" section. (run.js reads
  // `compilerOptions` of that one file and does not follow `extends`, so they are copied.)
  if (loader === "typecheck") {
    return { env: { PULUMI_NODEJS_TSCONFIG_PATH: typeCheckingTsconfig() } };
  }
  return {};
}

function typeCheckingTsconfig(): string {
  const dir = mkdtempSync(join(tmpdir(), "tsconfig-typecheck-"));
  const file = join(dir, "tsconfig.json");
  const project = JSON.parse(readFileSync(join(PROJECT_DIR, "tsconfig.json"), "utf8")) as {
    compilerOptions: unknown;
  };
  writeFileSync(file, JSON.stringify({ compilerOptions: project.compilerOptions, files: [] }));
  return file;
}

/**
 * Milliseconds of one `pulumi preview` program run of `stack` (spawn to exit) with `loader`,
 * its first model repeated `models` times, against the seeded MLflow at `mlflowUrl`.
 */
export async function evaluateProgram(
  mlflowUrl: string,
  loader: Loader,
  options: { stack?: string; models?: number } = {},
): Promise<number> {
  const stack = options.stack ?? "dev";
  const values = stackFileValuesWithMlflow(stack, mlflowUrl);
  if (options.models !== undefined) {
    const [model] = values.models as Record<string, unknown>[];
    values.models = Array.from({ length: options.models }, (_, i) => ({
      ...model,
      name: `iris-${i}`,
    }));
  }
  const start = process.hrtime.bigint();
  const run = await runStack({
    stack,
    values,
    secrets: testSecrets(stack),
    preview: true,
    ...launchOf(loader),
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (!run.ok) throw new Error(`${LOADER_LABELS[loader]}: ${run.error}`);
  return ms;
}

export async function measureProgramEvaluation(
  stack: string,
  rounds: number,
): Promise<LoaderFigures[]> {
  const mlflow = await startSeededMlflow();
  try {
    const loaders: Loader[] = ["engine", "tsx", "typecheck"];
    const figures = loaders.map((l) => ({ loader: LOADER_LABELS[l], ms: [] as number[] }));
    for (let round = 0; round < rounds; round++) {
      for (const [i, loader] of loaders.entries()) {
        // Type-checking takes many seconds: one round shows the cost.
        if (loader === "typecheck" && round > 0) continue;
        figures[i]!.ms.push(await evaluateProgram(mlflow.url, loader, { stack }));
      }
    }
    return figures;
  } finally {
    await mlflow.close();
  }
}

export function summary(ms: number[]): { min: number; median: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    min: sorted[0]!,
    median: sorted[Math.floor(sorted.length / 2)]!,
    max: sorted[sorted.length - 1]!,
  };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const rounds = Number(argv[argv.indexOf("--rounds") + 1] ?? 3) || 3;
  const stack = argv.includes("--stack") ? argv[argv.indexOf("--stack") + 1]! : "dev";
  void measureProgramEvaluation(stack, rounds).then((figures) => {
    for (const f of figures) {
      const s = summary(f.ms);
      console.log(
        `${f.loader}: min ${s.min.toFixed(0)} ms, median ${s.median.toFixed(0)} ms, max ${s.max.toFixed(0)} ms (${f.ms.length} runs)`,
      );
    }
  });
}
