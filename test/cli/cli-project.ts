// A project directory for CLI tests: Pulumi.yaml and Pulumi.cli.yaml (dev's config with the iris
// model of the transaction harness), and the environment that points the CLI at a test bench.
import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { runModelCli } from "../../src/cli/model";
import { API_KEY, MODEL, REGISTERED, type Bench } from "../core/transaction/harness";

export const REPO = join(__dirname, "..", "..");

/** A project dir with Pulumi.yaml and Pulumi.cli.yaml; `edit` changes the stack config. */
export async function makeProject(
  edit: (config: Record<string, unknown>) => void = () => undefined,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cli-project-"));
  await copyFile(join(REPO, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  const dev = parse(await readFile(join(REPO, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  dev.config["triton-serving:models"] = [
    {
      name: MODEL,
      registeredModel: REGISTERED,
      alias: "champion",
      maxBatchSize: 0,
      inputs: [{ name: "input", dataType: "TYPE_FP32", dims: [1, 4] }],
      outputs: [{ name: "probabilities", dataType: "TYPE_FP32", dims: [1, 3] }],
      smoke: { requests: 2 },
    },
  ];
  // MLflow write-back (on by default) would add the alias `dev-serving` that the CLI's messages
  // list among the model's aliases; it has its own tests (test/gitops/write-back.test.ts).
  dev.config["triton-serving:mlflow"] = {
    ...(dev.config["triton-serving:mlflow"] as object),
    writeBack: false,
  };
  edit(dev.config);
  await writeFile(join(dir, "Pulumi.cli.yaml"), stringify(dev));
  return dir;
}

/** The environment overrides that point the CLI at `bench`. */
export function benchEnv(bench: Bench): Record<string, string> {
  return {
    TRITON_SERVING_TRITON_URLS: bench.tritons.map((t) => t.httpUrl).join(","),
    TRITON_SERVING_REPOSITORY_ROOT: bench.root,
    MLFLOW_TRACKING_URI: bench.mlflow.url,
    TRITON_API_KEY: API_KEY,
    TRITON_SERVING_READY_TIMEOUT_MS: "3000",
  };
}

/** Run the model CLI in-process: its exit code and what it wrote (stderr is not a terminal). */
export async function runCli(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
  signal?: AbortSignal,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runModelCli(argv, {
    env,
    cwd,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    ...(signal ? { signal } : {}),
  });
  return { code, stdout, stderr };
}
