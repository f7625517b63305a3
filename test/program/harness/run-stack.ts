// Runs the Pulumi program for one stack config exactly as the engine runs it (see
// test/support/engine/run-program.ts) and returns what it registered. Stack config comes either
// from a Pulumi.<stack>.yaml or from a test-built object, as the same namespaced string map the
// Pulumi CLI hands a program.
import { resolve } from "node:path";
import { readStackFile } from "../../../src/config/stack-file";
import type { ComputedState } from "../../support/pulumi-mocks";
import { engineLaunch, findProjectRoot } from "../../support/engine/pulumi-project";
import {
  runPulumiProgram,
  type ProgramResult,
  type RunProgramOptions,
} from "../../support/engine/run-program";

/** The project this test tree belongs to: the nearest Pulumi.yaml above it, as the CLI finds it. */
export const PROJECT_DIR = findProjectRoot(resolve(__dirname));
/** The config namespace: Pulumi.yaml's `name`, as the CLI takes it. */
const PROJECT = engineLaunch(PROJECT_DIR).projectName;

export type { ProgramResult };

/** Values as `pulumi config` passes them: strings, structured values as JSON. */
export function toPulumiConfig(
  values: Record<string, unknown>,
  secrets: Record<string, string>,
): { config: Record<string, string>; secretKeys: string[] } {
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    config[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  }
  for (const [k, v] of Object.entries(secrets)) config[`${PROJECT}:${k}`] = v;
  return { config, secretKeys: Object.keys(secrets).map((k) => `${PROJECT}:${k}`) };
}

/** The non-secret values of Pulumi.<stack>.yaml. */
export function stackFileValues(stack: string): Record<string, unknown> {
  return structuredClone(readStackFile(PROJECT_DIR, stack).values);
}

export async function runStack(args: {
  stack: string;
  values: Record<string, unknown>;
  secrets: Record<string, string>;
  preview?: boolean;
  /** State the mocks add per resource type, as a provider would compute it at `up`. */
  computedState?: ComputedState;
  /** Variables of the user's shell (e.g. MLflow credentials a CI job exports). */
  env?: Record<string, string>;
  /** Benchmarks only: another loader than Pulumi.yaml's (run-program.ts). */
  launchOverride?: RunProgramOptions["launchOverride"];
}): Promise<ProgramResult> {
  return runPulumiProgram({
    projectRoot: PROJECT_DIR,
    stack: args.stack,
    ...toPulumiConfig(args.values, args.secrets),
    ...(args.preview !== undefined ? { preview: args.preview } : {}),
    ...(args.computedState !== undefined ? { computedState: args.computedState } : {}),
    ...(args.env !== undefined ? { env: args.env } : {}),
    ...(args.launchOverride !== undefined ? { launchOverride: args.launchOverride } : {}),
  });
}
