import type { ArtifactEntry } from "./artifact-sources";
import { MlflowError } from "./errors";

/** Where the ONNX graph is saved locally, whatever its name in the artifact: Triton's default file name. */
export const LOCAL_MODEL_FILE = "model.onnx";

/**
 * Files MLflow writes beside the model that Triton never reads (mlflow-contract.md §6): the
 * MLmodel descriptor, environment files and input examples.
 */
function isMlflowMetadata(name: string): boolean {
  return [
    "MLmodel",
    "conda.yaml",
    "python_env.yaml",
    "requirements.txt",
    "constraints.txt",
    "input_example.json",
    "serving_input_example.json",
    "registered_model_meta",
  ].includes(name);
}

export interface ModelFilePlan {
  /** The ONNX graph in the artifact (`model.onnx`, or the only `*.onnx`). */
  model: ArtifactEntry;
  /** Everything else the graph may reference: external-data files beside it. */
  companions: ArtifactEntry[];
}

/**
 * Picks the files to download from the model directory's top-level listing. The graph is
 * `model.onnx` (what `mlflow.onnx.log_model` writes) or else the only `*.onnx` file (a plain
 * logged artifact). Every other top-level file that is not MLflow metadata is kept, because ONNX
 * external data files have arbitrary names (a uuid for `mlflow.onnx`, `model.onnx.data` for
 * `onnx.save`) and a missing one only shows up when Triton loads the model. Subdirectories
 * (`metadata/`, `code/`) are not model data and are skipped.
 */
export function planModelFiles(entries: ArtifactEntry[], where: string): ModelFilePlan {
  const files = entries.filter((e) => !e.isDir);
  for (const f of files) {
    if (f.path.includes("/") || f.path === "." || f.path === ".." || f.path.includes("\\")) {
      throw new MlflowError(
        "NO_ONNX_FILE",
        `the artifact listing of ${where} has an unsafe file name "${f.path}"; expected plain file names`,
      );
    }
  }
  const onnx = files.filter((f) => f.path.toLowerCase().endsWith(".onnx"));
  const model =
    onnx.find((f) => f.path === "model.onnx") ?? (onnx.length === 1 ? onnx[0] : undefined);
  if (model === undefined) {
    const names = files.map((f) => f.path).join(", ") || "no files";
    throw new MlflowError(
      "NO_ONNX_FILE",
      onnx.length === 0
        ? `no ONNX model in ${where}: expected model.onnx or one *.onnx file, found ${names}`
        : `several ONNX files in ${where} and none is model.onnx (${onnx.map((f) => f.path).join(", ")}); cannot tell which is the model`,
    );
  }
  const companions = files.filter(
    (f) => f !== model && !isMlflowMetadata(f.path) && !f.path.toLowerCase().endsWith(".onnx"),
  );
  return { model, companions };
}
