// `npm run model -- <deploy|status|verify|history> --stack <s> …`: the deployment transaction
// without Pulumi, for Airflow, cron and break-glass use. The same core as the Pulumi provider.
import { ConfigError } from "../config/errors";
import type { ModelConfig, StackConfig } from "../config/schema";
import { readStackConfig } from "../config/stack-file";
import {
  assertRepositoryRoot,
  createProgressFormatter,
  DeploymentError,
  deployModel,
  errorMessage,
  mapBounded,
  PARALLEL_DEPLOYMENTS,
  readHistory,
  readModelStatus,
  resolveModelVersion,
  verifyModel,
  type DeployEnvironment,
  type DeployRequest,
  type ProgressListener,
  type SmokeRequest,
} from "../core";
import { MODEL_USAGE, parseModelArgs, UsageError, type ModelCliArgs } from "./model-args";
import { deployEnvironmentFor } from "./model-environment";
import { deployLine, historyLine, statusLines, verifyLine } from "./model-output";

/** Exit codes (documented in the usage text). */
export const EXIT = { ok: 0, rolledBack: 1, usage: 2, rollbackFailed: 3 } as const;

export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  signal?: AbortSignal;
}

/** Run the CLI; resolves with the exit code. Never throws. */
export async function runModelCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: ModelCliArgs;
  let config: StackConfig;
  let env: DeployEnvironment;
  let models: ModelConfig[];
  try {
    if (argv.includes("--help") || argv.includes("-h")) {
      io.stdout.write(`${MODEL_USAGE}\n`);
      return EXIT.ok;
    }
    args = parseModelArgs(argv);
    config = readStackConfig(args.projectDir ?? io.cwd, args.stack);
    env = deployEnvironmentFor(config, io.env);
    models = selectModels(config, args);
    // An unmounted NFS export is a setup error (exit 2), not "never deployed".
    await assertRepositoryRoot(env.repositoryRoot);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\n\n${MODEL_USAGE}\n`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`error: ${errorMessage(error)}\n`);
    return EXIT.usage;
  }
  switch (args.command) {
    case "deploy":
      return deploy(args, env, models, io);
    case "status":
      return status(args, env, models, io);
    case "verify":
      return verify(args, env, models, io);
    case "history":
      return history(args, env, models, io);
  }
}

function selectModels(config: StackConfig, args: ModelCliArgs): ModelConfig[] {
  if (args.model !== undefined) {
    const found = config.models.find((m) => m.name === args.model);
    if (found === undefined) {
      throw new UsageError(
        `--model ${JSON.stringify(args.model)} is not a model of stack ${args.stack}; expected one of: ${config.models.map((m) => m.name).join(", ") || "(none)"}`,
      );
    }
    return [found];
  }
  if ((args.alias !== undefined || args.version !== undefined) && config.models.length > 1) {
    throw new UsageError(
      `--alias/--version need --model when stack ${args.stack} has ${config.models.length} models`,
    );
  }
  return config.models;
}

async function deploy(
  args: ModelCliArgs,
  env: DeployEnvironment,
  models: ModelConfig[],
  io: CliIo,
): Promise<number> {
  const progress = createProgressFormatter(io.stderr, { format: "logfmt" });
  // Different models deploy side by side, a few at a time (bounded-map.ts says why that is
  // safe); their lines are written in the stack's model order once all have finished.
  const outcomes = await mapBounded(models, PARALLEL_DEPLOYMENTS, (m) =>
    deployOne(args, env, m, io, progress),
  );
  const results = outcomes.map((o) => o.result);
  for (const o of outcomes) {
    if (o.stdout !== undefined && !args.json) io.stdout.write(o.stdout);
    if (o.stderr !== undefined) io.stderr.write(o.stderr);
  }
  const exit = Math.max(EXIT.ok, ...outcomes.map((o) => o.exit));
  if (args.json) io.stdout.write(`${JSON.stringify({ command: "deploy", results }, null, 2)}\n`);
  return exit;
}

/** One model's resolve and deploy: what to print and the exit code it asks for. */
async function deployOne(
  args: ModelCliArgs,
  env: DeployEnvironment,
  m: ModelConfig,
  io: CliIo,
  progress: ProgressListener,
): Promise<{ result: unknown; exit: number; stdout?: string; stderr?: string }> {
  const alias = args.alias ?? (args.version === undefined ? m.alias : undefined);
  const pinned = args.version ?? (args.alias === undefined ? m.version : undefined);
  let request: DeployRequest;
  try {
    const resolved = await resolveModelVersion(
      env,
      m.registeredModel,
      alias !== undefined ? { alias } : { version: pinned ?? "" },
      io.signal ? { signal: io.signal } : {},
    );
    request = deployRequestFor(m, resolved.version, alias, resolved.runId || undefined);
  } catch (error) {
    const message = `${m.name}: cannot resolve ${alias !== undefined ? `alias ${alias}` : `version ${pinned}`} of registered model '${m.registeredModel}': ${errorMessage(error)} — nothing was changed`;
    return {
      result: { model: m.name, outcome: "failed", step: "resolve", error: message },
      exit: EXIT.rolledBack,
      stderr: `${message}\n`,
    };
  }
  try {
    const result = await deployModel(env, request, {
      onProgress: progress,
      ...(io.signal ? { signal: io.signal } : {}),
    });
    return { result, exit: EXIT.ok, stdout: `${deployLine(result)}\n` };
  } catch (error) {
    if (error instanceof DeploymentError) {
      return {
        result: { ...error.result, step: error.step, error: error.message },
        exit: error.rollbackFailed ? EXIT.rollbackFailed : EXIT.rolledBack,
        stderr: `${m.name}: ${error.message}\n`,
      };
    }
    return {
      result: { model: m.name, outcome: "failed", error: errorMessage(error) },
      exit: EXIT.rollbackFailed,
      stderr: `${m.name}: ${errorMessage(error)}\n`,
    };
  }
}

/** The core's DeployRequest for a model of the stack config and its resolved version. */
export function deployRequestFor(
  m: ModelConfig,
  version: string,
  alias: string | undefined,
  runId: string | undefined,
): DeployRequest {
  return {
    model: m.name,
    registeredModel: m.registeredModel,
    version,
    ...(alias !== undefined ? { alias } : {}),
    ...(runId !== undefined ? { expectedRunId: runId } : {}),
    maxBatchSize: m.maxBatchSize,
    // Left out in the stack config: the core takes them from the ONNX graph.
    ...(m.inputs !== undefined ? { inputs: m.inputs } : {}),
    ...(m.outputs !== undefined ? { outputs: m.outputs } : {}),
    instanceGroup: m.instanceGroup,
    ...(m.dynamicBatching ? { dynamicBatching: m.dynamicBatching } : {}),
    smoke: smokeRequestFor(m),
  };
}

/** The stack model's smoke section as the core's SmokeRequest (deploy and verify alike). */
function smokeRequestFor(m: ModelConfig): SmokeRequest {
  return {
    requests: m.smoke.requests,
    ...(m.smoke.p95BudgetMs !== undefined ? { p95BudgetMs: m.smoke.p95BudgetMs } : {}),
    ...(m.smoke.golden !== undefined ? { golden: m.smoke.golden } : {}),
  };
}

async function status(
  args: ModelCliArgs,
  env: DeployEnvironment,
  models: ModelConfig[],
  io: CliIo,
): Promise<number> {
  const statuses = [];
  for (const m of models) {
    try {
      const s = await readModelStatus(env, m.name, io.signal ? { signal: io.signal } : {});
      statuses.push(s);
      if (!args.json) io.stdout.write(`${statusLines(s).join("\n")}\n`);
    } catch (error) {
      io.stderr.write(`${m.name}: ${errorMessage(error)}\n`);
      return EXIT.rolledBack;
    }
  }
  if (args.json) {
    io.stdout.write(`${JSON.stringify({ command: "status", models: statuses }, null, 2)}\n`);
  }
  return EXIT.ok;
}

async function verify(
  args: ModelCliArgs,
  env: DeployEnvironment,
  models: ModelConfig[],
  io: CliIo,
): Promise<number> {
  const results: unknown[] = [];
  let exit: number = EXIT.ok;
  for (const m of models) {
    try {
      const reports = await verifyModel(
        env,
        m.name,
        smokeRequestFor(m),
        io.signal ? { signal: io.signal } : {},
      );
      results.push({ model: m.name, ok: true, reports });
      if (!args.json) io.stdout.write(`${verifyLine(m.name, reports)}\n`);
    } catch (error) {
      io.stderr.write(`${m.name}: verification failed: ${errorMessage(error)}\n`);
      results.push({ model: m.name, ok: false, error: errorMessage(error) });
      exit = EXIT.rolledBack;
    }
  }
  if (args.json) io.stdout.write(`${JSON.stringify({ command: "verify", results }, null, 2)}\n`);
  return exit;
}

async function history(
  args: ModelCliArgs,
  env: DeployEnvironment,
  models: ModelConfig[],
  io: CliIo,
): Promise<number> {
  const all = [];
  for (const m of models) {
    const entries = await readHistory(
      env,
      m.name,
      args.limit !== undefined ? { limit: args.limit } : {},
    );
    all.push({ model: m.name, entries });
    if (!args.json) {
      io.stdout.write(
        entries.length === 0
          ? `${m.name}: no history\n`
          : `${entries.map(historyLine).join("\n")}\n`,
      );
    }
  }
  if (args.json) {
    io.stdout.write(`${JSON.stringify({ command: "history", models: all }, null, 2)}\n`);
  }
  return EXIT.ok;
}

if (require.main === module) {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort(new Error("interrupted (SIGINT)")));
  process.once("SIGTERM", () => controller.abort(new Error("terminated (SIGTERM)")));
  void runModelCli(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  }).then((code) => {
    process.exitCode = code;
  });
}
