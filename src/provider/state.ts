// The shapes of a ModelDeployment's inputs and of the state (outputs) Pulumi stores for it, and
// the migration of older state shapes.
//
// Why a state version: the provider code is not frozen per resource. `diff`, `update` and `read`
// run the current code against whatever state an older version of this project wrote, and the
// real host loads `delete`'s code from the old state's `__provider` — which in turn loads the
// current sources from the project directory (load-provider-entry.ts). So every method first
// passes the stored outputs through `migrateState`.

/** The state shape this code writes. */
export const STATE_VERSION = 1;

/** One tensor of the Triton model config (the stack config's `models[].inputs/outputs`). */
export interface TensorSpec {
  name: string;
  dataType: string;
  dims: number[];
  reshape?: number[];
}

/** The parts of a model's Triton config that the stack config decides. */
export interface TritonModelSpec {
  maxBatchSize: number;
  /** Absent when the stack config leaves them out: the core takes them from the ONNX graph. */
  inputs?: TensorSpec[];
  outputs?: TensorSpec[];
  instanceGroup: { kind: string; count: number };
  dynamicBatching?: { preferredBatchSize: number[]; maxQueueDelayMicroseconds: number };
}

/** How a candidate version is verified (the stack config's `models[].smoke`). */
export interface SmokeSpec {
  requests: number;
  p95BudgetMs?: number;
  golden?: {
    inputs: { name: string; shape: number[]; data: number[] }[];
    outputs: { name: string; shape?: number[]; data: number[] }[];
    tolerance: number;
  };
}

/** Timeouts of the calls the deployment makes (stack config `deploy.*Ms`, `mlflow.requestTimeoutMs`). */
export interface DeploymentTimeouts {
  tritonRequestMs: number;
  tritonLoadMs: number;
  tritonReadyMs: number;
  mlflowRequestMs: number;
}

/**
 * The inputs of a ModelDeployment: everything is plain JSON, resolved by the program while
 * previewing, and contains no secret (credentials come through `configure` or the environment).
 */
export interface ModelDeploymentInputs {
  /** Triton model name = directory under the repository root. Identity: a change replaces. */
  modelName: string;
  /** Local mount of the model repository (stack `storage.localMountPath`). Identity. */
  repositoryRoot: string;
  /** MLflow registered model name. */
  registeredModel: string;
  /** The alias the version was resolved from; absent when the stack pins a version. */
  alias?: string;
  /** The resolved MLflow model version (a string of digits). */
  version: string;
  /** The MLflow run that produced that version ("" when the version has none). */
  runId: string;
  tritonConfig: TritonModelSpec;
  smoke: SmokeSpec;
  /** Triton HTTP base URLs, one per pod. */
  tritonEndpoints: string[];
  /** Header name of Triton's restricted model-repository API (its value is a secret). */
  tritonAdminHeader: string;
  mlflowTrackingUri: string;
  /** MLflow basic-auth user (the password is a secret). */
  mlflowUsername?: string;
  timeouts: DeploymentTimeouts;
  /**
   * The stack deploying: the repository records it on first use and refuses any other stack
   * (core/repository/owner.ts). Absent in state written before it existed.
   */
  repositoryOwner?: { project: string; stack: string; namespace: string };
}

/** Keys of ModelDeploymentInputs; the outputs repeat them so `diff` can compare (pulumi-notes §1.11). */
export const INPUT_KEYS = [
  "modelName",
  "repositoryRoot",
  "registeredModel",
  "alias",
  "version",
  "runId",
  "tritonConfig",
  "smoke",
  "tritonEndpoints",
  "tritonAdminHeader",
  "mlflowTrackingUri",
  "mlflowUsername",
  "timeouts",
  "repositoryOwner",
] as const satisfies readonly (keyof ModelDeploymentInputs)[];

/** A change of these replaces the resource: it is another model, or another repository. */
export const IDENTITY_KEYS = ["modelName", "repositoryRoot"] as const;

/** What Pulumi stores after a successful create/update/read. */
export interface ModelDeploymentOutputs extends ModelDeploymentInputs {
  stateVersion: number;
  /** sha256 of the committed model.onnx (hex). */
  sha256: string;
  /** When the version was committed (current.json `updated_at_utc`). */
  committedAt: string;
  /** The version committed before this one ("" on the first deployment). */
  previousVersion: string;
  /** What Triton serves for the model, over all endpoints, e.g. "13" ("" when nothing). */
  servedVersion: string;
  /** sha256 of the committed config.pbtxt (hex). */
  tritonConfigDigest: string;
  /** Differences a refresh found between state, current.json and Triton (empty when none). */
  drift: string[];
}

/**
 * The first shape of this resource's state (before `stateVersion` existed): one Triton URL, the
 * repository under `modelRepository`, a numeric version, and no verification or drift fields.
 */
export interface ModelDeploymentStateV0 {
  modelName: string;
  modelRepository: string;
  registeredModel: string;
  alias?: string;
  version: number | string;
  runId?: string;
  tritonUrl: string;
  sha256?: string;
  committedAt?: string;
}

/** Upgrade any stored state to the current shape; throws on a shape it does not know. */
export function migrateState(olds: Record<string, unknown>): ModelDeploymentOutputs {
  const version = olds.stateVersion;
  if (version === STATE_VERSION) return olds as unknown as ModelDeploymentOutputs;
  if (version === undefined) return migrateV0(olds as unknown as ModelDeploymentStateV0);
  throw new Error(
    `ModelDeployment state has stateVersion ${JSON.stringify(version)}; expected 0 (absent) or ` +
      `${STATE_VERSION} — it was written by a newer version of triton-serving`,
  );
}

function migrateV0(v0: ModelDeploymentStateV0): ModelDeploymentOutputs {
  if (typeof v0.modelName !== "string" || typeof v0.modelRepository !== "string") {
    throw new Error(
      `ModelDeployment state without stateVersion has modelName ${JSON.stringify(v0.modelName)} ` +
        `and modelRepository ${JSON.stringify(v0.modelRepository)}; expected both as strings (state v0)`,
    );
  }
  // v0 knew nothing of the Triton config, smoke settings or timeouts: leave them empty so that
  // `diff` against the program's inputs reports a change, and the next `up` records them.
  return {
    stateVersion: STATE_VERSION,
    modelName: v0.modelName,
    repositoryRoot: v0.modelRepository,
    registeredModel: v0.registeredModel,
    ...(v0.alias !== undefined ? { alias: v0.alias } : {}),
    version: String(v0.version),
    runId: v0.runId ?? "",
    tritonConfig: {
      maxBatchSize: 0,
      inputs: [],
      outputs: [],
      instanceGroup: { kind: "", count: 0 },
    },
    smoke: { requests: 0 },
    tritonEndpoints: [v0.tritonUrl],
    // v0 always used the platform's default restricted-API header.
    tritonAdminHeader: "triton-admin-key",
    mlflowTrackingUri: "",
    // The stack config's defaults: refresh and delete of a v0 state still need working timeouts.
    timeouts: {
      tritonRequestMs: 30_000,
      tritonLoadMs: 600_000,
      tritonReadyMs: 300_000,
      mlflowRequestMs: 30_000,
    },
    sha256: v0.sha256 ?? "",
    committedAt: v0.committedAt ?? "",
    previousVersion: "",
    servedVersion: String(v0.version),
    tritonConfigDigest: "",
    drift: [],
  };
}

/** The input part of a state object (for `read`'s returned inputs and for diffs). */
export function inputsOf(state: ModelDeploymentInputs): ModelDeploymentInputs {
  const inputs: Record<string, unknown> = {};
  for (const key of INPUT_KEYS) {
    if (state[key] !== undefined) inputs[key] = state[key];
  }
  return inputs as unknown as ModelDeploymentInputs;
}
