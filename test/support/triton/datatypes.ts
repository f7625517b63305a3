// Tensor data types under their three names: the model config's `TYPE_FP32`, the protocol's
// `FP32` (triton-contract.md §1.3 "datatype uses protocol names"), and onnxruntime-node's
// `float32`; plus conversions between request bytes, JSON values and ORT tensors.
import { TritonError } from "./errors";

export type ProtocolDatatype =
  | "BOOL"
  | "UINT8"
  | "UINT16"
  | "UINT32"
  | "UINT64"
  | "INT8"
  | "INT16"
  | "INT32"
  | "INT64"
  | "FP16"
  | "FP32"
  | "FP64"
  | "BYTES"
  | "BF16";

interface DatatypeInfo {
  readonly config: string;
  readonly byteSize: number;
  readonly ort: string;
}

const TABLE: Record<ProtocolDatatype, DatatypeInfo> = {
  BOOL: { config: "TYPE_BOOL", byteSize: 1, ort: "bool" },
  UINT8: { config: "TYPE_UINT8", byteSize: 1, ort: "uint8" },
  UINT16: { config: "TYPE_UINT16", byteSize: 2, ort: "uint16" },
  UINT32: { config: "TYPE_UINT32", byteSize: 4, ort: "uint32" },
  UINT64: { config: "TYPE_UINT64", byteSize: 8, ort: "uint64" },
  INT8: { config: "TYPE_INT8", byteSize: 1, ort: "int8" },
  INT16: { config: "TYPE_INT16", byteSize: 2, ort: "int16" },
  INT32: { config: "TYPE_INT32", byteSize: 4, ort: "int32" },
  INT64: { config: "TYPE_INT64", byteSize: 8, ort: "int64" },
  FP16: { config: "TYPE_FP16", byteSize: 2, ort: "float16" },
  FP32: { config: "TYPE_FP32", byteSize: 4, ort: "float32" },
  FP64: { config: "TYPE_FP64", byteSize: 8, ort: "float64" },
  BYTES: { config: "TYPE_STRING", byteSize: 0, ort: "string" },
  BF16: { config: "TYPE_BF16", byteSize: 2, ort: "bfloat16" },
};

const PROTOCOL_NAMES = Object.keys(TABLE) as ProtocolDatatype[];

/** `TRITONSERVER_StringToDataType`: exact protocol names only; anything else is invalid. */
export function parseProtocolDatatype(name: string): ProtocolDatatype | undefined {
  return (PROTOCOL_NAMES as string[]).includes(name) ? (name as ProtocolDatatype) : undefined;
}

/** `DataTypeToProtocolString` for a config `TYPE_*`; `INVALID` for anything unknown. */
export function configToProtocol(configType: string): ProtocolDatatype | "INVALID" {
  return PROTOCOL_NAMES.find((p) => TABLE[p].config === configType) ?? "INVALID";
}

export function protocolToConfig(p: ProtocolDatatype): string {
  return TABLE[p].config;
}

export function protocolByteSize(p: ProtocolDatatype): number {
  return TABLE[p].byteSize;
}

export function ortToProtocol(ortType: string): ProtocolDatatype | undefined {
  return PROTOCOL_NAMES.find((p) => TABLE[p].ort === ortType);
}

export function protocolToOrt(p: ProtocolDatatype): string {
  return TABLE[p].ort;
}

export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | string[];

/** Element count of a shape (all dims known). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Interprets raw little-endian tensor bytes (the binary-data extension) as ORT tensor data. */
export function bytesToTensorData(p: ProtocolDatatype, bytes: Uint8Array): TensorData {
  const copy = new Uint8Array(bytes); // aligned copy
  const buf = copy.buffer;
  switch (p) {
    case "BOOL":
    case "UINT8":
      return copy;
    case "INT8":
      return new Int8Array(buf);
    case "UINT16":
    case "FP16":
    case "BF16":
      return new Uint16Array(buf);
    case "INT16":
      return new Int16Array(buf);
    case "UINT32":
      return new Uint32Array(buf);
    case "INT32":
      return new Int32Array(buf);
    case "UINT64":
      return new BigUint64Array(buf);
    case "INT64":
      return new BigInt64Array(buf);
    case "FP32":
      return new Float32Array(buf);
    case "FP64":
      return new Float64Array(buf);
    case "BYTES":
      return decodeBytesElements(copy);
  }
}

/** BYTES elements in binary form: each a 4-byte little-endian length then the bytes (§1.10). */
export function decodeBytesElements(bytes: Uint8Array): string[] {
  const out: string[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  while (i + 4 <= bytes.length) {
    const len = view.getUint32(i, true);
    i += 4;
    out.push(Buffer.from(bytes.subarray(i, i + len)).toString("utf8"));
    i += len;
  }
  return out;
}

export function encodeBytesElements(values: readonly string[]): Uint8Array {
  const parts: Buffer[] = [];
  for (const v of values) {
    const body = Buffer.from(v, "utf8");
    const len = Buffer.alloc(4);
    len.writeUInt32LE(body.length, 0);
    parts.push(len, body);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** Byte size of BYTES elements as the frontend counts them: 4 + length of each string. */
export function bytesElementsByteSize(values: readonly string[]): number {
  return values.reduce((n, v) => n + 4 + Buffer.byteLength(v, "utf8"), 0);
}

/** Raw little-endian bytes of ORT output data (for binary outputs). */
export function tensorDataToBytes(p: ProtocolDatatype, data: TensorData): Uint8Array {
  if (p === "BYTES") return encodeBytesElements(data as string[]);
  const typed = data as Exclude<TensorData, string[]>;
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/** JSON values of ORT output data: numbers (int64 converted), booleans for BOOL, strings for BYTES. */
export function tensorDataToJson(p: ProtocolDatatype, data: TensorData): unknown[] {
  if (p === "FP16" || p === "BF16") {
    throw new TritonError(
      "INVALID_ARG",
      `sending ${p} data via JSON is not supported. Please use the binary data format for output`,
    );
  }
  if (p === "BOOL") return Array.from(data as Uint8Array, (v) => v !== 0);
  if (p === "BYTES") return [...(data as string[])];
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    return Array.from(data, (v) => Number(v));
  }
  return Array.from(data as ArrayLike<number>);
}

/**
 * A JSON `data` value (flat or nested, row-major) to ORT tensor data, as the HTTP frontend's
 * `ReadDataFromJson` does: every element must have the JSON type of the datatype, and the count
 * must equal the shape's element count (§1.10: too many → "Unable to parse 'data': Shape does not
 * match true shape of 'data' field"; too few → "Failed to parse 'data' field: shape does not match
 * true shape"; both INTERNAL, hence 500).
 */
export function jsonToTensorData(
  p: ProtocolDatatype,
  data: unknown,
  expectedCount: number,
  expectedByteSize: number,
): TensorData {
  const flat: unknown[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const el of v) walk(el);
      return;
    }
    flat.push(v);
  };
  const parseError = (detail: string): TritonError =>
    new TritonError("INTERNAL", `Unable to parse 'data': ${detail}`);
  if (p === "BYTES") {
    let counter = 0;
    const strings: string[] = [];
    walk(data);
    for (const v of flat) {
      if (typeof v !== "string") {
        throw new TritonError(
          "INTERNAL",
          "Unable to parse JSON bytes array: attempt to access JSON non-string as string",
        );
      }
      const len = Buffer.byteLength(v, "utf8");
      if (counter + len + 4 > expectedByteSize) {
        throw parseError("shape does not match true shape of 'data' field");
      }
      counter += len + 4;
      strings.push(v);
    }
    if (counter !== expectedByteSize) {
      throw new TritonError(
        "INTERNAL",
        "Failed to parse 'data' field: shape does not match true shape",
      );
    }
    return strings;
  }
  walk(data);
  const check = (v: unknown, i: number): void => {
    if (i >= expectedCount) throw parseError("Shape does not match true shape of 'data' field");
    switch (p) {
      case "BOOL":
        if (typeof v !== "boolean") {
          throw parseError("attempt to access JSON non-boolean as boolean");
        }
        return;
      case "UINT8":
      case "UINT16":
      case "UINT32":
      case "UINT64":
        if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
          throw parseError("attempt to access JSON non-unsigned-integer as unsigned-integer");
        }
        return;
      case "INT8":
      case "INT16":
      case "INT32":
      case "INT64":
        if (typeof v !== "number" || !Number.isInteger(v)) {
          throw parseError("attempt to access JSON non-signed-integer as signed-integer");
        }
        return;
      default:
        if (typeof v !== "number") throw parseError("attempt to access JSON non-number as double");
    }
  };
  flat.forEach(check);
  if (flat.length !== expectedCount) {
    throw new TritonError(
      "INTERNAL",
      "Failed to parse 'data' field: shape does not match true shape",
    );
  }
  const nums = flat as number[];
  switch (p) {
    case "BOOL":
      return Uint8Array.from(flat as boolean[], (b) => (b ? 1 : 0));
    case "UINT8":
      return Uint8Array.from(nums);
    case "UINT16":
      return Uint16Array.from(nums);
    case "UINT32":
      return Uint32Array.from(nums);
    case "UINT64":
      return BigUint64Array.from(nums, (n) => BigInt(n));
    case "INT8":
      return Int8Array.from(nums);
    case "INT16":
      return Int16Array.from(nums);
    case "INT32":
      return Int32Array.from(nums);
    case "INT64":
      return BigInt64Array.from(nums, (n) => BigInt(n));
    case "FP32":
      return Float32Array.from(nums);
    case "FP64":
      return Float64Array.from(nums);
    default:
      // FP16/BF16 are rejected before this point (JSON cannot carry them).
      throw new TritonError("INVALID_ARG", `unsupported JSON datatype ${p}`);
  }
}
