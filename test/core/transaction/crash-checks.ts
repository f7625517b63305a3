// What the crash tests and the crash trials check after a SIGKILLed deployment and the run after
// it: the committed files agree with current.json, and a restarted server serves exactly the
// committed version with exactly the committed sha256.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DeployEnvironment, DeployRequest } from "../../../src/core";
import {
  modelPaths,
  readCommitRecord,
  readCurrentPointer,
  verifyVersionDir,
} from "../../../src/core/repository";
import { expectedIrisOutput } from "../../support/onnx/fixtures";
import type { TritonHandle } from "../../support/triton";
import { listDir, MODEL } from "./harness";

export const IRIS_INPUT = [5.1, 3.5, 1.4, 0.2];

export interface ChildEnd {
  /** "SIGKILL", or the exit code (10: finished without the kill, 11: failed without it). */
  end: NodeJS.Signals | number | null;
  /** What the child printed (the file operation it was killed at, or its step events). */
  stdout: string;
  /** Each line the child printed and when it arrived (ms since the epoch). */
  lines: { text: string; at: number }[];
  endedAt: number;
}

/**
 * Run `request` in a child process (crash-child.ts). `kill` is the child's own kill point (env
 * CRASH_AT / CRASH_AT_FILE_OPERATION), or a delay after which the parent SIGKILLs it: `afterMs`
 * from the spawn, or `afterLine.ms` from the moment the child printed `afterLine.line` (one of its
 * step events with CRASH_REPORT_PROGRESS=1).
 */
export function deployInChild(
  env: DeployEnvironment,
  request: DeployRequest,
  kill: {
    env?: Record<string, string>;
    afterMs?: number;
    afterLine?: { line: string; ms: number };
  },
): Promise<ChildEnd> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "crash-child.ts")], {
      env: { ...process.env, ...kill.env, CRASH_DEPLOY: JSON.stringify({ env, request }) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let pending = "";
    const lines: { text: string; at: number }[] = [];
    let timer =
      kill.afterMs === undefined
        ? undefined
        : setTimeout(() => child.kill("SIGKILL"), kill.afterMs);
    child.stdout.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const complete = pending.split("\n");
      pending = complete.pop() ?? "";
      for (const text of complete) {
        lines.push({ text, at: Date.now() });
        if (kill.afterLine?.line === text && timer === undefined) {
          timer = setTimeout(() => child.kill("SIGKILL"), kill.afterLine.ms);
        }
      }
    });
    child.stderr.on("data", () => undefined);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (pending !== "") lines.push({ text: pending, at: Date.now() });
      resolve({
        end: signal ?? code,
        stdout: lines.map((l) => l.text).join("\n"),
        lines,
        endedAt: Date.now(),
      });
    });
  });
}

/**
 * Disagreements between current.json and the files derived from it (empty when they agree):
 * committed-config.json names the committed version and sha256, config.pbtxt is the committed
 * record's text, `<v>/` is complete and holds the committed sha256, no commit is left pending.
 */
export async function committedFilesDisagree(root: string): Promise<string[]> {
  const paths = modelPaths(root, MODEL);
  const problems: string[] = [];
  const committed = await readCurrentPointer(paths.current);
  if (committed === undefined) return ["current.json is missing"];
  const record = await readCommitRecord(paths.committedConfig);
  if (record === undefined) problems.push("committed-config.json is missing or unreadable");
  else {
    if (record.version !== committed.activeVersion || record.sha256 !== committed.sha256) {
      problems.push(
        `committed-config.json names ${record.version}/${record.sha256}; current.json ${committed.activeVersion}/${committed.sha256}`,
      );
    }
    const pbtxt = await readFile(paths.config, "utf8").catch(() => undefined);
    if (pbtxt !== record.pbtxt) problems.push("config.pbtxt differs from the committed record");
  }
  const dir = await verifyVersionDir(join(paths.modelDir, committed.activeVersion));
  if (!dir.ok) problems.push(dir.reason);
  else if (dir.manifest.sha256 !== committed.sha256) {
    problems.push(
      `${committed.activeVersion}/ holds sha256 ${dir.manifest.sha256}; current.json ${committed.sha256}`,
    );
  }
  if ((await readCommitRecord(paths.pendingCommit)) !== undefined) {
    problems.push("a commit record is still pending");
  }
  return problems;
}

/** What a run left behind: entries beside the model in the root, dot entries in the model dir. */
export async function leftoversIn(root: string): Promise<string[]> {
  const problems: string[] = [];
  const rootEntries = await listDir(root);
  if (rootEntries.join(",") !== MODEL) problems.push(`left in the root: ${rootEntries.join(", ")}`);
  const hidden = (await listDir(join(root, MODEL))).filter((n) => n.startsWith("."));
  if (hidden.length > 0) problems.push(`left in ${MODEL}/: ${hidden.join(", ")}`);
  return problems;
}

/**
 * Restart every server (it loads the model from config.pbtxt, as a restarted pod does) and ask it
 * a version-less request: what answered, against the committed version and the output of the
 * variant whose sha256 current.json names. Empty when every server serves exactly the commit.
 */
export async function restartedServersDisagree(
  root: string,
  tritons: TritonHandle[],
  variantOfSha: ReadonlyMap<string, number>,
): Promise<string[]> {
  const committed = await readCurrentPointer(modelPaths(root, MODEL).current);
  const variant = variantOfSha.get(committed?.sha256 ?? "");
  if (committed === undefined || variant === undefined) {
    return [`current.json names sha256 ${committed?.sha256}, not a published variant`];
  }
  const expected = [...expectedIrisOutput(IRIS_INPUT, variant)];
  const problems: string[] = [];
  for (const triton of tritons) {
    await triton.crash();
    await triton.restart();
    const response = await fetch(`${triton.httpUrl}/v2/models/${MODEL}/infer`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        inputs: [{ name: "input", datatype: "FP32", shape: [1, 4], data: IRIS_INPUT }],
      }),
    });
    const body = (await response.json()) as {
      model_version?: string;
      outputs?: { data: number[] }[];
      error?: string;
    };
    if (response.status !== 200) {
      problems.push(`${triton.httpUrl} answered ${response.status}: ${body.error}`);
      continue;
    }
    if (body.model_version !== committed.activeVersion) {
      problems.push(
        `${triton.httpUrl} served version ${body.model_version}; committed ${committed.activeVersion}`,
      );
    }
    const got = body.outputs?.[0]?.data ?? [];
    if (got.length !== expected.length || got.some((x, i) => Math.abs(x - expected[i]!) > 1e-5)) {
      problems.push(
        `${triton.httpUrl} answered ${JSON.stringify(got)}; the committed sha256 (variant ${variant}) answers ${JSON.stringify(expected)}`,
      );
    }
  }
  return problems;
}
