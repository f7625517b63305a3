// Runs the Pulumi program as `pulumi preview`/`up` runs it: the language host's runner
// (`@pulumi/pulumi/cmd/run`, resolved from the program directory as the language host resolves
// it) in a fresh Node.js process, started in the directory the engine computes from Pulumi.yaml,
// with the engine's arguments and the language host's environment (config as PULUMI_CONFIG in
// the `<ns>:config:<key>` form, secret keys, PULUMI_NODEJS_TYPESCRIPT) on top of a user's shell
// environment — nothing of the test runner's. Only the resource monitor is a mock (mock-engine.ts).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  unwrapSecrets,
  type ComputedState,
  type ProgramRun,
  type RecordedResource,
} from "../pulumi-mocks";
import { startMockEngine, type EngineLogEntry } from "./mock-engine";
import { engineLaunch, userShellEnvironment, type EngineLaunch } from "./pulumi-project";

export type ProgramResult =
  | ({ ok: true; log: EngineLogEntry[] } & ProgramRun)
  | {
      ok: false;
      error: string;
      log: EngineLogEntry[];
      exitCode: number | null;
      /** What the program registered before it failed (a refusal should register nothing). */
      resources: RecordedResource[];
    };

export interface RunProgramOptions {
  projectRoot: string;
  stack: string;
  /** Namespaced config (`<ns>:<key>` → string), as `pulumi config` holds it. */
  config: Record<string, string>;
  secretKeys: string[];
  preview?: boolean;
  computedState?: ComputedState;
  /** Extra variables of the user's shell (credentials a user would export). */
  env?: Record<string, string>;
  /**
   * For benchmarks comparing loaders only: replaces what Pulumi.yaml's runtime options give
   * (e.g. `nodeArgs: ["--import", "tsx"]` with `runtimeEnv: {}`).
   */
  launchOverride?: Partial<Pick<EngineLaunch, "nodeArgs" | "runtimeEnv">>;
}

export async function runPulumiProgram(opts: RunProgramOptions): Promise<ProgramResult> {
  const launch = { ...engineLaunch(opts.projectRoot), ...opts.launchOverride };
  const engine = await startMockEngine({
    project: launch.projectName,
    stack: opts.stack,
    ...(opts.computedState !== undefined ? { computedState: opts.computedState } : {}),
  });
  try {
    // pulumi-language-nodejs `locateModule`: the runner is resolved from the program directory.
    const runner = createRequire(join(launch.workingDirectory, "noop.js")).resolve(
      "@pulumi/pulumi/cmd/run",
    );
    const args = [
      ...launch.nodeArgs,
      runner,
      "--monitor",
      engine.monitorAddress,
      "--engine",
      engine.engineAddress,
      "--project",
      launch.projectName,
      "--stack",
      opts.stack,
      "--pwd",
      launch.workingDirectory,
      ...(opts.preview === true ? ["--dry-run"] : []),
      "--parallel",
      "16",
      launch.entryPoint,
    ];
    const env = {
      ...userShellEnvironment(opts.env),
      PULUMI_CONFIG: JSON.stringify(languageHostConfig(opts.config)),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(opts.secretKeys),
      ...launch.runtimeEnv,
    };
    const stderr: string[] = [];
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        cwd: launch.workingDirectory,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.resume();
      child.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
      child.on("error", reject);
      child.on("exit", (code) => resolve(code));
    });
    const log = [...engine.log];
    if (exitCode !== 0) {
      const errors = log.filter((l) => l.severity === "error").map((l) => l.message.trimEnd());
      return {
        ok: false,
        error: errors.length > 0 ? errors.join("\n") : stderr.join("").trim(),
        log,
        exitCode,
        resources: engine.resources,
      };
    }
    return {
      ok: true,
      resources: engine.resources,
      // Stack outputs as a program's reader sees them: secrets unwrapped to their values.
      outputs: unwrapSecrets(engine.stackOutputs()) as Record<string, unknown>,
      log,
    };
  } finally {
    await engine.close();
  }
}

/**
 * pulumi-language-nodejs `constructConfig`: keys are passed in the legacy `<ns>:config:<key>`
 * form, which the SDK normalises back.
 */
function languageHostConfig(config: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const colon = key.indexOf(":");
    out[`${key.slice(0, colon)}:config:${key.slice(colon + 1)}`] = value;
  }
  return out;
}
