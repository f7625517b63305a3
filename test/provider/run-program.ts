// Runs the program for one stack config in a fresh Node process (program-child.ts) under mocks
// that also return what the ModelDeployment provider computes at `up` (sha256, committedAt), so
// the stack's `models` output can be compared in full. The generic runner
// (test/program/harness/run-stack.ts) echoes inputs only.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ComputedState } from "../support/pulumi-mocks";
import { PROJECT_DIR, toPulumiConfig, type ProgramResult } from "../program/harness/run-stack";

export async function runProgramWithState(args: {
  stack: string;
  values: Record<string, unknown>;
  secrets: Record<string, string>;
  computedState: ComputedState;
}): Promise<ProgramResult> {
  const dir = mkdtempSync(join(tmpdir(), "provider-program-run-"));
  try {
    const inPath = join(dir, "in.json");
    const outPath = join(dir, "out.json");
    writeFileSync(
      inPath,
      JSON.stringify({
        stack: args.stack,
        computedState: args.computedState,
        ...toPulumiConfig(args.values, args.secrets),
      }),
    );
    const stderr: string[] = [];
    const code = await new Promise<number | null>((done, fail) => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", join(__dirname, "program-child.ts"), inPath, outPath],
        { cwd: PROJECT_DIR, stdio: ["ignore", "ignore", "pipe"] },
      );
      child.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
      child.on("error", fail);
      child.on("exit", done);
    });
    // A failed program can exit non-zero after writing its result: the file is the answer.
    if (!existsSync(outPath)) {
      throw new Error(`program run exited ${String(code)} without a result: ${stderr.join("")}`);
    }
    return JSON.parse(readFileSync(outPath, "utf8")) as ProgramResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
