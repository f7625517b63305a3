// One program run per test file, against a seeded MLflow on loopback. The program resolves each
// model's alias against MLflow while it runs (= at preview), so the stack's mlflow.trackingUri
// must point at an MLflow-compatible server that holds the stack's registered model.
import { after, before } from "node:test";
import type { PublishedModel } from "../../support/mlflow/seed";
import type { RecordedResource } from "../../support/pulumi-mocks";
import { startSeededMlflow, type SeededMlflow } from "../../provider/seeded-mlflow";
import type { EngineLogEntry } from "../../support/engine/mock-engine";
import { runStack, stackFileValues } from "./run-stack";

/** Filled in by the file's `before` hook; read it inside tests only. */
export interface StackRun {
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  /** The versions the seeded MLflow holds, in order (`startSeededMlflow`). */
  published: PublishedModel[];
  /** What the program reported to the engine (diagnostics of every severity). */
  log: EngineLogEntry[];
}

/** Registers `before`/`after` hooks that start the seeded MLflow, run the stack and stop MLflow. */
export function runStackWithSeededMlflow(args: {
  stack: string;
  /** The stack config, given the seeded MLflow's URL. */
  values: (mlflowUrl: string) => Record<string, unknown>;
  secrets: Record<string, string>;
}): StackRun {
  const run: StackRun = { resources: [], outputs: {}, published: [], log: [] };
  let mlflow: SeededMlflow | undefined;
  before(async () => {
    mlflow = await startSeededMlflow();
    const { values, ...rest } = args;
    const result = await runStack({ ...rest, values: values(mlflow.url) });
    if (!result.ok) throw new Error(result.error);
    run.resources = result.resources;
    run.outputs = result.outputs;
    run.published = mlflow.versions;
    run.log = result.log;
  });
  after(async () => {
    await mlflow?.close();
  });
  return run;
}

/** Pulumi.<stack>.yaml's values with mlflow.trackingUri pointed at `mlflowUrl`. */
export function stackFileValuesWithMlflow(
  stack: string,
  mlflowUrl: string,
): Record<string, unknown> {
  const values = stackFileValues(stack);
  values.mlflow = { ...(values.mlflow as object), trackingUri: mlflowUrl };
  return values;
}
