// Command-line parsing of `npm run model -- <command> --stack <s> …`. Usage problems are
// UsageErrors (exit code 2) whose message names the argument, the value and what is expected.
import { SECRET_KEYS } from "../config/schema";

export const MODEL_COMMANDS = ["deploy", "status", "verify", "history"] as const;
export type ModelCommand = (typeof MODEL_COMMANDS)[number];

export interface ModelCliArgs {
  command: ModelCommand;
  stack: string;
  model: string | undefined;
  alias: string | undefined;
  version: string | undefined;
  json: boolean;
  /** Directory with Pulumi.yaml and Pulumi.<stack>.yaml. Default: the current directory. */
  projectDir: string | undefined;
  /** history: how many entries. */
  limit: number | undefined;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const MODEL_USAGE = `usage: npm run model -- <deploy|status|verify|history> --stack <name> [--model <m>] [--alias <a> | --version <v>] [--json] [--project-dir <dir>] [--limit <n>]

  deploy    resolve the alias (or pinned version) and run the deployment transaction
  status    what is committed (current.json) and what each Triton endpoint serves
  verify    re-run the smoke check against the served version
  history   the deployment attempts recorded in history.jsonl

exit codes: 0 committed, nothing to do, or (status/verify) every endpoint serves exactly the
            committed version and passes; 1 failed and rolled back (the prior version serves) or
            verification failed; 2 usage, config or missing-credential error (nothing was done);
            3 failed and the rollback failed too (a human is needed); 4 a Triton endpoint did not
            answer, so what it serves is unknown; 5 (status/verify) an endpoint serves another
            version than the committed one (drift)

SIGINT/SIGTERM (once or repeated) roll back and exit 1; only SIGKILL stops a rollback.
With --json use npm run -s model (or --silent): without it npm prints its banner on stdout.

environment overrides: TRITON_SERVING_TRITON_URLS (comma-separated), TRITON_SERVING_REPOSITORY_ROOT,
MLFLOW_TRACKING_URI, ${SECRET_KEYS.tritonApiKey.env} (restricted-API key), MLFLOW_TRACKING_* (credentials, TLS),
TRITON_SERVING_READY_TIMEOUT_MS, TRITON_SERVING_LOCK_WAIT_MS (wait this long for another
deployment's lock instead of failing at once)`;

const VALUE_FLAGS = ["--stack", "--model", "--alias", "--version", "--project-dir", "--limit"];

/** Parse argv (without node and the script). */
export function parseModelArgs(argv: readonly string[]): ModelCliArgs {
  const values: Record<string, string> = {};
  let json = false;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--json") {
      json = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_FLAGS.includes(flag)) {
      const value = eq > 0 && arg.startsWith("--") ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) {
        throw new UsageError(`${flag} needs a value`);
      }
      if (values[flag] !== undefined) throw new UsageError(`${flag} given twice`);
      values[flag] = value;
      continue;
    }
    if (arg.startsWith("-")) {
      throw new UsageError(
        `unknown option ${JSON.stringify(arg)}; expected one of ${[...VALUE_FLAGS, "--json"].join(", ")}`,
      );
    }
    positional.push(arg);
  }
  const [command, ...extra] = positional;
  if (command === undefined) {
    throw new UsageError("missing command; expected one of deploy, status, verify, history");
  }
  if (!(MODEL_COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(
      `unknown command ${JSON.stringify(command)}; expected one of ${MODEL_COMMANDS.join(", ")}`,
    );
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const stack = values["--stack"];
  if (stack === undefined) throw new UsageError("--stack is required (e.g. --stack dev)");
  const alias = values["--alias"];
  const version = values["--version"];
  if (alias !== undefined && version !== undefined) {
    throw new UsageError("--alias and --version exclude each other; give one");
  }
  if ((alias !== undefined || version !== undefined) && command !== "deploy") {
    throw new UsageError(`--alias/--version apply to deploy only, not ${command}`);
  }
  if (version !== undefined && !/^[1-9][0-9]*$/.test(version)) {
    throw new UsageError(
      `--version ${JSON.stringify(version)} is not a model version; expected digits such as 12`,
    );
  }
  if (alias !== undefined && !/^[A-Za-z0-9_-]{1,255}$/.test(alias)) {
    throw new UsageError(
      `--alias ${JSON.stringify(alias)} is not an MLflow alias; expected letters, digits, '_' and '-'`,
    );
  }
  const limitText = values["--limit"];
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new UsageError(
      `--limit ${JSON.stringify(limitText)} is invalid; expected a positive integer`,
    );
  }
  return {
    command: command as ModelCommand,
    stack,
    model: values["--model"],
    alias,
    version,
    json,
    projectDir: values["--project-dir"],
    limit,
  };
}
