export { autoCompleteFromOnnx, type AutoCompleteOptions } from "./auto-complete";
export {
  TRITON_DATA_TYPES,
  isTritonDataType,
  onnxTypeForTriton,
  tritonProtocolDataType,
  tritonTypeForOnnx,
  type TritonDataType,
} from "./data-types";
export { ModelConfigError } from "./errors";
export {
  buildModelConfig,
  parseModelVersion,
  withPinnedVersion,
  type BuildModelConfigOptions,
  type ModelServingSpec,
  type TensorSpec,
} from "./from-spec";
export { toLoadConfigJson, toLoadRequestBody } from "./load-config-json";
export { parseConfigPbtxt, parsePbtxt, type PbtxtMessage, type PbtxtValue } from "./parse-pbtxt";
export { expectedOutputs, metadataShape, requestShape, type ExpectedTensor } from "./shapes";
export { renderConfigPbtxt, type RenderPbtxtOptions } from "./render-pbtxt";
export type {
  TritonDynamicBatching,
  TritonInstanceGroup,
  TritonInstanceKind,
  TritonModelConfig,
  TritonTensorConfig,
  TritonVersionPolicy,
} from "./types";
export {
  assertConfigMatchesOnnx,
  shapeToString,
  tritonViewOfOnnxDims,
  validateAgainstOnnx,
  type ConfigProblem,
  type ConfigProblemRule,
} from "./validate";
