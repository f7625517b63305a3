export { onnxElementTypeCode, onnxElementTypeName, type OnnxElementType } from "./element-types";
export { onnxModelProto } from "./onnx-schema";
export {
  InvalidOnnxModelError,
  readOnnxSignature,
  type OnnxSignature,
  type TensorSignature,
} from "./read-signature";
export { readOnnxSignatureFile, readOnnxSignatureFileCounted } from "./read-signature-file";
