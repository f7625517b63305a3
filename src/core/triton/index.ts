export {
  TritonClient,
  type InferInputTensor,
  type InferOptions,
  type InferOutputTensor,
  type InferResult,
  type LoadOptions,
  type ModelMetadata,
  type ModelReadiness,
  type RepositoryIndexEntry,
  type ServerMetadata,
  type TensorMetadata,
  type TritonClientOptions,
} from "./client";
export { classifyTritonError, TritonError, toTritonError, type TritonErrorCode } from "./errors";
export { waitForModelReady, type WaitForReadyOptions } from "./wait";
