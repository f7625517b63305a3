// Public API of the MLflow-compatible test server (see mlflow-contract.md §8).
export { startMlflowServer, type MlflowHandle } from "./server";
export type {
  AsyncRegistrationOptions,
  AuthOptions,
  BasicUser,
  BearerToken,
  BehaviourSwitches,
  MlflowServerOptions,
  Permission,
  TlsServerOptions,
} from "./options";
export type { FaultAction, FaultMatch, FaultRule, FaultState } from "./faults";
export type { RequestLogEntry } from "./request-log";
export type { ModelVersionStatus } from "./store";
export { CONTROL_PREFIX } from "./control";
export {
  publishOnnxModel,
  type PublishLayout,
  type PublishOptions,
  type PublishedModel,
  type SeedAuth,
} from "./seed";
export { mlmodelYaml, type ColumnSpec, type MlmodelOptions, type TensorSpec } from "./mlmodel";
export { createTestPki, type TestPki } from "./test-pki";
