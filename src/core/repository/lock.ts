// The per-model deployment lock `.deploy.lock` (design.md invariant 4: two transactions on the same
// model never interleave).
//
// Acquire: create the file with O_EXCL (atomic on local filesystems and on NFSv3+), recording who
// holds it. Stale-lock rule, applied only when the file already exists:
//   - same host and the recorded pid is not alive → stale (the holder crashed or was SIGKILLed);
//   - any host and the lock is older than `staleAfterMs` → stale (on another host we cannot see
//     the pid; on this one the pid may have been reused). The TTL must exceed the longest
//     deployment (default 2 h);
//   - an unreadable/torn lock file older than `staleAfterMs` (by mtime) → stale.
// Takeover is race-safe: takers first create a guard `.deploy.lock.takeover` with O_EXCL, so one
// process at a time judges and removes a stale lock; the stale file is removed by renaming it to a
// unique name and comparing its token with the one judged stale (if a live holder replaced it in
// between, it is put back with link(), which refuses to overwrite). Then the taker competes for the
// lock with O_EXCL like everyone else. A guard left by a crashed taker is itself stale after
// `guardStaleAfterMs` (takeover holds it for milliseconds).
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { hostname } from "node:os";
import { LockHeldError } from "../errors";
import { fsyncDirectory, isCode } from "./atomic-write";
import { dirname } from "node:path";

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
  for (;;) {
    if (await tryCreate(lockPath, record)) {
      return { path: lockPath, record, release: () => releaseLock(lockPath, record.token) };
    }
    const existing = await readLock(lockPath);
    if (existing === "absent") continue;
    const staleAfter = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    const verdict = await judge(lockPath, existing, host, staleAfter, now());
    if (verdict.stale) {
      const removed = await removeStale(lockPath, existing, now());
      if (removed) options.onTakeover?.(existing === "torn" ? undefined : existing);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new LockHeldError(lockPath, existing, verdict.holder);
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
    // fall through: a lock written by a process killed mid-write
  }
  return "torn";
}

async function tryCreate(lockPath: string, record: LockRecord): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(lockPath, "wx", 0o644);
  } catch (error) {
    if (isCode(error, "EEXIST")) return false;
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(record)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsyncDirectory(dirname(lockPath));
  return true;
}

async function judge(
  lockPath: string,
  existing: LockRecord | "torn",
  host: string,
  staleAfterMs: number,
  now: Date,
): Promise<{ stale: boolean; holder: string }> {
  if (existing === "torn") {
    const age = await ageMs(lockPath, now);
    return { stale: age === undefined || age > staleAfterMs, holder: "an unreadable lock record" };
  }
  const holder = `${existing.owner} (pid ${existing.pid} on ${existing.host}, ${existing.operation}, since ${existing.startedAtUtc})`;
  const started = Date.parse(existing.startedAtUtc);
  const age = Number.isNaN(started) ? await ageMs(lockPath, now) : now.getTime() - started;
  const expired = age === undefined || age > staleAfterMs;
  // On this host a dead pid proves the holder is gone. The TTL still applies as a backstop: the
  // pid may have been reused by an unrelated process after a crash.
  if (existing.host === host) return { stale: expired || !isPidAlive(existing.pid), holder };
  return { stale: expired, holder };
}

async function ageMs(path: string, now: Date): Promise<number | undefined> {
  try {
    return now.getTime() - (await fs.stat(path)).mtimeMs;
  } catch (error) {
    if (isCode(error, "ENOENT")) return undefined;
    throw error;
  }
}

/** Whether a process with this pid exists on this host (EPERM: exists, owned by someone else). */
export function isPidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isCode(error, "EPERM");
  }
}

/** Remove a lock judged stale, under the takeover guard. True when this call removed it. */
async function removeStale(
  lockPath: string,
  judged: LockRecord | "torn",
  now: Date,
): Promise<boolean> {
  const guard = `${lockPath}.takeover`;
  if (!(await takeGuard(guard, now))) {
    await delay(20);
    return false;
  }
  try {
    const current = await readLock(lockPath);
    if (current === "absent") return false;
    if (!sameLock(current, judged)) return false;
    const aside = `${lockPath}.stale-${randomBytes(6).toString("hex")}`;
    try {
      await fs.rename(lockPath, aside);
    } catch (error) {
      if (isCode(error, "ENOENT")) return false;
      throw error;
    }
    const moved = await readLock(aside);
    if (moved !== "absent" && !sameLock(moved, judged)) {
      // A live holder replaced the stale lock between our read and the rename: put it back.
      try {
        await fs.link(aside, lockPath);
      } catch (error) {
        if (!isCode(error, "EEXIST")) throw error;
      }
      await fs.rm(aside, { force: true });
      return false;
    }
    await fs.rm(aside, { force: true });
    await fsyncDirectory(dirname(lockPath));
    return true;
  } finally {
    await fs.rm(guard, { force: true });
  }
}

async function takeGuard(guard: string, now: Date): Promise<boolean> {
  try {
    const handle = await fs.open(guard, "wx", 0o644);
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch (error) {
    if (!isCode(error, "EEXIST")) throw error;
  }
  const age = await ageMs(guard, now);
  if (age !== undefined && age > GUARD_STALE_AFTER_MS) {
    // The previous taker crashed while holding the guard (it holds it for milliseconds).
    await fs.rm(guard, { force: true });
  }
  return false;
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
