import { createHash } from "node:crypto";
// One row of the bad-input corpus: how to arrange the fault and what the CLI must answer.
import { makeProject } from "../../cli/cli-project";
import { publishOnnxModel, type PublishedModel } from "../../support/mlflow";
import { irisModel } from "../../support/onnx/fixtures";
import { REGISTERED } from "../../core/transaction/harness";
import type { CorpusBench } from "../corpus-bench";

export interface Arranged {
  /** Default: deploy --stack cli. */
  argv?: string[];
  /** Merged over the bench's environment; undefined removes a variable. */
  env?: Record<string, string | undefined>;
  /** Default: the bench's project. */
  project?: string;
  exit: number;
  /**
   * The exact message: the last stderr line, or (with `whole`) the whole stderr, for errors
   * that stop before any progress line.
   */
  message: string | RegExp;
  whole?: boolean;
  /** Where the message is: stderr (default) or stdout (status prints its findings there). */
  stream?: "stdout";
  /** A good input that must commit (exit 0): the committed bytes move on, and say to what. */
  commits?: string;
  cleanup?: () => Promise<void> | void;
}

export interface CorpusCase {
  group: "stack config" | "mlflow" | "artifact" | "triton" | "repository";
  name: string;
  arrange(b: CorpusBench): Arranged | Promise<Arranged>;
}

/** Publish `files` as a new version of the bench's registered model (run-artifacts layout). */
export function publishFiles(
  b: CorpusBench,
  files: Record<string, Uint8Array | string>,
  options: { sha256Tag?: boolean | string; alias?: string } = {},
): Promise<PublishedModel> {
  return publishOnnxModel(b.bench.mlflow.url, {
    name: REGISTERED,
    files,
    layout: "run-artifacts",
    sha256Tag: options.sha256Tag ?? false,
    ...(options.alias !== undefined ? { alias: options.alias } : {}),
  });
}

/** `deploy --stack cli --version <v>`. */
export function deployVersion(v: string): string[] {
  return ["deploy", "--stack", "cli", "--version", v];
}

/** The outcome line of a deploy that failed and rolled back. */
export function rolledBack(
  b: CorpusBench,
  v: string,
  step: string,
  cause: string,
  committed = b.committed,
): string {
  return `iris: deploy of model 'iris' version ${v} failed at step '${step}': ${cause} — rolled back; committed version ${committed}; serving ${b.bench.tritons[0]!.httpUrl}: version ${committed}`;
}

/**
 * The stdout line of a deploy that committed `v` from `from` with model.onnx's digest `sha256`;
 * only the duration and the p95 vary.
 */
export function committedLine(v: string, from: string, sha256: string): RegExp {
  return new RegExp(
    `^iris: committed version ${v} \\(from ${from}\\) in \\d+\\.\\ds; sha256 ${sha256}; verified on 1 endpoint\\(s\\), 2 generated request\\(s\\), p95 \\d+(\\.\\d+)? ms$`,
  );
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Publish `bytes` (by default a good iris variant) as a new version; its number. */
export async function publishCandidate(
  b: CorpusBench,
  bytes: Uint8Array = irisModel({ variant: 2 }),
): Promise<string> {
  return (await publishFiles(b, { "model.onnx": bytes })).version;
}

/** `deploy --version v` failing at `step` with `cause`, rolled back (exit 1). */
export function failedDeploy(b: CorpusBench, v: string, step: string, cause: string): Arranged {
  return { argv: deployVersion(v), exit: 1, message: rolledBack(b, v, step, cause) };
}

/** A project whose iris model has `change` applied. */
export function projectWithModel(
  change: (model: Record<string, unknown>) => void,
): Promise<string> {
  return makeProject((config) => {
    const models = config["triton-serving:models"] as Record<string, unknown>[];
    change(models[0]!);
  });
}
