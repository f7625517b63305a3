// Change detection for explicit loads (triton-contract.md §1.8 "No change on disk and no config:
// the call is a no-op … detected by recursive file mtimes"; §2.4 "Extra files and directories in
// the model directory still matter for change detection"). Mirrors core's `ModelTimestamp`.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Latest mtime (ns) of a path and everything under it; 0 on any error, as Triton falls back. */
function pathModifiedTime(path: string): bigint {
  try {
    const st = statSync(path, { bigint: true });
    let mtime = st.mtimeNs;
    if (!st.isDirectory()) return mtime;
    for (const child of readdirSync(path)) {
      const t = pathModifiedTime(join(path, child));
      if (t > mtime) mtime = t;
    }
    return mtime;
  } catch {
    return 0n;
  }
}

export class ModelTimestamp {
  /** Entry name → mtime; "" is the model directory itself. Empty means "all zero". */
  private readonly times = new Map<string, bigint>();
  private configContentName = "";

  /** The empty timestamp (a model never loaded, or loaded from file overrides). */
  static empty(): ModelTimestamp {
    return new ModelTimestamp();
  }

  /** Reads `model_dir` and each top-level entry (recursively); `configPath` marks the config entry. */
  static read(modelDir: string, configPath: string): ModelTimestamp {
    const ts = new ModelTimestamp();
    try {
      const st = statSync(modelDir, { bigint: true });
      if (!st.isDirectory()) return ts;
      ts.times.set("", st.mtimeNs);
      for (const name of readdirSync(modelDir)) {
        const contentPath = join(modelDir, name);
        if (configPath === contentPath || configPath.startsWith(`${contentPath}/`)) {
          ts.configContentName = name;
        }
        ts.times.set(name, pathModifiedTime(contentPath));
      }
    } catch {
      ts.times.clear();
      ts.configContentName = "";
    }
    return ts;
  }

  clone(): ModelTimestamp {
    const c = new ModelTimestamp();
    for (const [k, v] of this.times) c.times.set(k, v);
    c.configContentName = this.configContentName;
    return c;
  }

  private modifiedTime(): bigint {
    let max = 0n;
    for (const t of this.times.values()) if (t > max) max = t;
    return max;
  }

  private versionModifiedTime(version: number): bigint {
    return this.times.get(String(version)) ?? 0n;
  }

  /** Entries whose name has a non-digit and that are not the config (current.json, 13.failed_…). */
  private nonConfigNorVersionNorDirModifiedTime(): bigint {
    let max = 0n;
    for (const [name, t] of this.times) {
      if (/\D/.test(name) && name !== this.configContentName && t > max) max = t;
    }
    return max;
  }

  /** `IsModified`: anything in the directory is newer than before. */
  isModified(newer: ModelTimestamp): boolean {
    return newer.modifiedTime() > this.modifiedTime();
  }

  /**
   * `IsModelVersionModified`: the version directory, or any non-version non-config entry, is newer.
   * A loose file such as current.json therefore counts as a change to every version (§2.4).
   */
  isModelVersionModified(newer: ModelTimestamp, version: number): boolean {
    const old = max(
      this.versionModifiedTime(version),
      this.nonConfigNorVersionNorDirModifiedTime(),
    );
    const cur = max(
      newer.versionModifiedTime(version),
      newer.nonConfigNorVersionNorDirModifiedTime(),
    );
    return cur > old;
  }

  /** A `config` override sets the config's time to now (§1.8 "config always forces a (re)load"). */
  setModelConfigModifiedTime(ns: bigint): void {
    if (this.configContentName === "") return;
    this.times.set(this.configContentName, ns);
  }
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

// Wall clock anchored once, advanced by the monotonic clock: nanosecond resolution, never
// going backwards, comparable with file mtimes.
const WALL_ANCHOR_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** Wall-clock now in nanoseconds (the override timestamp is system_clock::now()). */
export function nowNs(): bigint {
  return WALL_ANCHOR_NS + process.hrtime.bigint();
}
