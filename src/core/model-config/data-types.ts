// Element types: Triton's TYPE_* names and how Triton's ONNX backend maps them to and from ONNX
// (onnxruntime_backend: src/onnxruntime_utils.cc, ModelConfigDataTypeToOnnxDataType and
// OnnxDataTypeToModelConfigDataType). ONNX types outside this table cannot be served by Triton.
import type { OnnxElementType } from "../onnx";

export const TRITON_DATA_TYPES = [
  "TYPE_BOOL",
  "TYPE_UINT8",
  "TYPE_UINT16",
  "TYPE_UINT32",
  "TYPE_UINT64",
  "TYPE_INT8",
  "TYPE_INT16",
  "TYPE_INT32",
  "TYPE_INT64",
  "TYPE_FP16",
  "TYPE_FP32",
  "TYPE_FP64",
  "TYPE_BF16",
  "TYPE_STRING",
] as const;

export type TritonDataType = (typeof TRITON_DATA_TYPES)[number];

const ONNX_BY_TRITON: Readonly<Record<TritonDataType, OnnxElementType>> = {
  TYPE_BOOL: "BOOL",
  TYPE_UINT8: "UINT8",
  TYPE_UINT16: "UINT16",
  TYPE_UINT32: "UINT32",
  TYPE_UINT64: "UINT64",
  TYPE_INT8: "INT8",
  TYPE_INT16: "INT16",
  TYPE_INT32: "INT32",
  TYPE_INT64: "INT64",
  TYPE_FP16: "FLOAT16",
  TYPE_FP32: "FLOAT",
  TYPE_FP64: "DOUBLE",
  TYPE_BF16: "BFLOAT16",
  TYPE_STRING: "STRING",
};

export function isTritonDataType(value: string): value is TritonDataType {
  return (TRITON_DATA_TYPES as readonly string[]).includes(value);
}

/** The ONNX element type Triton's ONNX backend expects for a config data_type. */
export function onnxTypeForTriton(dataType: TritonDataType): OnnxElementType {
  return ONNX_BY_TRITON[dataType];
}

/** The config data_type for an ONNX element type, or undefined when Triton cannot serve it. */
export function tritonTypeForOnnx(elemType: OnnxElementType): TritonDataType | undefined {
  return TRITON_DATA_TYPES.find((t) => ONNX_BY_TRITON[t] === elemType);
}

/**
 * A Triton data type's protocol name as the HTTP API shows it (`FP32`, `INT64`, …), with one
 * exception Triton makes: TYPE_STRING is `BYTES` on the wire.
 */
export function tritonProtocolDataType(dataType: TritonDataType): string {
  return dataType === "TYPE_STRING" ? "BYTES" : dataType.slice("TYPE_".length);
}
