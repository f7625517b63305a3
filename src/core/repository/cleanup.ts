// Convergence after a crash (invariant 3): whatever a killed run left behind is removed at the
// start of the next run, under the lock. Leftovers are recognisable by name: `.tmp-*` entries
// (partial downloads, half-written files) and stale `.deploy.lock.stale-*` takeover files.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { isCode } from "./atomic-write";
import { TEMP_PREFIX } from "./atomic-write";
import { LOCK_FILE } from "./layout";

/** Remove leftovers of crashed runs in `dir`; returns the names removed. */
export async function cleanLeftovers(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    if (isCode(error, "ENOENT")) return [];
    throw error;
  }
  const removed: string[] = [];
  for (const name of names) {
    if (name.startsWith(TEMP_PREFIX) || name.startsWith(`${LOCK_FILE}.stale-`)) {
      await fs.rm(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed.sort();
}
