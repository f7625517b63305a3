// Progress events of the deployment core. The core only emits events; how they are shown (a live
// line on a terminal, one structured line per step in CI and in `pulumi up`) is the formatter's job.

export type ProgressPhase = "start" | "progress" | "done" | "failed";

/** One progress event. Never carries secrets: only names, versions, counts and durations. */
export interface ProgressEvent {
  model: string;
  /** A transaction step ("materialize", "load", "smoke" …) or a finer task ("download"). */
  step: string;
  phase: ProgressPhase;
  version?: string;
  /** The Triton endpoint a per-pod step runs against. */
  endpoint?: string;
  /** Bytes done so far (download) or units done (smoke requests). */
  done?: number;
  /** Total bytes/units, when known. */
  total?: number;
  /** Unit of done/total. */
  unit?: "bytes" | "requests";
  /** Time since the step started, ms (set on progress/done/failed). */
  elapsedMs?: number;
  /** A short human detail ("reused existing 13/", the failure reason). */
  detail?: string;
}

/** Receives progress events. Must not throw; must be cheap (called per downloaded chunk). */
export type ProgressListener = (event: ProgressEvent) => void;
