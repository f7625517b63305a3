export {
  createFileExclusive,
  fsyncDirectory,
  fsyncFile,
  isCode,
  pathExists,
  tempPathBeside,
  TEMP_PREFIX,
  writeFileAtomic,
} from "./atomic-write";
export { cleanLeftovers } from "./cleanup";
export {
  clearPendingCommit,
  completeCommitFiles,
  isCommitOf,
  readCommitRecord,
  recoverCommit,
  writePendingCommit,
} from "./commit";
export type { CommitRecord, CommitRecovery } from "./commit";
export { fileOperation, setFileOperationProbe } from "./file-operation-probe";
export type { FileOperationProbe } from "./file-operation-probe";
export {
  CURRENT_SCHEMA_VERSION,
  CurrentPointerError,
  formatCurrentPointer,
  parseCurrentPointer,
  readCurrentPointer,
  writeCurrentPointer,
} from "./current-pointer";
export type { CommittedPointer, VerificationSummary } from "./current-pointer";
export { appendHistory, readHistoryFile } from "./history";
export type { AttemptOutcome, HistoryEntry } from "./history";
export {
  compactUtc,
  COMMITTED_CONFIG_FILE,
  CONFIG_FILE,
  CURRENT_FILE,
  HISTORY_FILE,
  isStagingModelName,
  isValidVersion,
  LOCK_FILE,
  MANIFEST_FILE,
  modelPaths,
  PENDING_COMMIT_FILE,
  quarantineName,
  STAGING_SUFFIX,
  stagingModelName,
} from "./layout";
export type { ModelPaths } from "./layout";
export { acquireLock, isPidAlive, readLock } from "./lock";
export type { LockHandle, LockOptions, LockRecord } from "./lock";
export {
  linkVersionDir,
  MaterializeError,
  materializeVersion,
  PRIMARY_FILE,
  readManifest,
  sha256File,
  verifyVersionDir,
} from "./materialize";
export type { FetchInto, ManifestFile, MaterializeResult, VersionManifest } from "./materialize";
export { claimRepository, OWNER_FILE, RepositoryOwnerError } from "./owner";
export type { RepositoryOwner } from "./owner";
export { quarantineCandidate } from "./quarantine";
export { assertRepositoryRoot, RepositoryRootError } from "./root";
