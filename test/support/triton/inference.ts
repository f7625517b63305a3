// Inference over HTTP (triton-contract.md §1.10, §8.9): the request is parsed as the HTTP frontend
// does (JSON tensors or the binary-data extension), validated as core's `Normalize` does (same
// order, same texts), executed on the real ONNX session, and answered with `model_name`,
// `model_version` and the outputs (JSON or binary). Metrics and statistics follow §5.6.
import { Tensor } from "onnxruntime-node";
import {
  bytesElementsByteSize,
  bytesToTensorData,
  configToProtocol,
  elementCount,
  jsonToTensorData,
  parseProtocolDatatype,
  protocolByteSize,
  protocolToOrt,
  ortToProtocol,
  tensorDataToBytes,
  tensorDataToJson,
  type ProtocolDatatype,
  type TensorData,
} from "./datatypes";
import { TritonError } from "./errors";
import { parseRequestJson } from "./json-parse";
import type { LoadedModel } from "./loaded-model";
import type { ConfigObject } from "./model-config-proto";
import type { TestControls } from "./test-controls";

export const INFER_HEADER = "inference-header-content-length";

interface RequestInput {
  readonly name: string;
  /** Undefined when the datatype string is not a protocol name (core then sees INVALID). */
  readonly datatype: ProtocolDatatype | undefined;
  readonly datatypeText: string;
  readonly shape: number[];
  /** Raw bytes (binary extension / raw request) or values from JSON `data`. */
  readonly data: TensorData;
  readonly byteSize: number;
}

interface RequestOutput {
  readonly name: string;
  readonly binary: boolean | undefined;
}

interface ParsedRequest {
  readonly id: string;
  readonly inputs: Map<string, RequestInput>;
  readonly outputs: RequestOutput[];
  readonly binaryDataOutput: boolean;
  /** Raw request (`Inference-Header-Content-Length: 0`): the body is the single input. */
  readonly raw: Buffer | undefined;
}

const asObject = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;

function parseError(what: string, detail: string): TritonError {
  // TritonJson errors in the frontend carry INTERNAL (TRITONJSON_STATUSRETURN), hence 500 (§0).
  return new TritonError("INTERNAL", `Unable to parse '${what}': ${detail}`);
}

function memberAsString(obj: Record<string, unknown>, key: string): string {
  if (!(key in obj)) throw parseError(key, `attempt to access non-existing object member '${key}'`);
  const v = obj[key];
  if (typeof v !== "string") throw parseError(key, "attempt to access JSON non-string as string");
  return v;
}

/** `GetInferenceHeaderLength`: the header's value, or the whole body when absent. */
function inferHeaderLength(headerValue: string | undefined, contentLength: number): number {
  if (headerValue === undefined) return contentLength;
  const m = /^\s*[+-]?\d+/.exec(headerValue);
  if (!m) {
    throw new TritonError(
      "INVALID_ARG",
      `Unable to parse Inference-Header-Content-Length, got: ${headerValue}`,
    );
  }
  const value = Number(m[0]);
  if (value > 2147483647 || value < -2147483648) {
    throw new TritonError(
      "INVALID_ARG",
      `Unable to parse Inference-Header-Content-Length, value is out of range [ -2147483648, 2147483647 ], got: ${headerValue}`,
    );
  }
  if (value < 0 || value > contentLength) {
    throw new TritonError(
      "INVALID_ARG",
      `inference header size should be in range (0, ${contentLength}), got: ${headerValue}`,
    );
  }
  return value;
}

/** `ValidateInputContentType`: exactly one of data / binary_data_size / shared_memory_region. */
function validateInputContentType(input: Record<string, unknown>): void {
  const params = asObject(input.parameters);
  const hasData = "data" in input;
  const hasBinary = params !== undefined && "binary_data_size" in params;
  const hasShm = params !== undefined && "shared_memory_region" in params;
  const count = Number(hasData) + Number(hasBinary) + Number(hasShm);
  if (count === 1) return;
  let msg =
    "Input must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But";
  if (count === 0) msg += " no field is set";
  else {
    msg += " set";
    if (hasData) msg += " 'data'";
    if (hasBinary) msg += " 'binary_data_size'";
    if (hasShm) msg += " 'shared_memory_region'";
  }
  throw new TritonError("INVALID_ARG", msg);
}

/** The HTTP frontend's request parsing (`EVBufferToInput` → ParseJsonTritonRequestID/Params/IO). */
export function parseInferRequest(
  modelName: string,
  body: Buffer,
  headerValue: string | undefined,
): ParsedRequest {
  const headerLength = inferHeaderLength(headerValue, body.length);
  if (headerValue !== undefined && headerLength === 0) {
    // triton-contract.md §1.10: `Inference-Header-Content-Length: 0` with a bare body is "raw".
    return { id: "", inputs: new Map(), outputs: [], binaryDataOutput: false, raw: body };
  }
  const json = asObject(parseRequestJson(body.subarray(0, headerLength)));
  if (!json) throw parseError("inputs", "attempt to access non-existing object member 'inputs'");
  let binary = body.subarray(headerLength);

  let id = "";
  if ("id" in json) id = memberAsString(json, "id");

  let binaryDataOutput = false;
  const params = json.parameters;
  if (params !== undefined) {
    const p = asObject(params);
    if (!p) {
      throw new TritonError(
        "INTERNAL",
        "failed to get request params.: attempt to access JSON non-object as object",
      );
    }
    for (const [key, value] of Object.entries(p)) {
      if (key === "binary_data_output") {
        if (typeof value !== "boolean") {
          throw parseError("binary_data_output", "attempt to access JSON non-boolean as boolean");
        }
        binaryDataOutput = value;
      } else if (key.startsWith("triton_")) {
        throw new TritonError(
          "INVALID_ARG",
          "parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified.",
        );
      }
      // sequence_id, priority, timeout and custom parameters are accepted and have no effect on
      // the stateless ONNX models this server runs.
    }
  }

  if (!("inputs" in json)) {
    throw parseError("inputs", "attempt to access non-existing object member 'inputs'");
  }
  if (!Array.isArray(json.inputs)) {
    throw parseError("inputs", "attempt to access JSON non-array as array");
  }
  const inputs = new Map<string, RequestInput>();
  for (const raw of json.inputs as unknown[]) {
    const input = asObject(raw);
    if (!input) throw new TritonError("INTERNAL", "attempt to access JSON non-object as object");
    validateInputContentType(input);
    const name = memberAsString(input, "name");
    const datatypeText = memberAsString(input, "datatype");
    const datatype = parseProtocolDatatype(datatypeText);
    if (!Array.isArray(input.shape)) {
      throw parseError(
        "shape",
        "shape" in input
          ? "attempt to access JSON non-array as array"
          : "attempt to access non-existing object member 'shape'",
      );
    }
    const shape = (input.shape as unknown[]).map((d) => {
      if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
        throw parseError(
          "shape",
          "attempt to access JSON non-unsigned-integer as unsigned-integer",
        );
      }
      return d;
    });
    if (inputs.has(name)) {
      throw new TritonError(
        "INVALID_ARG",
        `[request id: ${id || "<id_unknown>"}] input '${name}' already exists in request`,
      );
    }
    const inParams = asObject(input.parameters);
    let data: TensorData;
    let byteSize: number;
    if (inParams && "binary_data_size" in inParams) {
      const size = inParams.binary_data_size;
      if (typeof size !== "number" || !Number.isInteger(size) || size < 0) {
        throw parseError(
          "binary_data_size",
          "attempt to access JSON non-unsigned-integer as unsigned-integer",
        );
      }
      if (size > 0 && headerLength === body.length) {
        if (binary.length === 0) {
          throw new TritonError(
            "INVALID_ARG",
            `unexpected size for input '${name}', expecting ${size} additional bytes for model '${modelName}'`,
          );
        }
      }
      if (binary.length < size) {
        throw new TritonError(
          "INVALID_ARG",
          `unexpected size for input '${name}', expecting ${size - binary.length} additional bytes for model '${modelName}'`,
        );
      }
      const bytes = binary.subarray(0, size);
      binary = binary.subarray(size);
      byteSize = size;
      data = datatype ? bytesToTensorData(datatype, bytes) : new Uint8Array(bytes);
    } else if (inParams && "shared_memory_region" in inParams) {
      throw new TritonError(
        "INVALID_ARG",
        `Unable to find shared memory region: '${String(inParams.shared_memory_region)}'`,
      );
    } else {
      const count = elementCount(shape);
      if (count === 0) {
        data = new Uint8Array(0);
        byteSize = 0;
      } else {
        if (!Array.isArray(input.data)) {
          throw parseError("data", "attempt to access JSON non-array as array");
        }
        if (datatype === "FP16" || datatype === "BF16") {
          throw new TritonError(
            "INVALID_ARG",
            `receiving ${datatype} data via JSON is not supported. Please use the binary data format for input ${name}`,
          );
        }
        if (datatype === undefined) {
          throw new TritonError("INVALID_ARG", `invalid datatype for input ${name}`);
        }
        const expectedBytes =
          datatype === "BYTES" ? jsonBytesByteSize(input.data) : count * protocolByteSize(datatype);
        data = jsonToTensorData(datatype, input.data, count, expectedBytes);
        byteSize = expectedBytes;
      }
    }
    inputs.set(name, { name, datatype, datatypeText, shape, data, byteSize });
  }
  if (binary.length > 0) {
    throw new TritonError(
      "INVALID_ARG",
      `unexpected additional input data for model '${modelName}'`,
    );
  }

  const outputs: RequestOutput[] = [];
  if ("outputs" in json) {
    if (!Array.isArray(json.outputs)) {
      throw parseError("outputs", "attempt to access JSON non-array as array");
    }
    for (const raw of json.outputs as unknown[]) {
      const output = asObject(raw);
      if (!output) throw new TritonError("INTERNAL", "attempt to access JSON non-object as object");
      const name = memberAsString(output, "name");
      const oParams = asObject(output.parameters);
      let binaryFlag: boolean | undefined;
      if (oParams && "binary_data" in oParams) {
        if (typeof oParams.binary_data !== "boolean") {
          throw parseError("binary_data", "attempt to access JSON non-boolean as boolean");
        }
        binaryFlag = oParams.binary_data;
      }
      if (outputs.some((o) => o.name === name)) {
        throw new TritonError(
          "INVALID_ARG",
          `[request id: ${id || "<id_unknown>"}] output '${name}' already exists in request`,
        );
      }
      outputs.push({ name, binary: binaryFlag });
    }
  }
  return { id, inputs, outputs, binaryDataOutput, raw: undefined };
}

/** `JsonBytesArrayByteSize`: 4 bytes of length plus the bytes, per string. */
function jsonBytesByteSize(data: unknown): number {
  if (Array.isArray(data)) return data.reduce((n: number, el) => n + jsonBytesByteSize(el), 0);
  if (typeof data !== "string") {
    throw new TritonError(
      "INTERNAL",
      "Unable to parse JSON bytes array: attempt to access JSON non-string as string",
    );
  }
  return bytesElementsByteSize([data]);
}

function dimsListToString(dims: readonly number[]): string {
  return `[${dims.join(",")}]`;
}

interface NormalizedRequest {
  readonly id: string;
  readonly feeds: Record<string, Tensor>;
  readonly outputNames: string[];
  readonly binaryOutputs: Set<string>;
  readonly batchSize: number;
}

/**
 * Core `InferenceRequest::Normalize` against the loaded model's config: requested outputs exist,
 * input count, unknown inputs, batch size, datatype, shape, byte size — in that order, with the
 * `[request id: <id>] ` prefix where core adds it (triton-contract.md §1.10 error table).
 */
export function normalizeRequest(
  req: ParsedRequest,
  modelName: string,
  config: ConfigObject,
): NormalizedRequest {
  const log = `[request id: ${req.id || "<id_unknown>"}] `;
  const configInputs = (config.input as ConfigObject[] | undefined) ?? [];
  const configOutputs = (config.output as ConfigObject[] | undefined) ?? [];
  const maxBatch = (config.max_batch_size as number | undefined) ?? 0;
  const inputs = new Map(req.inputs);

  if (req.raw !== undefined) {
    if (configInputs.length !== 1) {
      throw new TritonError(
        "INVALID_ARG",
        `${log}Raw request must only have 1 input (found 1) to be deduced but got ${configInputs.length} inputs in '${modelName}' model configuration`,
      );
    }
    const ci = configInputs[0]!;
    const dtype = configToProtocol(String(ci.data_type));
    const shape: number[] = maxBatch !== 0 ? [1] : [];
    let dynamicAxis = -1;
    let elements = 1;
    for (const d of (ci.dims as number[] | undefined) ?? []) {
      if (d === -1) {
        if (dynamicAxis !== -1) {
          throw new TritonError(
            "INVALID_ARG",
            `${log}The shape of the raw input '${String(ci.name)}' can not be deduced because there are more than one variable-sized dimension`,
          );
        }
        dynamicAxis = shape.length;
      } else elements *= d;
      shape.push(d);
    }
    if (dtype === "INVALID") {
      throw new TritonError("INVALID_ARG", `${log}invalid raw input datatype`);
    }
    let data: TensorData;
    let byteSize = req.raw.length;
    if (dtype === "BYTES") {
      if (dynamicAxis !== -1 || elements !== 1) {
        throw new TritonError(
          "INVALID_ARG",
          `${log}For BYTE datatype raw input '${String(ci.name)}', the model must have input shape [1]`,
        );
      }
      data = [req.raw.toString("utf8")];
      byteSize += 4;
    } else {
      if (dynamicAxis !== -1) {
        shape[dynamicAxis] = Math.floor(req.raw.length / elements / protocolByteSize(dtype));
      }
      data = bytesToTensorData(dtype, req.raw);
    }
    inputs.set(String(ci.name), {
      name: String(ci.name),
      datatype: dtype,
      datatypeText: dtype,
      shape,
      data,
      byteSize,
    });
  }

  // Requested outputs must exist in the config (`Model::GetOutput`, no request-id prefix).
  const outputNames =
    req.outputs.length > 0
      ? req.outputs.map((o) => o.name)
      : configOutputs.map((o) => String(o.name));
  for (const o of req.outputs) {
    if (!configOutputs.some((c) => c.name === o.name)) {
      throw new TritonError(
        "INVALID_ARG",
        `unexpected inference output '${o.name}' for model '${modelName}'`,
      );
    }
  }

  // `ValidateRequestInputs`: the exact-match message when no input is optional.
  const required = configInputs.filter((c) => c.optional !== true);
  if (inputs.size > configInputs.length || inputs.size < required.length) {
    const sortedNames = [...inputs.keys()].sort();
    let missing = "[";
    for (const c of configInputs) {
      if (c.optional !== true && !inputs.has(String(c.name))) missing += `'${String(c.name)}',`;
    }
    // Reproduces core's string handling: the last character is dropped even when nothing is
    // missing, so "[" becomes "" and the result is "]".
    missing = `${missing.slice(0, -1)}]`;
    const got = sortedNames.length === 0 ? "[]" : `[${sortedNames.map((n) => `'${n}'`).join(",")}]`;
    if (configInputs.length === required.length) {
      throw new TritonError(
        "INVALID_ARG",
        `${log}expected ${configInputs.length} inputs but got ${inputs.size} inputs for model '${modelName}'. Got input(s) ${got}, but missing required input(s) ${missing}. Please provide all required input(s).`,
      );
    }
    throw new TritonError(
      "INVALID_ARG",
      `${log}expected number of inputs between ${required.length} and ${configInputs.length} but got ${inputs.size} inputs for model '${modelName}'. Got input(s) ${got}, but missing required input(s) ${missing}. Please provide all required input(s).`,
    );
  }

  // Inputs are kept in a std::map, so they are visited in name order.
  const ordered = [...inputs.values()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const configFor = (name: string): ConfigObject => {
    const c = configInputs.find((i) => i.name === name);
    if (!c) {
      throw new TritonError(
        "INVALID_ARG",
        `unexpected inference input '${name}' for model '${modelName}'`,
      );
    }
    return c;
  };
  let batchSize = 0;
  const shapes = new Map<string, number[]>();
  for (const input of ordered) {
    const c = configFor(input.name);
    if (maxBatch === 0 || c.is_shape_tensor === true) {
      shapes.set(input.name, input.shape);
      continue;
    }
    if (input.shape.length === 0) {
      throw new TritonError(
        "INVALID_ARG",
        `${log}input '${input.name}' has no shape but model requires batch dimension for '${modelName}'`,
      );
    }
    if (batchSize === 0) batchSize = input.shape[0]!;
    else if (input.shape[0] !== batchSize) {
      throw new TritonError(
        "INVALID_ARG",
        `${log}input '${input.name}' batch size does not match other inputs for '${modelName}'`,
      );
    }
    shapes.set(input.name, input.shape.slice(1));
  }
  if (batchSize > maxBatch) {
    throw new TritonError(
      "INVALID_ARG",
      `${log}inference request batch-size must be <= ${maxBatch} for '${modelName}'`,
    );
  }

  const feeds: Record<string, Tensor> = {};
  for (const input of ordered) {
    const c = configFor(input.name);
    const expectedType = configToProtocol(String(c.data_type));
    const actualType = input.datatype ?? "INVALID";
    if (actualType !== expectedType) {
      throw new TritonError(
        "INVALID_ARG",
        `${log}inference input '${input.name}' data-type is '${actualType}', but model '${modelName}' expects '${expectedType}'`,
      );
    }
    const shape = shapes.get(input.name)!;
    const dims = (c.dims as number[] | undefined) ?? [];
    const matches =
      dims.length === shape.length && dims.every((d, i) => d === -1 || d === shape[i]);
    if (!matches) {
      const full = maxBatch > 0 ? [-1, ...dims] : dims;
      const note =
        maxBatch > 0
          ? "NOTE: Setting a non-zero max_batch_size in the model config requires a batch dimension to be prepended to each input shape. If you want to specify the full shape including the batch dim in your input dims config, try setting max_batch_size to zero. See the model configuration docs for more info on max_batch_size."
          : "";
      throw new TritonError(
        "INVALID_ARG",
        `${log}unexpected shape for input '${input.name}' for model '${modelName}'. Expected ${dimsListToString(full)}, got ${dimsListToString(input.shape)}. ${note}`,
      );
    }
    let modelShape = shape;
    const reshape = c.reshape as ConfigObject | undefined;
    if (reshape !== undefined) {
      const variable = dims
        .map((d, i) => (d === -1 ? shape[i]! : undefined))
        .filter((v) => v !== undefined);
      modelShape = ((reshape.shape as number[] | undefined) ?? []).map((d) =>
        d === -1 ? variable.shift()! : d,
      );
    }
    const fullShape = batchSize === 0 ? modelShape : [batchSize, ...modelShape];
    const datatype = input.datatype!;
    if (datatype === "BYTES") {
      const count = elementCount(fullShape);
      const strings = input.data as string[];
      if (strings.length > count) {
        throw new TritonError(
          "INVALID_ARG",
          `${log}unexpected number of string elements ${count + 1} for inference input '${input.name}' for model '${modelName}', expecting ${count}`,
        );
      }
      if (strings.length !== count) {
        throw new TritonError(
          "INVALID_ARG",
          `${log}expected ${count} string elements for inference input '${input.name}' for model '${modelName}', got ${strings.length}`,
        );
      }
    } else {
      const expected = elementCount(fullShape) * protocolByteSize(datatype);
      if (input.byteSize !== expected) {
        throw new TritonError(
          "INVALID_ARG",
          `${log}input byte size mismatch for input '${input.name}' for model '${modelName}'. Expected ${expected}, got ${input.byteSize}`,
        );
      }
    }
    feeds[input.name] = new Tensor(
      protocolToOrt(datatype) as "float32",
      input.data as Float32Array,
      fullShape,
    );
  }

  const binaryOutputs = new Set<string>();
  for (const name of outputNames) {
    const requested = req.outputs.find((o) => o.name === name);
    if (requested?.binary ?? req.binaryDataOutput) binaryOutputs.add(name);
  }
  return { id: req.id, feeds, outputNames, binaryOutputs, batchSize };
}

export interface InferResponse {
  readonly body: Buffer;
  readonly headers: Record<string, string>;
}

const nsSince = (t: bigint): number => Number(process.hrtime.bigint() - t);

/**
 * Runs a normalized request on the model: queue (pending count, instance slot), compute input,
 * compute infer (with any injected latency or backend failure), compute output. Success and
 * failure are recorded as §5.6 says: only failures after enqueue count, a failed execution as
 * `reason=BACKEND`.
 */
export async function executeRequest(
  model: LoadedModel,
  req: NormalizedRequest,
  controls: TestControls,
): Promise<InferResponse> {
  const m = model.metrics;
  const stats = model.stats;
  const requestStart = process.hrtime.bigint();
  m.pending += 1;
  const queueStart = process.hrtime.bigint();
  const releaseSlot = await model.instanceSlot();
  m.pending -= 1;
  const queueNs = nsSince(queueStart);
  try {
    const inputStart = process.hrtime.bigint();
    const feeds = req.feeds;
    const computeInputNs = nsSince(inputStart);

    const inferStart = process.hrtime.bigint();
    const latency = controls.latencyFor(model.name, model.version);
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const injected = controls.executionFailureFor(model.name, model.version);
    let results: Record<string, Tensor>;
    try {
      if (injected) {
        throw new TritonError(
          injected.code ?? "INTERNAL",
          injected.message ??
            `injected backend failure for model '${model.name}' version ${model.version}`,
        );
      }
      results = await model.backend.run(feeds, req.outputNames);
    } catch (e) {
      const err = e instanceof TritonError ? e : new TritonError("INTERNAL", String(e));
      // triton-contract.md §5.6: a failed backend execution counts as reason=BACKEND.
      if (m.countersEnabled) m.failure.BACKEND += 1;
      stats.fail.count += 1;
      stats.fail.ns += nsSince(requestStart);
      throw err;
    }
    const computeInferNs = nsSince(inferStart);

    const outputStart = process.hrtime.bigint();
    const header: Record<string, unknown> = {
      model_name: model.name,
      model_version: String(model.version),
    };
    if (req.id) header.id = req.id;
    const outputs: Record<string, unknown>[] = [];
    const binaryParts: Uint8Array[] = [];
    for (const name of req.outputNames) {
      const t = results[name]!;
      const datatype = ortToProtocol(t.type) ?? "BYTES";
      const data = t.data;
      const entry: Record<string, unknown> = { name, datatype, shape: [...t.dims] };
      if (req.binaryOutputs.has(name)) {
        const bytes = tensorDataToBytes(datatype, data);
        entry.parameters = { binary_data_size: bytes.length };
        binaryParts.push(bytes);
      } else {
        entry.data = tensorDataToJson(datatype, data);
      }
      outputs.push(entry);
    }
    header.outputs = outputs;
    const json = Buffer.from(JSON.stringify(header));
    const computeOutputNs = nsSince(outputStart);

    const requestNs = nsSince(requestStart);
    if (m.countersEnabled) {
      m.success += 1;
      // nv_inference_count counts inferences: a batch of n counts n (§5.2).
      m.inferenceCount += Math.max(1, req.batchSize);
      m.execCount += 1;
    }
    m.observe("request", requestNs / 1000);
    m.observe("queue", queueNs / 1000);
    m.observe("compute_input", computeInputNs / 1000);
    m.observe("compute_infer", computeInferNs / 1000);
    m.observe("compute_output", computeOutputNs / 1000);
    stats.lastInferenceMs = Date.now();
    stats.inferenceCount += Math.max(1, req.batchSize);
    stats.executionCount += 1;
    stats.success.count += 1;
    stats.success.ns += requestNs;
    stats.queue.count += 1;
    stats.queue.ns += queueNs;
    stats.computeInput.count += 1;
    stats.computeInput.ns += computeInputNs;
    stats.computeInfer.count += 1;
    stats.computeInfer.ns += computeInferNs;
    stats.computeOutput.count += 1;
    stats.computeOutput.ns += computeOutputNs;

    if (binaryParts.length === 0) {
      return { body: json, headers: { "content-type": "application/json" } };
    }
    // Binary-data extension (§1.10): JSON header, then the raw output bytes in output order.
    return {
      body: Buffer.concat([json, ...binaryParts]),
      headers: {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(json.length),
      },
    };
  } finally {
    releaseSlot();
  }
}
