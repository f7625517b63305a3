export {
  MlflowClient,
  SHA256_TAGS,
  type DownloadModelOptions,
  type DownloadModelResult,
  type ListArtifactsOptions,
  type ResolvedModelVersion,
  type VersionSelector,
} from "./client";
export type { ArtifactEntry } from "./artifact-sources";
export { parseArtifactUri, type ParsedArtifactUri } from "./artifact-uri";
export type { DownloadedFile, DownloadProgress } from "./download";
export { MlflowError, type MlflowErrorCode } from "./errors";
export { LOCAL_MODEL_FILE, planModelFiles, type ModelFilePlan } from "./model-files";
export {
  authorizationHeader,
  mlflowClientOptionsFromEnv,
  type DownloadEndpoint,
  type MlflowAuth,
  type MlflowClientOptions,
} from "./options";
