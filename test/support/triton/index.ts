// Public API of the Triton-compatible test server for other tests.
export { startTritonServer, TestControls } from "./server";
export type { TritonHandle, TritonServerOptions, RequestLogEntry, InjectedFailure } from "./server";
export { parseTritonFlags } from "./flags";
export { writeModelDir, writeVersion, onnxConfig } from "./repository-fixture";
export type { ModelDirSpec } from "./repository-fixture";
export { configFromPbtxt, configToPbtxt, configToJson } from "./model-config-proto";
export type { ConfigObject } from "./model-config-proto";
export { parsePbtxt } from "./pbtxt";
export type { VersionState, ModelReadyState } from "./lifecycle";
