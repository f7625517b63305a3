// The bench the bad-input corpus runs on: the Triton- and MLflow-compatible test servers sharing
// a repository with a committed iris model, the model CLI run in-process (its exit code and
// stderr are what a scheduler sees), and a byte snapshot of everything committed.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { benchEnv, makeProject, runCli } from "../cli/cli-project";
import { MODEL, publish, startBench, type Bench } from "../core/transaction/harness";
import { irisModel } from "../support/onnx/fixtures";

export interface CorpusBench {
  bench: Bench;
  /** A project whose Pulumi.cli.yaml deploys the iris model (alias champion). */
  project: string;
  env: Record<string, string>;
  /** The committed version: the first deploy's, moved on by the cases that commit. */
  committed: string;
  /** The version published first, under alias champion. */
  readonly firstVersion: string;
  close(): Promise<void>;
}

export async function startCorpusBench(): Promise<CorpusBench> {
  const bench = await startBench();
  const project = await makeProject();
  // Retries as a scheduler would configure them for a quick verdict: 2 retries, no backoff.
  const env = {
    ...benchEnv(bench),
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: "2",
    MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: "0",
  };
  const committed = (await publish(bench, irisModel({ variant: 1 }), { alias: "champion" }))
    .version;
  const first = await runCli(["deploy", "--stack", "cli"], env, project);
  if (first.code !== 0) throw new Error(`the corpus bench's first deploy failed: ${first.stderr}`);
  return { bench, project, env, committed, firstVersion: committed, close: () => bench.close() };
}

/**
 * Every committed byte of the model: current.json, config.pbtxt, committed-config.json and the
 * committed version's directory (path → content). history.jsonl grows by design and quarantined
 * candidates (`failed_*`) are not committed, so neither is part of it.
 */
export async function committedBytes(root: string, version: string): Promise<Map<string, Buffer>> {
  const dir = join(root, MODEL);
  const out = new Map<string, Buffer>();
  for (const name of ["current.json", "config.pbtxt", "committed-config.json"]) {
    out.set(name, await readFile(join(dir, name)));
  }
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = join(rel, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.set(path, await readFile(join(dir, path)));
    }
  };
  await walk(version);
  return out;
}
