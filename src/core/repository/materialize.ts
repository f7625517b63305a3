// Materializing a model version directory: the files are streamed into a temporary directory
// beside the target, a manifest (files, sizes, sha256) is written, everything is fsynced, and only
// then is the directory renamed to `<v>/`. So a directory named `<v>/` is always complete; a crash
// leaves only a `.tmp-…` directory, which `cleanLeftovers` removes on the next run.
import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import { dirname, join } from "node:path";
import { errorMessage } from "../errors";
import { fsyncDirectory, fsyncFile, isCode, pathExists, tempPathBeside } from "./atomic-write";
import { MANIFEST_FILE } from "./layout";

/** One file of a version directory. */
export interface ManifestFile {
  /** Path relative to the version directory (`model.onnx`, `model.onnx.data`). */
  path: string;
  sizeBytes: number;
  sha256: string;
}

/** `.manifest.json` inside every version directory the core materialized. */
export interface VersionManifest {
  registeredModel: string;
  version: string;
  runId: string | undefined;
  /** sha256 of the primary file (`model.onnx`): the digest recorded in current.json. */
  sha256: string;
  /** Total bytes of all files. */
  sizeBytes: number;
  files: ManifestFile[];
}

/** The file whose sha256 is "the model's digest" (the one an MLflow sha256 tag covers). */
export const PRIMARY_FILE = "model.onnx";

/** Fills a temporary directory with the model files and reports what it wrote. */
export type FetchInto = (dir: string) => Promise<ManifestFile[]>;

export interface MaterializeResult {
  dir: string;
  manifest: VersionManifest;
  /** True when an existing complete directory with a matching digest was reused. */
  reused: boolean;
}

/**
 * Make `target` (a `<v>/` directory) hold the model: reuse it when it is complete and its files
 * still hash to its manifest (and to `expectedSha256` when given), otherwise fetch into a temporary
 * directory beside it and rename it into place. An existing `target` that does not verify is
 * removed first (it is not served: the committed config pins another version, and the caller
 * never passes the committed version's directory here).
 */
export async function materializeVersion(args: {
  target: string;
  registeredModel: string;
  version: string;
  runId: string | undefined;
  expectedSha256?: string;
  fetchInto: FetchInto;
}): Promise<MaterializeResult> {
  const existing = await verifyVersionDir(args.target);
  if (
    existing.ok &&
    (args.expectedSha256 === undefined || existing.manifest.sha256 === args.expectedSha256)
  ) {
    return { dir: args.target, manifest: existing.manifest, reused: true };
  }
  if (await pathExists(args.target)) await fs.rm(args.target, { recursive: true, force: true });
  await fs.mkdir(dirname(args.target), { recursive: true });
  const temp = tempPathBeside(args.target);
  await fs.mkdir(temp);
  try {
    const files = await args.fetchInto(temp);
    const primary = files.find((f) => f.path === PRIMARY_FILE);
    if (primary === undefined) {
      throw new Error(
        `the artifact has no ${PRIMARY_FILE}; files: ${files.map((f) => f.path).join(", ") || "none"}`,
      );
    }
    if (args.expectedSha256 !== undefined && primary.sha256 !== args.expectedSha256) {
      throw new Error(
        `sha256 of ${PRIMARY_FILE} is ${primary.sha256}; expected ${args.expectedSha256} (the model version's sha256 tag)`,
      );
    }
    const manifest: VersionManifest = {
      registeredModel: args.registeredModel,
      version: args.version,
      runId: args.runId,
      sha256: primary.sha256,
      sizeBytes: files.reduce((sum, f) => sum + f.sizeBytes, 0),
      files,
    };
    await writeManifest(temp, manifest);
    for (const file of files) await fsyncFile(join(temp, file.path));
    await fsyncDirectory(temp);
    await fs.rename(temp, args.target);
    await fsyncDirectory(dirname(args.target));
    return { dir: args.target, manifest, reused: false };
  } catch (error) {
    throw new MaterializeError(error, temp);
  }
}

/**
 * Materializing failed. `partialDir` is the temporary directory with whatever was fetched: the
 * transaction quarantines it (`failed_<v>_<UTC>`) for analysis; `cleanLeftovers` would remove it.
 */
export class MaterializeError extends Error {
  override readonly cause: unknown;
  readonly partialDir: string;
  constructor(cause: unknown, partialDir: string) {
    super(errorMessage(cause));
    this.name = "MaterializeError";
    this.cause = cause;
    this.partialDir = partialDir;
  }
}

async function writeManifest(dir: string, manifest: VersionManifest): Promise<void> {
  const path = join(dir, MANIFEST_FILE);
  const handle = await fs.open(path, "wx", 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Make `target` a copy of the intact version directory `source` made of hard links (no data is
 * copied; both are on the same filesystem), built beside it and renamed into place.
 */
export async function linkVersionDir(
  source: string,
  target: string,
  manifest: VersionManifest,
): Promise<void> {
  await fs.mkdir(dirname(target), { recursive: true });
  const temp = tempPathBeside(target);
  await fs.mkdir(temp);
  try {
    for (const name of [...manifest.files.map((f) => f.path), MANIFEST_FILE]) {
      await fs.mkdir(dirname(join(temp, name)), { recursive: true });
      await fs.link(join(source, name), join(temp, name));
    }
    await fsyncDirectory(temp);
    await fs.rename(temp, target);
    await fsyncDirectory(dirname(target));
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Read a version directory's manifest; undefined when absent or unreadable. */
export async function readManifest(dir: string): Promise<VersionManifest | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(join(dir, MANIFEST_FILE), "utf8")) as unknown;
    const m = parsed as Partial<VersionManifest>;
    if (typeof m.sha256 === "string" && Array.isArray(m.files)) return parsed as VersionManifest;
    return undefined;
  } catch (error) {
    if (isCode(error, "ENOENT") || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/**
 * Whether `dir` is a complete version directory: it has a manifest and every listed file has the
 * recorded size and sha256 (re-hashed: a local read is far cheaper than a download, and it catches
 * a file damaged on the share).
 */
export async function verifyVersionDir(
  dir: string,
): Promise<{ ok: true; manifest: VersionManifest } | { ok: false; reason: string }> {
  const manifest = await readManifest(dir);
  if (manifest === undefined) {
    return { ok: false, reason: `${dir} has no readable ${MANIFEST_FILE}` };
  }
  for (const file of manifest.files) {
    const path = join(dir, file.path);
    let size: number;
    try {
      size = (await fs.stat(path)).size;
    } catch (error) {
      if (isCode(error, "ENOENT")) return { ok: false, reason: `${path} is missing` };
      throw error;
    }
    if (size !== file.sizeBytes) {
      return { ok: false, reason: `${path} has ${size} bytes; expected ${file.sizeBytes}` };
    }
    const digest = await sha256File(path);
    if (digest !== file.sha256) {
      return { ok: false, reason: `${path} has sha256 ${digest}; expected ${file.sha256}` };
    }
  }
  return { ok: true, manifest };
}

/** sha256 of a file, streamed (constant memory). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
