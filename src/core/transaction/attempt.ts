// The state one deployment attempt accumulates step by step; the rollback reads it to know what
// to undo, and the result is built from it.
import type { CommittedPointer, ModelPaths, VersionManifest } from "../repository";
import type { SmokeReport } from "./smoke";

/** Mutable state of one attempt, read by the rollback. */
export interface Attempt {
  paths: ModelPaths;
  committed: CommittedPointer | undefined;
  /** The load config of the committed version, when the core committed it. */
  committedConfigJson: string | undefined;
  /** Endpoints that did not serve the committed version at snapshot time. */
  driftedEndpoints: Set<string>;
  candidateDir: string | undefined;
  partialDir: string | undefined;
  stagingLoaded: boolean;
  servedModelTouched: boolean;
  manifest: VersionManifest | undefined;
  reused: boolean;
  runId: string | undefined;
  smoke: SmokeReport[];
  cleanedUp: string[];
  tookOverStaleLock: boolean;
  /** The commit step began writing files: rollback removes its pending record. */
  commitStarted: boolean;
  /** The snapshot finished a commit a killed run left (every pod is reloaded). */
  finishedCommit: boolean;
  /** The candidate replaces the committed version's directory (same number) after the commit. */
  replacesCommittedDir: boolean;
}
