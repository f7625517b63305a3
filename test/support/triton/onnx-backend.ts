// The ONNX Runtime backend, reproduced over onnxruntime-node: it finds `<model>/<v>/model.onnx`,
// opens a real session (external-data files load from the model's directory), auto-completes the
// config from the graph, and checks the config against the graph at load time exactly as
// triton-contract.md §3.2 describes (`ValidateInputs`/`ValidateOutputs`/`CompareDimsSupported`).
import { existsSync } from "node:fs";
import { InferenceSession, Tensor } from "onnxruntime-node";
import {
  ONNX_BACKEND,
  instanceCount,
  normalizeInstanceGroup,
  normalizeModelConfig,
  onnxModelPath,
} from "./config-normalize";
import { ortToProtocol, protocolToConfig, type ProtocolDatatype } from "./datatypes";
import { TritonError } from "./errors";
import type { ConfigObject } from "./model-config-proto";

/** The onnxruntime backend's `default-max-batch-size` (triton-contract.md §3.1: default 4). */
const DEFAULT_MAX_BATCH_SIZE = 4;

export interface OnnxTensorInfo {
  readonly name: string;
  /** Undefined for element types Triton has no name for. */
  readonly datatype: ProtocolDatatype | undefined;
  readonly ortType: string;
  /** -1 for symbolic or unknown dimensions, as the backend reads them. */
  readonly dims: number[];
}

function tensorInfos(meta: readonly InferenceSession.ValueMetadata[]): OnnxTensorInfo[] {
  return meta.map((m) => {
    if (!m.isTensor) return { name: m.name, datatype: undefined, ortType: "non-tensor", dims: [] };
    return {
      name: m.name,
      datatype: ortToProtocol(m.type),
      ortType: m.type,
      dims: m.shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1)),
    };
  });
}

function shapeToString(dims: readonly number[]): string {
  return `[${dims.join(",")}]`;
}

/** `CompareDimsSupported` (ort onnxruntime_utils.cc), messages verbatim (§3.2). */
function compareDimsSupported(
  modelName: string,
  tensorName: string,
  modelShape: readonly number[],
  dims: readonly number[],
  maxBatchSize: number,
  compareExact: boolean,
): void {
  const prefix = `model '${modelName}', tensor '${tensorName}': `;
  const same = (a: readonly number[], b: readonly number[]): boolean =>
    a.length === b.length && a.every((m, i) => (!compareExact && m === -1) || m === b[i]);
  if (maxBatchSize > 0) {
    if (modelShape.length === 0 || modelShape[0] !== -1) {
      throw new TritonError(
        "INVALID_ARG",
        `${prefix}for the model to support batching the shape should have at least 1 dimension and the first dimension must be -1; but shape expected by the model is ${shapeToString(modelShape)}`,
      );
    }
    const full = [-1, ...dims];
    if (!same(modelShape, full)) {
      throw new TritonError(
        "INVALID_ARG",
        `${prefix}the model expects ${modelShape.length} dimensions (shape ${shapeToString(modelShape)}) but the model configuration specifies ${full.length} dimensions (an initial batch dimension because max_batch_size > 0 followed by the explicit tensor shape, making complete shape ${shapeToString(full)})`,
      );
    }
    return;
  }
  if (!same(modelShape, dims)) {
    throw new TritonError(
      "INVALID_ARG",
      `${prefix}the model expects ${modelShape.length} dimensions (shape ${shapeToString(modelShape)}) but the model configuration specifies ${dims.length} dimensions (shape ${shapeToString(dims)})`,
    );
  }
}

function ioDims(io: ConfigObject): number[] {
  const reshape = io.reshape as ConfigObject | undefined;
  if (reshape !== undefined) return (reshape.shape as number[] | undefined) ?? [];
  return (io.dims as number[] | undefined) ?? [];
}

function allowedError(kind: "input" | "output", name: string, allowed: string[]): TritonError {
  return new TritonError(
    "INVALID_ARG",
    `unexpected inference ${kind} '${name}', allowed ${kind}s are: ${[...allowed].sort().join(", ")}`,
  );
}

function validateIo(
  kind: "input" | "output",
  modelName: string,
  config: ConfigObject,
  infos: OnnxTensorInfo[],
): void {
  const maxBatch = (config.max_batch_size as number | undefined) ?? 0;
  const ios = (config[kind] as ConfigObject[] | undefined) ?? [];
  if (kind === "input") {
    const optional = ios.filter((io) => io.optional === true).length;
    const batchInputs = ((config.batch_input as unknown[] | undefined) ?? []).length;
    const expected = ios.length - optional + batchInputs;
    if (infos.length !== expected) {
      throw new TritonError(
        "INVALID_ARG",
        `unable to load model '${modelName}', configuration expects ${expected} inputs, model provides ${infos.length}`,
      );
    }
  }
  for (const io of ios) {
    const name = (io.name as string | undefined) ?? "";
    const dtype = (io.data_type as string | undefined) ?? "TYPE_INVALID";
    if (kind === "input" && io.optional === true && maxBatch !== 0) {
      throw new TritonError(
        "INVALID_ARG",
        `unable to load model '${modelName}', optional input '${name}' is not supported for models that support batching`,
      );
    }
    const info = infos.find((i) => i.name === name);
    if (!info) {
      throw allowedError(
        kind,
        name,
        infos.map((i) => i.name),
      );
    }
    if (info.datatype === undefined || protocolToConfig(info.datatype) !== dtype) {
      throw new TritonError(
        "INVALID_ARG",
        `unable to load model '${modelName}', configuration expects datatype ${dtype} for ${kind} '${name}', model provides TYPE_${info.datatype ?? "INVALID"}`,
      );
    }
    const dims = ioDims(io);
    if (info.dims.length !== 0) {
      compareDimsSupported(modelName, name, info.dims, dims, maxBatch, kind === "output");
    } else if (dims.some((d) => d !== 1)) {
      throw new TritonError(
        "INVALID_ARG",
        `unable to load model '${modelName}', scalar tensor '${name}', should only provide 1 in the model configuration when the model doesn't support batching. Model configuration provided: ${shapeToString(dims)}.`,
      );
    }
  }
}

/** `AutoCompleteMaxBatch` + `AutoCompleteIO` (triton-contract.md §3.1). */
function autoComplete(
  modelName: string,
  config: ConfigObject,
  inputs: OnnxTensorInfo[],
  outputs: OnnxTensorInfo[],
): void {
  const canBatch = [...inputs, ...outputs].every((t) => t.dims.length > 0 && t.dims[0] === -1);
  let maxBatch = (config.max_batch_size as number | undefined) ?? 0;
  if (canBatch) {
    if (maxBatch === 0) {
      maxBatch = DEFAULT_MAX_BATCH_SIZE;
      config.max_batch_size = maxBatch;
    }
    if (
      maxBatch > 1 &&
      config.sequence_batching === undefined &&
      config.dynamic_batching === undefined
    ) {
      config.dynamic_batching = {};
    }
  } else if (maxBatch !== 0) {
    throw new TritonError(
      "INVALID_ARG",
      `autofill failed for model '${modelName}': model does not support batching while non-zero max_batch_size is specified`,
    );
  }
  const fill = (infos: OnnxTensorInfo[]): ConfigObject[] =>
    infos.map((t) => {
      const io: ConfigObject = {
        name: t.name,
        data_type: t.datatype ? protocolToConfig(t.datatype) : "TYPE_INVALID",
      };
      const dims = t.dims.slice(maxBatch > 0 ? 1 : 0);
      if (dims.length === 0) {
        dims.push(1);
        if (maxBatch > 0) io.reshape = { shape: [] };
      }
      io.dims = dims;
      return io;
    });
  const inputCount =
    ((config.input as unknown[] | undefined) ?? []).length +
    ((config.batch_input as unknown[] | undefined) ?? []).length;
  if (inputCount === 0) config.input = fill(inputs);
  if (((config.output as unknown[] | undefined) ?? []).length === 0) config.output = fill(outputs);
}

function ortLoadError(err: unknown): TritonError {
  const msg = err instanceof Error ? err.message : String(err);
  // RETURN_IF_ORT_ERROR: "onnx runtime error <OrtErrorCode>: <message>", code INTERNAL.
  // onnxruntime-node does not expose the OrtErrorCode; derive the usual one from the message.
  const code = /protobuf/i.test(msg) ? 7 : /doesn't exist|no such file/i.test(msg) ? 3 : 1;
  return new TritonError("INTERNAL", `onnx runtime error ${code}: ${msg}`);
}

export interface OnnxModelOptions {
  readonly modelName: string;
  readonly version: number;
  /** Directory holding the version directories (repository dir or file-override temp dir). */
  readonly modelPath: string;
  /** The config after core normalization (before the backend's auto-complete). */
  readonly config: ConfigObject;
  readonly autoCompleteConfig: boolean;
}

/** A loaded model version: the final config and an ONNX Runtime session. */
export class OnnxModel {
  private constructor(
    readonly name: string,
    readonly version: number,
    readonly config: ConfigObject,
    private readonly session: InferenceSession,
    readonly inputs: OnnxTensorInfo[],
    readonly outputs: OnnxTensorInfo[],
  ) {}

  get instanceCount(): number {
    return instanceCount(this.config);
  }

  static async create(opts: OnnxModelOptions): Promise<OnnxModel> {
    const config = structuredClone(opts.config);
    const backend = (config.backend as string | undefined) ?? "";
    if (backend !== ONNX_BACKEND) {
      // This test server carries only the onnxruntime backend.
      throw new TritonError(
        "INVALID_ARG",
        `unable to find backend library for backend '${backend}', try specifying runtime on the model configuration.`,
      );
    }
    const path = onnxModelPath(opts.modelPath, opts.version, config);
    if (!existsSync(path)) {
      // `ModelState::LoadModel` (ort onnxruntime.cc): UNAVAILABLE, and Name() there is the model's
      // name. triton-contract.md §2.4 writes `for model instance 'm_0'` but marks it runtime
      // UNCONFIRMED; the source reads the model state's name, so this says 'm'.
      throw new TritonError(
        "UNAVAILABLE",
        `unable to find '${path}' for model instance '${opts.modelName}'`,
      );
    }
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(path);
    } catch (e) {
      throw ortLoadError(e);
    }
    try {
      const inputs = tensorInfos(session.inputMetadata);
      const outputs = tensorInfos(session.outputMetadata);
      const haveInputs =
        ((config.input as unknown[] | undefined) ?? []).length +
          ((config.batch_input as unknown[] | undefined) ?? []).length >
        0;
      const haveOutputs = ((config.output as unknown[] | undefined) ?? []).length > 0;
      // triton-contract.md §3.1: auto-complete is skipped entirely when the config already lists
      // both inputs and outputs (dims are then not corrected, max_batch_size not inferred).
      if (opts.autoCompleteConfig && !(haveInputs && haveOutputs)) {
        autoComplete(opts.modelName, config, inputs, outputs);
      }
      normalizeModelConfig(config);
      normalizeInstanceGroup(config);
      // triton-contract.md §3.2: this check always runs, with or without auto-complete.
      validateIo("input", opts.modelName, config, inputs);
      validateIo("output", opts.modelName, config, outputs);
      return new OnnxModel(opts.modelName, opts.version, config, session, inputs, outputs);
    } catch (e) {
      await session.release().catch(() => undefined);
      throw e;
    }
  }

  /**
   * `UpdateModelConfig`: a load whose config differs only in instance_group / version_policy
   * updates the loaded version in place instead of reloading it (triton-contract.md §1.8).
   */
  updateConfig(repositoryConfig: ConfigObject): void {
    const next = structuredClone(repositoryConfig);
    next.instance_group = next.instance_group ?? [];
    normalizeInstanceGroup(next);
    this.config.instance_group = next.instance_group;
    if (next.version_policy !== undefined) this.config.version_policy = next.version_policy;
  }

  /** Runs the graph. Feeds and fetches are by tensor name. */
  async run(feeds: Record<string, Tensor>, fetches: string[]): Promise<Record<string, Tensor>> {
    try {
      return await this.session.run(feeds, fetches);
    } catch (e) {
      throw new TritonError(
        "INTERNAL",
        `onnx runtime error 1: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  async release(): Promise<void> {
    await this.session.release().catch(() => undefined);
  }
}

export { Tensor };
