// `npm run model -- <deploy|status|verify|history> --stack <s> …`: the deployment transaction
// without Pulumi, for Airflow, cron and break-glass use. The same core as the Pulumi provider.
import { ConfigError } from "../config/errors";
import type { ModelConfig, StackConfig } from "../config/schema";
import { readProjectName, readStackConfig } from "../config/stack-file";
import { assertStackIsolation } from "../config/stack-isolation";
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
  registryOutcomeOf,
  resolveModelVersion,
  verifyModel,
  writeBackDeployment,
  type DeployEnvironment,
  type DeploymentResult,
  type DeployRequest,
  type ModelStatus,
  type ProgressListener,
  type SmokeRequest,
} from "../core";
import { MODEL_USAGE, parseModelArgs, UsageError, type ModelCliArgs } from "./model-args";
import { assertDeployCredentials, deployEnvironmentFor } from "./model-environment";
import { deployLine, historyLine, statusLines, verifyLine } from "./model-output";
import { abortOnStopSignals } from "./stop-signals";

/** Exit codes (documented in the usage text and the README's CLI section). */
export const EXIT = {
  ok: 0,
  rolledBack: 1,
  usage: 2,
  rollbackFailed: 3,
  /** A Triton endpoint did not answer: what it serves is unknown. */
  servingUnknown: 4,
  /** Every endpoint answered, and one does not serve exactly the committed version. */
  drift: 5,
} as const;
type ExitCode = (typeof EXIT)[keyof typeof EXIT];

// With several models the worst outcome decides the exit code; a human-needed rollback failure
// outranks not knowing what serves, which outranks a drift and a clean rollback.
const SEVERITY: readonly ExitCode[] = [
  EXIT.ok,
  EXIT.rolledBack,
  EXIT.drift,
  EXIT.servingUnknown,
  EXIT.usage,
  EXIT.rollbackFailed,
];
function worst(a: ExitCode, b: ExitCode): ExitCode {
  return SEVERITY.indexOf(a) >= SEVERITY.indexOf(b) ? a : b;
}

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
    const projectDir = args.projectDir ?? io.cwd;
    config = readStackConfig(projectDir, args.stack);
    assertStackIsolation(projectDir, args.stack, config);
    env = {
      ...deployEnvironmentFor(config, io.env),
      // The repository belongs to this stack: another stack's deploy is refused (core owner.ts).
      repositoryOwner: {
        project: readProjectName(projectDir),
        stack: args.stack,
        namespace: config.namespace,
      },
    };
    models = selectModels(config, args);
    if (args.command === "deploy") assertDeployCredentials(config, env, io.env);
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
  if (args.json && printsNpmBanner(io.env)) {
    io.stderr.write(NPM_BANNER_NOTE);
  }
  switch (args.command) {
    case "deploy":
      return deploy(args, env, models, io, writeBackOf(config));
    case "status":
      return status(args, env, models, io);
    case "verify":
      return verify(args, env, models, io);
    case "history":
      return history(args, env, models, io);
  }
}

export const NPM_BANNER_NOTE =
  "note: npm printed its '> triton-serving@… model' banner on stdout before this JSON; run `npm run -s model -- …` (or --silent) for stdout that is JSON only\n";

/** Run by `npm run` without --silent: npm has written its banner to our stdout already. */
function printsNpmBanner(env: CliIo["env"]): boolean {
  return env.npm_lifecycle_event !== undefined && env.npm_config_loglevel !== "silent";
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
  writeBack: WriteBack | undefined,
): Promise<number> {
  const progress = createProgressFormatter(io.stderr, { format: "logfmt" });
  // Different models deploy side by side, a few at a time (bounded-map.ts says why that is
  // safe); their lines are written in the stack's model order once all have finished.
  const outcomes = await mapBounded(models, PARALLEL_DEPLOYMENTS, (m) =>
    deployOne(args, env, m, io, progress, writeBack),
  );
  const results = outcomes.map((o) => o.result);
  for (const o of outcomes) {
    if (o.stdout !== "" && !args.json) io.stdout.write(o.stdout);
    if (o.stderr !== "") io.stderr.write(o.stderr);
  }
  const exit = outcomes.reduce<ExitCode>((w, o) => worst(w, o.exit), EXIT.ok);
  if (args.json) io.stdout.write(`${JSON.stringify({ command: "deploy", results }, null, 2)}\n`);
  return exit;
}

type WriteBack = { environment: string };

/** Stack `mlflow.writeBack` (on by default): the registry hears of every deployment attempt. */
function writeBackOf(config: StackConfig): WriteBack | undefined {
  return config.mlflow.writeBack ? { environment: config.environment } : undefined;
}

/**
 * MLflow write-back after the transaction has returned or thrown (src/core/writeback): a refused
 * write is a warning on stderr and never changes the exit code.
 */
async function writeBackAfter(
  writeBack: WriteBack | undefined,
  env: DeployEnvironment,
  request: DeployRequest,
  answer: { result: DeploymentResult } | { error: unknown },
  io: CliIo,
): Promise<void> {
  if (writeBack === undefined) return;
  // deployed_at is the commit's own time (current.json), as the provider records it.
  const committedAt =
    "result" in answer
      ? (await readModelStatus(env, request.model).catch(() => undefined))?.committed?.updatedAtUtc
      : undefined;
  const report = await writeBackDeployment(
    { environment: writeBack.environment, mlflow: env.mlflow },
    registryOutcomeOf(request, committedAt !== undefined ? { ...answer, committedAt } : answer),
  );
  for (const warning of report.warnings) io.stderr.write(`warning: ${warning}\n`);
}

/** One model's resolve, deploy and write-back: what to print and the exit code it asks for. */
async function deployOne(
  args: ModelCliArgs,
  env: DeployEnvironment,
  m: ModelConfig,
  io: CliIo,
  progress: ProgressListener,
  writeBack: WriteBack | undefined,
): Promise<{ result: unknown; exit: ExitCode; stdout: string; stderr: string }> {
  let stderr = "";
  // Buffered, so that models deployed side by side print in the stack's order.
  const buffered: CliIo = { ...io, stderr: { write: (t: string) => (stderr += t) } };
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
      stdout: "",
      stderr: `${message}\n`,
    };
  }
  try {
    const result = await deployModel(env, request, {
      onProgress: progress,
      ...(io.signal ? { signal: io.signal } : {}),
    });
    await writeBackAfter(writeBack, env, request, { result }, buffered);
    return { result, exit: EXIT.ok, stdout: `${deployLine(result)}\n`, stderr };
  } catch (error) {
    await writeBackAfter(writeBack, env, request, { error }, buffered);
    if (!(error instanceof DeploymentError)) {
      return {
        result: { model: m.name, outcome: "failed", error: errorMessage(error) },
        exit: EXIT.rollbackFailed,
        stdout: "",
        stderr: `${stderr}${m.name}: ${errorMessage(error)}\n`,
      };
    }
    stderr += `${m.name}: ${error.message}\n`;
    const silent = unansweredEndpoints(error.serving.endpoints);
    if (!error.rollbackFailed && silent.length > 0) {
      // Not "rolled back, the prior version serves": nobody could check that it does.
      stderr += `${m.name}: what ${silent.join(", ")} serve${silent.length === 1 ? "s" : ""} is unknown (no answer); check ${silent.length === 1 ? "that endpoint" : "those endpoints"} before relying on committed version ${error.serving.committedVersion ?? "(none)"} (exit ${EXIT.servingUnknown})\n`;
    }
    return {
      result: { ...error.result, step: error.step, error: error.message },
      exit: error.rollbackFailed
        ? EXIT.rollbackFailed
        : silent.length > 0
          ? EXIT.servingUnknown
          : EXIT.rolledBack,
      stdout: "",
      stderr,
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
  let exit: ExitCode = EXIT.ok;
  for (const m of models) {
    try {
      const s = await readModelStatus(env, m.name, io.signal ? { signal: io.signal } : {});
      statuses.push(s);
      if (!args.json) io.stdout.write(`${statusLines(s).join("\n")}\n`);
      exit = worst(exit, servingExit(s));
    } catch (error) {
      io.stderr.write(`${m.name}: ${errorMessage(error)}\n`);
      return EXIT.rolledBack;
    }
  }
  if (args.json) {
    io.stdout.write(`${JSON.stringify({ command: "status", models: statuses }, null, 2)}\n`);
  }
  return exit;
}

/** status/verify: 4 when an endpoint did not answer, 5 when one serves something else. */
function servingExit(s: ModelStatus): ExitCode {
  if (unansweredEndpoints(s.served).length > 0) return EXIT.servingUnknown;
  return s.drift ? EXIT.drift : EXIT.ok;
}

function unansweredEndpoints(served: ModelStatus["served"]): string[] {
  return served.filter((e) => e.error !== undefined).map((e) => e.endpoint);
}

async function verify(
  args: ModelCliArgs,
  env: DeployEnvironment,
  models: ModelConfig[],
  io: CliIo,
): Promise<number> {
  const results: unknown[] = [];
  let exit: ExitCode = EXIT.ok;
  for (const m of models) {
    try {
      // Smoke-testing the committed version proves nothing when an endpoint does not answer or
      // serves another version to version-less requests: those are reported first.
      const serving = servingProblem(
        await readModelStatus(env, m.name, io.signal ? { signal: io.signal } : {}),
      );
      // An interrupt is not an endpoint that did not answer: the smoke call below reports it.
      if (serving !== undefined && io.signal?.aborted !== true) {
        io.stderr.write(`${m.name}: verification failed: ${serving.message}\n`);
        results.push({ model: m.name, ok: false, error: serving.message });
        exit = worst(exit, serving.exit);
        continue;
      }
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
      exit = worst(exit, EXIT.rolledBack);
    }
  }
  if (args.json) io.stdout.write(`${JSON.stringify({ command: "verify", results }, null, 2)}\n`);
  return exit;
}

/** Why the served state of a model makes a smoke check meaningless, with the exit code. */
function servingProblem(s: ModelStatus): { message: string; exit: ExitCode } | undefined {
  const silent = s.served.filter((e) => e.error !== undefined);
  if (silent.length > 0) {
    return {
      exit: EXIT.servingUnknown,
      message: silent.map((e) => `${e.endpoint} did not answer (${e.error})`).join("; "),
    };
  }
  if (!s.drift) return undefined;
  // The committed files themselves differ from current.json (status-drift: the sha256).
  if (s.filesDrift !== undefined) return { exit: EXIT.drift, message: s.filesDrift };
  const committed = s.committed?.activeVersion;
  return {
    exit: EXIT.drift,
    message: s.served
      .filter((e) => e.readyVersions.join(",") !== (committed ?? ""))
      .map(
        (e) =>
          `${e.endpoint} serves ${e.readyVersions.length > 0 ? `version ${e.readyVersions.join(",")}` : "nothing"}; expected ${committed === undefined ? "nothing (no committed version)" : `exactly committed version ${committed}`}`,
      )
      .join("; "),
  };
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
  abortOnStopSignals(controller, process.stderr);
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
