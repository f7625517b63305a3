// MLmodel files as `mlflow.onnx.log_model` writes them (mlflow-contract.md §6), for seeding
// model directories with a tensor signature, a column signature, or none.
import { stringify } from "yaml";

export interface TensorSpec {
  /** Absent for unnamed single-tensor signatures (§6). */
  readonly name?: string;
  /** numpy dtype name: float32, int64, … */
  readonly dtype: string;
  /** `-1` marks a variable dimension. */
  readonly shape: readonly number[];
}

export interface ColumnSpec {
  readonly name: string;
  /** MLflow column type: double, long, string, … */
  readonly type: string;
}

export interface MlmodelOptions {
  /** @default { kind: "tensor" } with the iris classifier's `input` [-1,4] → `probabilities` [-1,3] */
  readonly signature?:
    | { readonly kind: "tensor"; readonly inputs?: TensorSpec[]; readonly outputs?: TensorSpec[] }
    | { readonly kind: "column"; readonly inputs?: ColumnSpec[]; readonly outputs?: ColumnSpec[] }
    | { readonly kind: "none" };
  /** `flavors.onnx.data`. @default "model.onnx" */
  readonly dataFile?: string;
  readonly runId?: string;
  /** 3.x: `model_id` (and `model_uuid`, equal to it). */
  readonly modelId?: string;
  /** The full artifact URI of the model directory (3.x `artifact_path`). */
  readonly artifactPath?: string;
  /** @default "3.4.0" */
  readonly mlflowVersion?: string;
  /** @default "2025-09-01 10:00:00.000000" */
  readonly utcTimeCreated?: string;
}

const IRIS_INPUTS: TensorSpec[] = [{ name: "input", dtype: "float32", shape: [-1, 4] }];
const IRIS_OUTPUTS: TensorSpec[] = [{ name: "probabilities", dtype: "float32", shape: [-1, 3] }];
const IRIS_COLUMNS: ColumnSpec[] = [
  { name: "sepal_length", type: "double" },
  { name: "sepal_width", type: "double" },
  { name: "petal_length", type: "double" },
  { name: "petal_width", type: "double" },
];

function tensorJson(specs: readonly TensorSpec[]): string {
  return JSON.stringify(
    specs.map((s) => ({
      type: "tensor",
      "tensor-spec": { dtype: s.dtype, shape: s.shape },
      ...(s.name !== undefined ? { name: s.name } : {}),
    })),
  );
}

function columnJson(specs: readonly ColumnSpec[]): string {
  return JSON.stringify(specs.map((s) => ({ type: s.type, name: s.name, required: true })));
}

/** The MLmodel YAML text; signature inputs/outputs are JSON strings inside the YAML (§6). */
export function mlmodelYaml(options: MlmodelOptions = {}): string {
  const data = options.dataFile ?? "model.onnx";
  const signature = options.signature ?? { kind: "tensor" };
  const doc: Record<string, unknown> = {};
  if (options.artifactPath !== undefined) doc.artifact_path = options.artifactPath;
  doc.flavors = {
    onnx: {
      code: null,
      data,
      onnx_session_options: null,
      onnx_version: "1.17.0",
      providers: ["CUDAExecutionProvider", "CPUExecutionProvider"],
    },
    python_function: {
      code: null,
      data,
      env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
      loader_module: "mlflow.onnx",
      python_version: "3.11.9",
    },
  };
  doc.mlflow_version = options.mlflowVersion ?? "3.4.0";
  if (options.modelId !== undefined) {
    doc.model_id = options.modelId;
    doc.model_uuid = options.modelId;
  }
  if (options.runId !== undefined) doc.run_id = options.runId;
  if (signature.kind === "tensor") {
    doc.signature = {
      inputs: tensorJson(signature.inputs ?? IRIS_INPUTS),
      outputs: tensorJson(signature.outputs ?? IRIS_OUTPUTS),
      params: null,
    };
  } else if (signature.kind === "column") {
    doc.signature = {
      inputs: columnJson(signature.inputs ?? IRIS_COLUMNS),
      outputs: columnJson(signature.outputs ?? [{ name: "class", type: "long" }]),
      params: null,
    };
  }
  doc.utc_time_created = options.utcTimeCreated ?? "2025-09-01 10:00:00.000000";
  return stringify(doc);
}
