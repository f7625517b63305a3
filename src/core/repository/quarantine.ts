// Quarantine of a failed candidate: the directory is kept for analysis as
// `<modelDir>/failed_<v>_<UTC>` (layout.ts explains the name).
import { promises as fs } from "node:fs";
import { basename, join } from "node:path";
import { fsyncDirectory, isCode, pathExists } from "./atomic-write";
import { fileOperation } from "./file-operation-probe";
import { quarantineName } from "./layout";

/**
 * Move `candidateDir` to `<modelDir>/failed_<v>_<UTC>` (a `-2`, `-3` … suffix if that name is
 * taken in the same second). Returns the new name, or undefined when there was nothing to move.
 */
export async function quarantineCandidate(
  modelDir: string,
  candidateDir: string,
  version: string,
  at: Date,
): Promise<string | undefined> {
  if (!(await pathExists(candidateDir))) return undefined;
  await fs.mkdir(modelDir, { recursive: true });
  const base = quarantineName(version, at);
  for (let n = 1; n < 100; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    const target = join(modelDir, name);
    if (await pathExists(target)) continue;
    try {
      fileOperation(`quarantine ${basename(candidateDir)} as ${name}`);
      await fs.rename(candidateDir, target);
    } catch (error) {
      if (isCode(error, "ENOTEMPTY") || isCode(error, "EEXIST")) continue;
      throw error;
    }
    await fsyncDirectory(modelDir);
    return name;
  }
  throw new Error(
    `cannot quarantine ${basename(candidateDir)} in ${modelDir}: 99 directories named ${base}* exist`,
  );
}
