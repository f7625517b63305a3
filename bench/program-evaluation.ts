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

export interface LoaderFigures {
  loader: string;
  ms: number[];
}

const LOADERS: {
  loader: string;
  override?: Parameters<typeof runStack>[0]["launchOverride"];
  env?: Record<string, string>;
}[] = [
  { loader: "ts-node as run.js registers it (the engine's loader)" },
  {
    loader: "tsx (nodeargs --import tsx)",
    override: { nodeArgs: ["--import", "tsx"], runtimeEnv: {} },
  },
  {
    loader: "ts-node type-checking",
    // run.js reads the tsconfig named by PULUMI_NODEJS_TSCONFIG_PATH (the `tsconfig` runtime
    // option): the project's compiler options, without its "ts-node" section. (run.js reads
    // `compilerOptions` of that one file and does not follow `extends`, so they are copied.)
    env: { PULUMI_NODEJS_TSCONFIG_PATH: typeCheckingTsconfig() },
  },
];

function typeCheckingTsconfig(): string {
  const dir = mkdtempSync(join(tmpdir(), "tsconfig-typecheck-"));
  const file = join(dir, "tsconfig.json");
  const project = JSON.parse(readFileSync(join(PROJECT_DIR, "tsconfig.json"), "utf8")) as {
    compilerOptions: unknown;
  };
  writeFileSync(file, JSON.stringify({ compilerOptions: project.compilerOptions, files: [] }));
  return file;
}

export async function measureProgramEvaluation(
  stack: string,
  rounds: number,
): Promise<LoaderFigures[]> {
  const mlflow = await startSeededMlflow();
  try {
    const figures = LOADERS.map((l) => ({ loader: l.loader, ms: [] as number[] }));
    for (let round = 0; round < rounds; round++) {
      for (const [i, l] of LOADERS.entries()) {
        // Type-checking takes many seconds: one round shows the cost.
        if (i === 2 && round > 0) continue;
        const start = process.hrtime.bigint();
        const run = await runStack({
          stack,
          values: stackFileValuesWithMlflow(stack, mlflow.url),
          secrets: testSecrets(stack),
          preview: true,
          ...(l.override !== undefined ? { launchOverride: l.override } : {}),
          ...(l.env !== undefined ? { env: l.env } : {}),
        });
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        if (!run.ok) throw new Error(`${l.loader}: ${run.error}`);
        figures[i]!.ms.push(ms);
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
