// Artifact files on disk: the `--artifacts-destination` the proxy serves (mlflow-contract.md
// §1.3, §2.1) and a simulated S3 the server reaches with its own credentials (§2.5).
import { randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync, renameSync, rmSync, statSync, readdirSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ArtifactLocation } from "./paths";

export interface DirEntry {
  readonly name: string;
  readonly isDir: boolean;
  /** Files only (mlflow-contract.md §1.2: absent for directories). */
  readonly size?: number;
}

export interface FileStat {
  readonly size: number;
  readonly mtimeMs: number;
}

export class ArtifactStore {
  readonly destination: string;
  readonly s3Root: string;

  constructor(dataDir: string) {
    this.destination = join(dataDir, "artifacts");
    this.s3Root = join(dataDir, "s3");
    mkdirSync(this.destination, { recursive: true });
    mkdirSync(this.s3Root, { recursive: true });
  }

  /** The directory on disk behind an artifact location plus a relative path in it. */
  localPath(location: ArtifactLocation, relative?: string): string {
    const base =
      location.kind === "proxied"
        ? join(this.destination, location.path)
        : join(this.s3Root, location.bucket, location.key);
    const full = relative ? join(base, relative) : base;
    const root = location.kind === "proxied" ? this.destination : this.s3Root;
    // Paths are validated before they get here; this is the last line against escaping.
    if (full !== root && !full.startsWith(root + sep)) {
      throw new Error(`artifact path escapes the store: ${full}`);
    }
    return full;
  }

  /** The destination as the server names it in messages (a local artifact repository URI). */
  get destinationUri(): string {
    return `file://${this.destination}`;
  }

  /**
   * One level of a directory, sorted by name (LocalArtifactRepository.list_artifacts sorts).
   * A missing path or a file lists as empty, which the JSON then omits (§1.2).
   */
  list(path: string): DirEntry[] {
    let names: string[];
    try {
      if (!statSync(path).isDirectory()) return [];
      names = readdirSync(path);
    } catch {
      return [];
    }
    return names
      .filter((name) => !name.startsWith(".upload-"))
      .sort()
      .map((name) => {
        const stat = statSync(join(path, name));
        return stat.isDirectory() ? { name, isDir: true } : { name, isDir: false, size: stat.size };
      });
  }

  stat(path: string): FileStat | "directory" | undefined {
    try {
      const stat = statSync(path);
      return stat.isDirectory() ? "directory" : { size: stat.size, mtimeMs: stat.mtimeMs };
    } catch {
      return undefined;
    }
  }

  /** Store a stream as a file: written beside the target, then renamed into place. */
  async write(path: string, body: Readable): Promise<void> {
    mkdirSync(dirname(path), { recursive: true });
    const temp = join(dirname(path), `.upload-${randomUUID()}`);
    try {
      await pipeline(body, createWriteStream(temp));
      renameSync(temp, path);
    } finally {
      rmSync(temp, { force: true });
    }
  }

  writeBuffer(path: string, data: Uint8Array): Promise<void> {
    return this.write(path, Readable.from([Buffer.from(data)]));
  }

  remove(path: string): void {
    rmSync(path, { recursive: true, force: true });
  }
}
