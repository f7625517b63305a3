// What the transaction needs from the outside world, as narrow interfaces. `src/core/index.ts`
// adapts the real MLflow client, Triton client and model-config functions to these; tests may
// pass their own. Keeping the transaction on these ports keeps it readable and lets one
// implementation of the chain serve the CLI and the Pulumi provider alike.
import type { ProgressListener } from "../progress";
import type { ManifestFile } from "../repository";

/** A Triton tensor as sent or received in JSON inference (triton-contract.md §1.10). */
export interface InferTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

/** The JSON inference response fields the smoke check reads. */
export interface InferResult {
  modelName: string;
  modelVersion: string | undefined;
  outputs: InferTensor[];
}

/** Model metadata (triton-contract.md §1.3). */
export interface ModelMetadataView {
  name: string;
  versions: string[];
  inputs: { name: string; datatype: string; shape: number[] }[];
  outputs: { name: string; datatype: string; shape: number[] }[];
}

/** One Triton server (one pod). Every call honours the restricted-API header and a timeout. */
export interface TritonEndpoint {
  /** Printable name for messages and results (a URL without credentials). */
  readonly name: string;
  /** Explicit load with a config override (protobuf-JSON string); resolves when loaded. */
  load(model: string, configJson: string | undefined, signal?: AbortSignal): Promise<void>;
  /** Unload (returns before the drain finishes, triton-contract.md §1.9). */
  unload(model: string, signal?: AbortSignal): Promise<void>;
  /** Whether this exact version of the model is ready (false on 404/503/400). */
  isVersionReady(model: string, version: string, signal?: AbortSignal): Promise<boolean>;
  /** The versions of the model that are READY, sorted numerically; [] when none or unknown. */
  readyVersions(model: string, signal?: AbortSignal): Promise<string[]>;
  /** Metadata of one version. */
  metadata(model: string, version: string, signal?: AbortSignal): Promise<ModelMetadataView>;
  /** JSON inference; `version` undefined means a version-less request. */
  infer(
    model: string,
    version: string | undefined,
    inputs: InferTensor[],
    signal?: AbortSignal,
  ): Promise<InferResult>;
}

/** What the registry says about the resolved version. */
export interface ResolvedArtifact {
  runId: string | undefined;
  /** The sha256 tag on the model version, when it has one. */
  sha256Tag: string | undefined;
}

/** The MLflow side: describe the resolved version and stream its files into a directory. */
export interface ArtifactSource {
  /** Look up the (already resolved) version: READY check, run id, sha256 tag. */
  describe(signal?: AbortSignal): Promise<ResolvedArtifact>;
  /**
   * Stream every file the ONNX model needs into `dir`, checking sizes against the listing and
   * computing sha256 while streaming. Progress as bytes on step "download".
   */
  fetchInto(
    dir: string,
    options: { onProgress?: ProgressListener; signal?: AbortSignal },
  ): Promise<ManifestFile[]>;
}

/** Expected shape and type of one output, for the smoke check. */
export interface ExpectedOutput {
  name: string;
  /** Protocol datatype (`FP32`, `INT64`, …). */
  datatype: string;
  /** Full shape including the batch dimension; -1 matches any size. */
  shape: number[];
}

/** Model-config operations the transaction needs (helper E's model-config module, adapted). */
export interface ModelConfigPort {
  /** Check the ONNX file against the config; throws with both shapes in the message. */
  validate(onnxPath: string): Promise<void>;
  /** The protobuf-JSON config string for a load override, named `name`, pinned to `version`. */
  loadConfigJson(name: string, version: string): string;
  /** The committed config.pbtxt text, named `name`, pinned to `version`. */
  renderPbtxt(name: string, version: string): string;
  /** The outputs a response must carry (batch dimension as -1). */
  expectedOutputs(): ExpectedOutput[];
  /**
   * The load config of a committed config.pbtxt written by another tool (the old platform),
   * named `name` and pinned to `version`; used by the rollback when no committed-config.json exists.
   */
  pinnedFromPbtxt?(text: string, name: string, version: string): string;
}
