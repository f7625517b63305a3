export type { ProgressEvent, ProgressListener, ProgressPhase } from "./events";
export {
  createProgressFormatter,
  formatBytes,
  formatDuration,
  formatHuman,
  formatLive,
  formatStructured,
} from "./format";
export type { FormatterOptions, LineFormat, ProgressSink } from "./format";
