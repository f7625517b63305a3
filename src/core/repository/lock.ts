// The per-model deployment lock `.deploy.lock` (design.md invariant 4: two transactions on the same
// model never interleave).
//
// Acquire: the record (who holds it) is written and fsynced in a temporary file first, which is then
// hard-linked to `.deploy.lock`. link() refuses an existing name (atomic on local filesystems and on
// NFSv3+, like O_EXCL), and the lock appears complete or not at all: a crash or a full disk can no
// longer leave an empty lock file behind. Stale-lock rule, applied only when the file exists:
//   - same host and the recorded pid is gone or a zombie → stale (the holder crashed or was
//     SIGKILLed; a zombie has exited, only its parent has not reaped it yet);
//   - any host and the lock is older than `staleAfterMs` → stale (on another host we cannot see
//     the pid; on this one the pid may have been reused). The TTL must exceed the longest
//     deployment (default 2 h);
//   - an unreadable/torn lock file (left by an older version of this tool, which wrote the record
//     after creating the file, or by a damaged disk) → stale TORN_GRACE_MS after it was written:
//     the tool never writes such a file, so only a writer of an older version still between its
//     create and its write can be behind it, and that takes milliseconds.
// Takeover is race-safe: takers first create a guard `.deploy.lock.takeover` the same way, so one
// process at a time judges and removes a stale lock; the stale file is removed by renaming it to a
// unique name and comparing its token with the one judged stale (if a live holder replaced it in
// between, it is put back with link(), which refuses to overwrite). Then the taker competes for the
// lock like everyone else. A guard left by a crashed taker is judged like a lock, with a 30 s TTL on
// other hosts (takeover holds it for milliseconds).
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { promises as fs } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { LockHeldError } from "../errors";
import { createFileExclusive, fsyncDirectory, isCode } from "./atomic-write";

/** What `.deploy.lock` records. */
export interface LockRecord {
  token: string;
  owner: string;
  pid: number;
  host: string;
  startedAtUtc: string;
  operation: string;
}

export interface LockOptions {
  /** Who takes the lock (user, CI job, "pulumi"); recorded for operators. */
  owner: string;
  /** What the holder does ("deploy 13", "unload"); recorded for operators. */
  operation: string;
  /** A lock on another host older than this is stale. Default 2 h. */
  staleAfterMs?: number;
  /** How long to wait for a held lock before failing. Default 0 (fail at once). */
  waitMs?: number;
  /** Poll interval while waiting. Default 200 ms. */
  pollMs?: number;
  /** Clock (tests). */
  now?: () => Date;
  /** Host name to record and compare (tests). Default os.hostname(). */
  host?: string;
  /** Called when a stale lock was taken over (for history/logs). */
  onTakeover?: (stale: LockRecord | undefined) => void;
}

/** A held lock. `release` removes it only if it is still ours. */
export interface LockHandle {
  path: string;
  record: LockRecord;
  release(): Promise<void>;
}

const DEFAULT_STALE_AFTER_MS = 2 * 60 * 60 * 1000;
const GUARD_STALE_AFTER_MS = 30_000;
/** A torn lock or guard file is abandoned this long after it was written (see the header). */
export const TORN_GRACE_MS = 5_000;

/** Take the lock at `lockPath`, taking over a stale one; throws LockHeldError when held. */
export async function acquireLock(lockPath: string, options: LockOptions): Promise<LockHandle> {
  const now = options.now ?? (() => new Date());
  const host = options.host ?? hostname();
  const deadline = Date.now() + (options.waitMs ?? 0);
  const record: LockRecord = {
    token: randomBytes(12).toString("hex"),
    owner: options.owner,
    pid: process.pid,
    host,
    startedAtUtc: now().toISOString(),
    operation: options.operation,
  };
  const staleAfter = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  for (;;) {
    if (await createFileExclusive(lockPath, `${JSON.stringify(record)}\n`)) {
      return { path: lockPath, record, release: () => releaseLock(lockPath, record.token) };
    }
    const existing = await readLock(lockPath);
    if (existing === "absent") continue;
    const verdict = await judge(lockPath, existing, host, staleAfter, now());
    if (verdict.stale) {
      const removed = await removeStale(lockPath, existing, host, now());
      if (removed) options.onTakeover?.(existing === "torn" ? undefined : existing);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new LockHeldError(lockPath, existing, verdict.holder, verdict.recovery);
    }
    await delay(options.pollMs ?? 200);
  }
}

/** Read the lock file: its record, "torn" when unparsable, "absent" when missing. */
export async function readLock(lockPath: string): Promise<LockRecord | "torn" | "absent"> {
  let text: string;
  try {
    text = await fs.readFile(lockPath, "utf8");
  } catch (error) {
    if (isCode(error, "ENOENT")) return "absent";
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockRecord>;
    if (typeof parsed.token === "string" && typeof parsed.pid === "number") {
      return parsed as LockRecord;
    }
  } catch {
    // fall through: a lock written by an older version killed between create and write
  }
  return "torn";
}

interface Verdict {
  stale: boolean;
  /** Who holds it, for the message. */
  holder: string;
  /** What the operator can do, for the message. */
  recovery: string;
}

async function judge(
  path: string,
  existing: LockRecord | "torn",
  host: string,
  staleAfterMs: number,
  now: Date,
): Promise<Verdict> {
  if (existing === "torn") {
    const mtime = await mtimeMs(path);
    const graceMs = Math.min(TORN_GRACE_MS, staleAfterMs);
    const stale = mtime === undefined || now.getTime() - mtime > graceMs;
    const freeAt = new Date((mtime ?? now.getTime()) + graceMs).toISOString();
    return {
      stale,
      holder: `an unreadable lock record (written at ${new Date(mtime ?? now.getTime()).toISOString()}, no holder named)`,
      recovery: `it is treated as abandoned at ${freeAt}: deploy again after that`,
    };
  }
  const holder = `${existing.owner} (pid ${existing.pid} on ${existing.host}, ${existing.operation}, since ${existing.startedAtUtc})`;
  const started = Date.parse(existing.startedAtUtc);
  const startMs = Number.isNaN(started) ? await mtimeMs(path) : started;
  const expired = startMs === undefined || now.getTime() - startMs > staleAfterMs;
  const abandonedAt =
    startMs === undefined ? "now" : new Date(startMs + staleAfterMs).toISOString();
  // On this host a dead pid proves the holder is gone. The TTL still applies as a backstop: the
  // pid may have been reused by an unrelated process after a crash.
  if (existing.host === host) {
    return {
      stale: expired || !isPidAlive(existing.pid),
      holder,
      recovery: `wait for it to finish; if pid ${existing.pid} hangs, stop it (kill ${existing.pid}) and deploy again: a lock whose process has exited is taken over at once`,
    };
  }
  return {
    stale: expired,
    holder,
    recovery: `wait for it to finish; if host ${existing.host} or that process is gone, remove ${path} and deploy again (it is treated as abandoned at ${abandonedAt})`,
  };
}

async function mtimeMs(path: string): Promise<number | undefined> {
  try {
    return (await fs.stat(path)).mtimeMs;
  } catch (error) {
    if (isCode(error, "ENOENT")) return undefined;
    throw error;
  }
}

/**
 * Whether a process with this pid is running on this host (EPERM: exists, owned by someone else).
 * A zombie (exited, not yet reaped by its parent) is not running.
 */
export function isPidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (!isCode(error, "EPERM")) return false;
  }
  return !isZombie(pid);
}

/** Linux: state Z (zombie) or X (dead) in /proc/<pid>/stat. Elsewhere: never a zombie. */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  // "<pid> (<comm>) <state> …": comm may contain spaces and parentheses, the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state === "Z" || state === "X";
}

/** Remove a lock judged stale, under the takeover guard. True when this call removed it. */
async function removeStale(
  lockPath: string,
  judged: LockRecord | "torn",
  host: string,
  now: Date,
): Promise<boolean> {
  const guard = `${lockPath}.takeover`;
  const guardRecord: LockRecord = {
    token: randomBytes(12).toString("hex"),
    owner: "takeover",
    pid: process.pid,
    host,
    startedAtUtc: now.toISOString(),
    operation: `takeover of ${lockPath}`,
  };
  if (!(await createFileExclusive(guard, `${JSON.stringify(guardRecord)}\n`))) {
    const existing = await readLock(guard);
    if (existing !== "absent") {
      const verdict = await judge(guard, existing, host, GUARD_STALE_AFTER_MS, now);
      // The previous taker crashed while holding the guard (it holds it for milliseconds).
      if (verdict.stale) await removeIfSame(guard, existing);
      else await delay(20);
    }
    return false;
  }
  try {
    return await removeIfSame(lockPath, judged);
  } finally {
    await releaseLock(guard, guardRecord.token);
  }
}

/**
 * Remove `path` if it still holds the record judged stale: rename it to a unique name, compare,
 * and put it back with link() (which refuses to overwrite) when someone replaced it in between.
 */
async function removeIfSame(path: string, judged: LockRecord | "torn"): Promise<boolean> {
  const current = await readLock(path);
  if (current === "absent" || !sameLock(current, judged)) return false;
  const aside = `${path}.stale-${randomBytes(6).toString("hex")}`;
  try {
    await fs.rename(path, aside);
  } catch (error) {
    if (isCode(error, "ENOENT")) return false;
    throw error;
  }
  const moved = await readLock(aside);
  if (moved !== "absent" && !sameLock(moved, judged)) {
    try {
      await fs.link(aside, path);
    } catch (error) {
      if (!isCode(error, "EEXIST")) throw error;
    }
    await fs.rm(aside, { force: true });
    return false;
  }
  await fs.rm(aside, { force: true });
  await fsyncDirectory(dirname(path));
  return true;
}

function sameLock(a: LockRecord | "torn", b: LockRecord | "torn"): boolean {
  if (a === "torn" || b === "torn") return a === b;
  return a.token === b.token;
}

async function releaseLock(lockPath: string, token: string): Promise<void> {
  const current = await readLock(lockPath);
  // Never remove a lock that is no longer ours (it was judged stale and taken over).
  if (current === "absent" || current === "torn" || current.token !== token) return;
  await fs.rm(lockPath, { force: true });
  await fsyncDirectory(dirname(lockPath));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
