// ONNX TensorProto.DataType (onnx/onnx.proto3), by number. The reader reports element types by
// these names so that messages and comparisons read like ONNX's own tools (`FLOAT`, `INT64`, …).
const ONNX_ELEMENT_TYPE_NAMES = [
  "UNDEFINED",
  "FLOAT",
  "UINT8",
  "INT8",
  "UINT16",
  "INT16",
  "INT32",
  "INT64",
  "STRING",
  "BOOL",
  "FLOAT16",
  "DOUBLE",
  "UINT32",
  "UINT64",
  "COMPLEX64",
  "COMPLEX128",
  "BFLOAT16",
  "FLOAT8E4M3FN",
  "FLOAT8E4M3FNUZ",
  "FLOAT8E5M2",
  "FLOAT8E5M2FNUZ",
  "UINT4",
  "INT4",
  "FLOAT4E2M1",
  "FLOAT8E8M0",
  "UINT2",
  "INT2",
] as const;

export type OnnxElementType = (typeof ONNX_ELEMENT_TYPE_NAMES)[number];

/** The ONNX name of a TensorProto.DataType number, or undefined for a number ONNX does not define. */
export function onnxElementTypeName(code: number): OnnxElementType | undefined {
  return ONNX_ELEMENT_TYPE_NAMES[code];
}

/** The TensorProto.DataType number of an ONNX element type name. */
export function onnxElementTypeCode(name: OnnxElementType): number {
  return ONNX_ELEMENT_TYPE_NAMES.indexOf(name);
}
