// The commit of a verified version, made crash-safe by ordering and by a record that lets the next
// run finish it (design.md invariant 3).
//
// current.json is the commit point and the only file that decides what is committed. Everything
// else that has to agree with it — the version directory `<model>/<v>/` (its sha256),
// committed-config.json and config.pbtxt (what a restarted pod loads) — is derived from a commit
// record, written before current.json:
//   1. `.commit-pending.json` ← the record (version, sha256, time, load config, config.pbtxt text);
//   2. current.json ← the pointer, with the same version, sha256 and time: the commit point;
//   3. if `<v>/` does not hold that sha256 (a version number reused by another registered model),
//      the verified copy in `<model>.staging/<v>/` replaces it — only now, after the commit point;
//   4. committed-config.json ← the record; config.pbtxt ← its text;
//   5. the pending record is removed once every pod serves the commit (the caller does that).
// A kill before 2 leaves a pending record current.json does not name: the next run drops it and
// nothing else changed. A kill after 2 leaves one it names: the next run repeats 3–4 (each step
// is idempotent) and reloads every pod. In every case the next run also rewrites a config.pbtxt
// that differs from the committed record, so the files agree whatever instant the kill hit.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import {
  fsyncDirectory,
  pathExists,
  readTextIfExists,
  tempPathBeside,
  writeFileAtomic,
} from "./atomic-write";
import type { CommittedPointer } from "./current-pointer";
import { fileOperation } from "./file-operation-probe";
import type { ModelPaths } from "./layout";
import { verifyVersionDir } from "./materialize";

/** committed-config.json (and the pending record): what a commit makes pods load. */
export interface CommitRecord {
  version: string;
  /** sha256 of model.onnx of the committed version (absent in files of older versions). */
  sha256?: string;
  /** current.json's `updated_at_utc` of this commit: ties the record to one commit. */
  committedAtUtc?: string;
  /** The protobuf-JSON load config pinned to `version` (the rollback reloads with it). */
  config: string;
  /** The config.pbtxt text pinned to `version` (what a restarted pod loads). */
  pbtxt?: string;
}

/** Read a commit record; undefined when absent or not one (a torn or foreign file). */
export async function readCommitRecord(path: string): Promise<CommitRecord | undefined> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as Partial<CommitRecord>;
    if (typeof r.version !== "string" || typeof r.config !== "string") return undefined;
    return {
      version: r.version,
      config: r.config,
      ...(typeof r.sha256 === "string" ? { sha256: r.sha256 } : {}),
      ...(typeof r.committedAtUtc === "string" ? { committedAtUtc: r.committedAtUtc } : {}),
      ...(typeof r.pbtxt === "string" ? { pbtxt: r.pbtxt } : {}),
    };
  } catch {
    return undefined;
  }
}

function formatCommitRecord(record: CommitRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** Step 1: the pending record. */
export async function writePendingCommit(paths: ModelPaths, record: CommitRecord): Promise<void> {
  await writeFileAtomic(paths.pendingCommit, formatCommitRecord(record));
}

/** Whether `record` is the commit current.json names. */
export function isCommitOf(record: CommitRecord, committed: CommittedPointer | undefined): boolean {
  return (
    committed !== undefined &&
    record.version === committed.activeVersion &&
    record.sha256 === committed.sha256 &&
    record.committedAtUtc === committed.updatedAtUtc
  );
}

/**
 * Steps 3–4: make `<v>/`, committed-config.json and config.pbtxt agree with `record` (already
 * named by current.json). Returns true when `<v>/` was replaced (pods loaded the old files).
 */
export async function completeCommitFiles(
  paths: ModelPaths,
  record: CommitRecord,
  options: { recovering: boolean },
): Promise<boolean> {
  const replaced = await placeCommittedVersion(paths, record, options.recovering);
  await writeFileAtomic(paths.committedConfig, formatCommitRecord(record));
  if (record.pbtxt !== undefined) await writeFileAtomic(paths.config, record.pbtxt);
  return replaced;
}

/** Step 5: the pods serve the commit; nothing is left to finish. */
export async function clearPendingCommit(paths: ModelPaths): Promise<void> {
  fileOperation("remove the pending commit record");
  await fs.rm(paths.pendingCommit, { force: true });
}

async function placeCommittedVersion(
  paths: ModelPaths,
  record: CommitRecord,
  recovering: boolean,
): Promise<boolean> {
  if (record.sha256 === undefined) return false;
  const target = join(paths.modelDir, record.version);
  const inPlace = await verifyVersionDir(target);
  if (inPlace.ok && inPlace.manifest.sha256 === record.sha256) return false;
  const staged = join(paths.stagingDir, record.version);
  const candidate = await verifyVersionDir(staged);
  if (!candidate.ok || candidate.manifest.sha256 !== record.sha256) {
    // A recovery that finds no verified copy (the staging directory was removed by hand) must not
    // block every later run: `<v>/` stays as it is, status reports the sha256 drift, and the next
    // deployment of the committed version replaces it (its directory fails the identical check).
    if (recovering) return false;
    throw new Error(
      `${target} does not hold the committed sha256 ${record.sha256} and ${staged} has no verified copy of it (${candidate.ok ? `its sha256 is ${candidate.manifest.sha256}` : candidate.reason}); expected one of them to, deploy the version again`,
    );
  }
  // The replaced files move to a `.tmp-` name first (removed by the next run if a kill stops
  // this), so `<v>/` is never a half-deleted directory.
  const aside = tempPathBeside(target);
  const replacing = await pathExists(target);
  if (replacing) {
    fileOperation(`move aside the replaced ${record.version}/`);
    await fs.rename(target, aside);
  }
  fileOperation(`rename the staged ${record.version}/ into place`);
  await fs.rename(staged, target);
  fileOperation(`fsync the model directory`);
  await fsyncDirectory(paths.modelDir);
  if (replacing) {
    fileOperation(`remove the replaced ${record.version}/`);
    await fs.rm(aside, { recursive: true, force: true });
  }
  return true;
}

/** What the recovery at the start of a run did. */
export interface CommitRecovery {
  /** A commit current.json names was finished: every pod must reload the committed version. */
  finishedCommit: boolean;
  /** Files rewritten to agree with current.json (for the result's cleanedUp list). */
  repaired: string[];
}

/**
 * Under the lock, before anything else: finish a commit current.json names, drop one it does not,
 * and rewrite config.pbtxt when it differs from the committed record.
 */
export async function recoverCommit(
  paths: ModelPaths,
  committed: CommittedPointer | undefined,
): Promise<CommitRecovery> {
  const pending = await readCommitRecord(paths.pendingCommit);
  if (pending !== undefined && isCommitOf(pending, committed)) {
    await completeCommitFiles(paths, pending, { recovering: true });
    return { finishedCommit: true, repaired: ["commit"] };
  }
  const repaired: string[] = [];
  if (await pathExists(paths.pendingCommit)) {
    // The commit it describes never reached current.json.
    await clearPendingCommit(paths);
    repaired.push("pending commit");
  }
  if (committed === undefined) return { finishedCommit: false, repaired };
  const record = await readCommitRecord(paths.committedConfig);
  if (
    record?.pbtxt !== undefined &&
    record.version === committed.activeVersion &&
    (record.sha256 === undefined || record.sha256 === committed.sha256)
  ) {
    const onDisk = await readTextIfExists(paths.config);
    if (onDisk !== record.pbtxt) {
      await writeFileAtomic(paths.config, record.pbtxt);
      repaired.push("config.pbtxt");
    }
  }
  return { finishedCommit: false, repaired };
}
