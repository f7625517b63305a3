// Which version directories Triton sees in a model directory and which of them a version policy
// selects (triton-contract.md §2.3, §2.4; core model_lifecycle.cc `VersionsToLoad`).
import { readdirSync } from "node:fs";
import { TritonError } from "./errors";
import type { ConfigObject } from "./model-config-proto";

// triton-contract.md §2.4: kWarmupDataFolder, kInitialStateFolder, kModelConfigFolder are skipped.
const SKIPPED_DIRS = new Set(["warmup", "initial_state", "configs"]);

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * `std::stoll(name)` in base 10: skips leading whitespace, takes an optional sign and the longest
 * run of digits, ignores whatever follows. Returns undefined where stoll throws
 * std::invalid_argument (no digits). triton-contract.md §2.4: stoll semantics, so
 * `13.failed_20251231T0259` reads as 13.
 */
export function stoll(text: string): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(text);
  if (!m) return undefined;
  const value = BigInt(`${m[1] === "-" ? "-" : ""}${m[2]}`);
  if (value > INT64_MAX || value < INT64_MIN) {
    // triton-contract.md §2.4: std::out_of_range is not caught by Triton and its runtime effect is
    // UNCONFIRMED; this server fails the load with the text std::stoll's exception would carry.
    throw new TritonError("INTERNAL", `stoll: out of range for version directory '${text}'`);
  }
  return value;
}

export interface DiscoveredVersions {
  /** Distinct version numbers, as Triton's std::set de-duplicates them. */
  readonly versions: number[];
  /** Directory names ignored, with the warning Triton logs. */
  readonly ignored: { name: string; reason: string }[];
}

/**
 * Lists a model directory's subdirectories as Triton's `VersionsToLoad` reads them: only
 * directories count (loose files like current.json are ignored); `warmup`, `initial_state`,
 * `configs` are skipped; any name longer than one character starting with '0' is skipped; every
 * other name goes through stoll and is skipped only when stoll finds no digits. So
 * `13.failed_x` counts as version 13 (its files are looked up in `<model>/13/`, not in that
 * directory). triton-contract.md §2.4 and §8.8.
 */
export function discoverVersions(modelDir: string): DiscoveredVersions {
  const versions = new Set<number>();
  const ignored: { name: string; reason: string }[] = [];
  const subdirs = readdirSync(modelDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const name of subdirs) {
    if (SKIPPED_DIRS.has(name)) continue;
    if (name.length > 1 && name.startsWith("0")) {
      ignored.push({
        name,
        reason: `ignore version directory '${name}' which contains leading zeros in its directory name`,
      });
      continue;
    }
    const v = stoll(name);
    if (v === undefined) {
      ignored.push({
        name,
        reason: `ignore version directory '${name}' which fails to convert to integral number`,
      });
      continue;
    }
    versions.add(Number(v));
  }
  return { versions: [...versions].sort((a, b) => a - b), ignored };
}

/**
 * Applies `version_policy` (triton-contract.md §2.3): `latest { num_versions: N }` (N highest),
 * `all {}`, or `specific { versions: […] }` (listed versions whose directory exists; the rest are
 * logged and skipped). Returns ascending version numbers; may be empty (the caller turns that
 * into "at least one version must be available under the version policy …").
 */
export function versionsToLoad(existing: readonly number[], config: ConfigObject): number[] {
  const policy = (config.version_policy ?? {}) as ConfigObject;
  if (policy.specific !== undefined) {
    const listed = ((policy.specific as ConfigObject).versions as number[] | undefined) ?? [];
    const have = new Set(existing);
    return [...new Set(listed.filter((v) => have.has(v)))].sort((a, b) => a - b);
  }
  if (policy.latest !== undefined) {
    const n = ((policy.latest as ConfigObject).num_versions as number | undefined) ?? 0;
    return [...existing]
      .sort((a, b) => b - a)
      .slice(0, n)
      .sort((a, b) => a - b);
  }
  // `all`
  return [...existing];
}
