// Crash-safe file replacement: a reader sees either the old file or the new one, never a torn
// write. The temp file lives in the same directory so the rename stays on one filesystem (an NFS
// export included), and the directory is fsynced so the rename itself survives a power loss.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileOperation } from "./file-operation-probe";

/** Prefix of every temporary entry the repository creates; cleaned up by `cleanLeftovers`. */
export const TEMP_PREFIX = ".tmp-";

/** A unique temporary name beside `target` (same directory). */
export function tempPathBeside(target: string): string {
  return join(
    dirname(target),
    `${TEMP_PREFIX}${basename(target)}-${randomBytes(6).toString("hex")}`,
  );
}

/** fsync a directory so that renames and creations inside it are durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } catch (error) {
    // Some filesystems refuse fsync on a directory handle (EINVAL/EISDIR); the rename is then as
    // durable as that filesystem makes it, which is all we can do.
    if (!isCode(error, "EINVAL") && !isCode(error, "EISDIR")) throw error;
  } finally {
    await handle.close();
  }
}

/** fsync one file by path. */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await fs.open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Write `data` to `target` atomically: temp file, fsync, rename, fsync the directory. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathBeside(target);
  fileOperation(`write ${basename(target)} (temporary file)`);
  await writeNewFileSynced(temp, data);
  try {
    fileOperation(`rename into ${basename(target)}`);
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  fileOperation(`fsync the directory of ${basename(target)}`);
  await fsyncDirectory(dirname(target));
}

/**
 * Create `path` holding `data`, complete, unless it exists: the data is written and fsynced
 * beside it, then hard-linked into place (link refuses an existing name, atomically on local
 * filesystems and NFSv3+, like O_EXCL). So the file never appears empty or half-written, even
 * when the writer is killed or the disk is full. False when `path` exists.
 */
export async function createFileExclusive(path: string, data: string): Promise<boolean> {
  const temp = tempPathBeside(path);
  try {
    await writeNewFileSynced(temp, data);
    try {
      await fs.link(temp, path);
    } catch (error) {
      // ENOENT: a deployment's leftover cleanup removed our temporary file; the caller retries.
      if (isCode(error, "EEXIST") || isCode(error, "ENOENT")) return false;
      throw error;
    }
  } finally {
    await fs.rm(temp, { force: true });
  }
  await fsyncDirectory(dirname(path));
  return true;
}

/** Create `path` (it must not exist) with `data`, fsynced. */
async function writeNewFileSynced(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(path, "wx", 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The text of a file; undefined when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(path, "utf8");
  } catch (error) {
    if (isCode(error, "ENOENT")) return undefined;
    throw error;
  }
}

/** True when `error` is a Node system error with this `code`. */
export function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

/** Whether a path exists (any kind of entry). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (error) {
    if (isCode(error, "ENOENT")) return false;
    throw error;
  }
}
