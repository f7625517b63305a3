// The structured outcome of one deployment attempt (CLI --json output, provider outputs).
import type { VerificationSummary } from "../repository";
import type { SmokeReport } from "./smoke";

export type DeploymentOutcome = "committed" | "unchanged" | "rolled_back" | "rollback_failed";

export interface DeploymentResult {
  outcome: DeploymentOutcome;
  model: string;
  registeredModel: string;
  /** The committed version before the attempt (undefined on a first deployment). */
  fromVersion: string | undefined;
  /** The version the attempt deployed. */
  toVersion: string;
  /** The committed version after the attempt. */
  committedVersion: string | undefined;
  runId: string | undefined;
  alias: string | undefined;
  /** sha256 of model.onnx of the deployed version (undefined when materialize did not finish). */
  sha256: string | undefined;
  sizeBytes: number | undefined;
  /** True when an existing complete version directory was reused instead of downloaded. */
  reusedFiles: boolean;
  /** Duration of each step that ran, ms, in order. */
  stepsMs: Record<string, number>;
  /** The verification the committed version passed (on committed). */
  verification: VerificationSummary | undefined;
  /** Smoke reports per endpoint (staging and served checks). */
  smoke: SmokeReport[];
  /** Endpoints that did not serve the committed version and were reloaded with it. */
  repairedEndpoints: string[];
  /** Where a failed candidate was quarantined (`failed_<v>_<UTC>`). */
  quarantinedAs: string | undefined;
  /** Leftovers of crashed runs that were cleaned up. */
  cleanedUp: string[];
  /** Whether a stale lock was taken over. */
  tookOverStaleLock: boolean;
}
