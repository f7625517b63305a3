// `history.jsonl`: one JSON line per deployment attempt, appended with O_APPEND and fsynced, so a
// crash can lose at most the line being written and never corrupts earlier lines. Readers skip a
// torn last line. Lines never carry secrets: only versions, digests, timings and reasons, and
// reasons are passed through `redact` by the transaction before they get here.
import { promises as fs } from "node:fs";
import { isCode } from "./atomic-write";

export type AttemptOutcome =
  "committed" | "unchanged" | "rolled_back" | "rollback_failed" | "recovered" | "unloaded";

/** One line of history.jsonl. */
export interface HistoryEntry {
  at_utc: string;
  model: string;
  outcome: AttemptOutcome;
  from_version: string | null;
  to_version: string | null;
  registered_model?: string;
  run_id?: string | null;
  alias?: string | null;
  sha256?: string | null;
  /** The failed step and the reason, for failures. */
  step?: string;
  reason?: string;
  /** Where the failed candidate was moved (`failed_<v>_<UTC>`). */
  quarantined_as?: string;
  /** Duration of each step that ran, in ms. */
  steps_ms: Record<string, number>;
  /** Who ran it (owner recorded in the lock). */
  actor?: string;
}

/** Append one entry to history.jsonl (creates the file). */
export async function appendHistory(path: string, entry: HistoryEntry): Promise<void> {
  const handle = await fs.open(path, "a", 0o644);
  try {
    await handle.write(`${JSON.stringify(entry)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Read every complete entry of history.jsonl, oldest first; [] when absent. */
export async function readHistoryFile(path: string): Promise<HistoryEntry[]> {
  let text: string;
  try {
    text = await fs.readFile(path, "utf8");
  } catch (error) {
    if (isCode(error, "ENOENT")) return [];
    throw error;
  }
  const entries: HistoryEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      entries.push(JSON.parse(line) as HistoryEntry);
    } catch {
      // A line torn by a crash mid-append: skip it, later lines are intact.
    }
  }
  return entries;
}
