// An MLflow-compatible test server holding the registered models of both stack files, so the real
// program can resolve its aliases while "previewing" under mocks. Seeded only through MLflow's own
// write endpoints (publishOnnxModel). Version 1 carries prod's alias `champion`, version 2 dev's
// alias `A` — dev runs ahead of prod, as after a promotion in dev.
import { startMlflowServer, type MlflowHandle } from "../support/mlflow";
import { publishOnnxModel, type PublishedModel } from "../support/mlflow/seed";
import { batchableModel } from "../support/onnx/fixtures";

export interface SeededMlflow {
  readonly handle: MlflowHandle;
  readonly url: string;
  /** The published versions of `iris-classifier`, in order. */
  readonly versions: PublishedModel[];
  close(): Promise<void>;
}

export const STACK_ALIASES = { dev: "A", prod: "champion" } as const;

export async function startSeededMlflow(): Promise<SeededMlflow> {
  const handle = await startMlflowServer();
  const versions: PublishedModel[] = [];
  for (const [variant, alias] of [
    [1, STACK_ALIASES.prod],
    [2, STACK_ALIASES.dev],
  ] as const) {
    versions.push(
      await publishOnnxModel(handle.url, {
        name: "iris-classifier",
        files: { "model.onnx": batchableModel({ variant }) },
        layout: "logged-model",
        alias,
        sha256Tag: true,
      }),
    );
  }
  return { handle, url: handle.url, versions, close: () => handle.close() };
}
