// Runs the Pulumi program for one stack config in a fresh Node process (see child.ts) and returns
// what it registered. Stack config comes either from a Pulumi.<stack>.yaml or from a test-built
// object, as the same namespaced string map the Pulumi CLI hands a program.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readStackFile } from "../../../src/config/stack-file";
import type { ComputedState, ProgramRun } from "../../support/pulumi-mocks";

export const PROJECT_DIR = resolve(__dirname, "../../..");
export const PROJECT = "triton-serving";

export type ProgramResult = ({ ok: true } & ProgramRun) | { ok: false; error: string };

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
  /**
   * How TypeScript is loaded: `tsx` (fast, no type check) or `pulumi-ts-node`, ts-node registered
   * as Pulumi's language host registers it (type-checked, the project's tsconfig). Default `tsx`.
   */
  loader?: "tsx" | "pulumi-ts-node";
  /** State the mocks add per resource type, as a provider would compute it at `up`. */
  computedState?: ComputedState;
}): Promise<ProgramResult> {
  const dir = mkdtempSync(join(tmpdir(), "program-run-"));
  try {
    const inPath = join(dir, "in.json");
    const outPath = join(dir, "out.json");
    writeFileSync(
      inPath,
      JSON.stringify({
        stack: args.stack,
        preview: args.preview ?? false,
        ...(args.computedState !== undefined ? { computedState: args.computedState } : {}),
        ...toPulumiConfig(args.values, args.secrets),
      }),
    );
    const stderr: string[] = [];
    const code = await new Promise<number | null>((done, fail) => {
      const child = spawn(
        process.execPath,
        [
          ...(args.loader === "pulumi-ts-node"
            ? ["-r", join(__dirname, "pulumi-ts-node.cjs")]
            : ["--import", "tsx"]),
          join(__dirname, "child.ts"),
          inPath,
          outPath,
        ],
        { cwd: PROJECT_DIR, stdio: ["ignore", "ignore", "pipe"] },
      );
      child.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
      child.on("error", fail);
      child.on("exit", done);
    });
    // A failed program leaves the stack's own registration pending, so the runtime reports
    // "promises still active" and exits 1 after the result was written: the file is the answer.
    if (!existsSync(outPath)) {
      throw new Error(`program run exited ${String(code)} without a result: ${stderr.join("")}`);
    }
    return JSON.parse(readFileSync(outPath, "utf8")) as ProgramResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
