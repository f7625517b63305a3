// The one progress formatter, used by the CLI and by the Pulumi provider (which writes to the
// stream `pulumi up` shows). On a terminal it keeps one live line per step with bytes, rate and
// ETA; elsewhere it writes one structured line (logfmt or JSON) when each step ends.
import type { ProgressEvent, ProgressListener } from "./events";

export type LineFormat = "logfmt" | "json";

/** Where the formatter writes; `isTTY` selects the live display. */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface FormatterOptions {
  /** Structured line format when not on a terminal. Default logfmt. */
  format?: LineFormat;
  /** Clock for timestamps (tests). */
  now?: () => Date;
  /** Force (or suppress) the live display regardless of sink.isTTY. */
  tty?: boolean;
}

/** A listener that renders events to `sink`. */
export function createProgressFormatter(
  sink: ProgressSink,
  options: FormatterOptions = {},
): ProgressListener {
  const tty = options.tty ?? sink.isTTY === true;
  const format = options.format ?? "logfmt";
  const now = options.now ?? (() => new Date());
  let liveLine = false;
  return (event) => {
    if (tty) {
      if (event.phase === "progress") {
        sink.write(`\r\x1b[2K${formatLive(event)}`);
        liveLine = true;
        return;
      }
      if (liveLine) sink.write("\r\x1b[2K");
      liveLine = false;
      sink.write(`${formatHuman(event)}\n`);
      return;
    }
    if (event.phase === "done" || event.phase === "failed") {
      sink.write(`${formatStructured(event, format, now())}\n`);
    }
  };
}

/** One structured line for a finished step. */
export function formatStructured(event: ProgressEvent, format: LineFormat, at: Date): string {
  const fields: [string, string | number][] = [
    ["ts", at.toISOString()],
    ["model", event.model],
    ["step", event.step],
    ["status", event.phase === "failed" ? "failed" : "ok"],
  ];
  if (event.version !== undefined) fields.push(["version", event.version]);
  if (event.endpoint !== undefined) fields.push(["endpoint", event.endpoint]);
  if (event.elapsedMs !== undefined) fields.push(["duration_ms", Math.round(event.elapsedMs)]);
  if (event.done !== undefined) fields.push([event.unit ?? "done", event.done]);
  if (event.unit === "bytes" && event.done !== undefined && event.elapsedMs) {
    fields.push(["rate_bps", Math.round((event.done * 1000) / event.elapsedMs)]);
  }
  if (event.detail !== undefined) fields.push(["detail", event.detail]);
  if (format === "json") return JSON.stringify(Object.fromEntries(fields));
  return fields.map(([k, v]) => `${k}=${logfmtValue(v)}`).join(" ");
}

function logfmtValue(value: string | number): string {
  if (typeof value === "number") return String(value);
  return /^[A-Za-z0-9_.:/@+-]+$/.test(value) ? value : JSON.stringify(value);
}

/** A human line for start/done/failed on a terminal. */
export function formatHuman(event: ProgressEvent): string {
  const what = `${event.model}${event.version !== undefined ? ` v${event.version}` : ""} ${event.step}${event.endpoint !== undefined ? ` @${event.endpoint}` : ""}`;
  const took = event.elapsedMs !== undefined ? ` (${formatDuration(event.elapsedMs)})` : "";
  const detail = event.detail !== undefined ? `: ${event.detail}` : "";
  if (event.phase === "start") return `… ${what}${detail}`;
  if (event.phase === "failed") return `✗ ${what}${took}${detail}`;
  return `✓ ${what}${took}${detail}`;
}

/** The live line: done/total, rate and ETA. */
export function formatLive(event: ProgressEvent): string {
  const elapsed = event.elapsedMs ?? 0;
  const done = event.done ?? 0;
  const bytes = event.unit === "bytes";
  const show = (n: number) => (bytes ? formatBytes(n) : String(n));
  const amount = event.total !== undefined ? `${show(done)} / ${show(event.total)}` : show(done);
  const rate = elapsed > 0 ? (done * 1000) / elapsed : 0;
  const rateText = bytes ? `${formatBytes(rate)}/s` : `${rate.toFixed(1)}/s`;
  const eta =
    event.total !== undefined && rate > 0
      ? ` ETA ${formatDuration(((event.total - done) / rate) * 1000)}`
      : "";
  const pct =
    event.total !== undefined && event.total > 0
      ? ` ${Math.floor((done / event.total) * 100)}%`
      : "";
  return `${event.model} ${event.step}${pct} ${amount} ${rateText}${eta}`;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[i]}`;
}

/** 65_000 → "1m05s", 1_500 → "1.5s", 20 → "20ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}
