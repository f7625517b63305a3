// `--http-restricted-api=<api>[,<api>…]:<key>=<value>` (triton-contract.md §4): endpoint
// categories guarded by a header. A missing or wrong header answers 403 with
// `This API is restricted, expecting header '<key>'`, before the method is checked.

export type RestrictedCategory =
  | "health"
  | "metadata"
  | "inference"
  | "shared-memory"
  | "model-config"
  | "model-repository"
  | "statistics"
  | "trace"
  | "logging";

const CATEGORIES: readonly RestrictedCategory[] = [
  "health",
  "metadata",
  "inference",
  "shared-memory",
  "model-config",
  "model-repository",
  "statistics",
  "trace",
  "logging",
];

export interface Restriction {
  readonly header: string;
  readonly value: string;
}

export type RestrictedApis = ReadonlyMap<RestrictedCategory, Restriction>;

/**
 * Parses the flag values (each `apis:key=value`), with Triton's errors for an unknown category and
 * for a category named in two groups (`ParseRestrictedFeatureOption`).
 */
export function parseRestrictedApis(
  values: readonly string[],
): Map<RestrictedCategory, Restriction> {
  const out = new Map<RestrictedCategory, Restriction>();
  for (const arg of values) {
    const colon = arg.indexOf(":");
    const eq = colon < 0 ? -1 : arg.indexOf("=", colon + 1);
    if (colon < 0 || eq < 0) {
      throw new Error(
        `--http-restricted-api option format is '<config name>:<setting>=<value>'. Got ${arg}`,
      );
    }
    const apis = arg.slice(0, colon).split(",");
    const header = arg.slice(colon + 1, eq);
    const value = arg.slice(eq + 1);
    for (const api of apis) {
      if (!(CATEGORIES as readonly string[]).includes(api)) {
        throw new Error(`unknown restricted api '${api}' `);
      }
      const category = api as RestrictedCategory;
      if (out.has(category)) {
        throw new Error(`restricted api '${api}' can not be specified in multiple config groups`);
      }
      out.set(category, { header, value });
    }
  }
  return out;
}

/**
 * The 403 message when the request lacks the header or carries another value, else undefined.
 * Node lower-cases incoming header names, so matching is case-insensitive here; for Triton
 * (libevhtp's evhtp_kv_find) this is UNCONFIRMED (§4). The value must match exactly.
 */
export function restrictionFailure(
  restricted: RestrictedApis,
  category: RestrictedCategory,
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const r = restricted.get(category);
  if (!r) return undefined;
  const actual = headers[r.header.toLowerCase()];
  const value = Array.isArray(actual) ? actual[0] : actual;
  if (value === r.value) return undefined;
  return `This API is restricted, expecting header '${r.header}'`;
}
