// `--http-restricted-api=<api>[,<api>…]:<key>=<value>` (triton-contract.md §4): endpoint
// categories guarded by a header. A missing or wrong header answers 403 with
// `This API is restricted, expecting header '<key>'`, before the method is checked.
// `--grpc-restricted-protocol` has the same syntax and categories for the gRPC endpoint (the
// metadata key becomes `triton-grpc-protocol-<key>`); the test server serves no gRPC, so those
// restrictions are parsed and validated only.

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

/** The two flags Triton parses with `ParseRestrictedFeatureOption` (command_line_parser.cc). */
const FLAVOURS = {
  http: { option: "http-restricted-api", feature: "api", keyPrefix: "" },
  grpc: {
    option: "grpc-restricted-protocol",
    feature: "protocol",
    keyPrefix: "triton-grpc-protocol-",
  },
} as const;

/**
 * Parses the flag values (each `apis:key=value`), with Triton's errors for an unknown category and
 * for a category named in two groups (`ParseRestrictedFeatureOption`): `api` in the texts of
 * `--http-restricted-api`, `protocol` in those of `--grpc-restricted-protocol`, whose header keys
 * get the `triton-grpc-protocol-` prefix as in Triton.
 */
export function parseRestrictedApis(
  values: readonly string[],
  protocol: keyof typeof FLAVOURS = "http",
): Map<RestrictedCategory, Restriction> {
  const { option, feature, keyPrefix } = FLAVOURS[protocol];
  const out = new Map<RestrictedCategory, Restriction>();
  for (const arg of values) {
    const colon = arg.indexOf(":");
    const eq = colon < 0 ? -1 : arg.indexOf("=", colon + 1);
    if (colon < 0 || eq < 0) {
      throw new Error(`--${option} option format is '<config name>:<setting>=<value>'. Got ${arg}`);
    }
    const apis = arg.slice(0, colon).split(",");
    const header = keyPrefix + arg.slice(colon + 1, eq);
    const value = arg.slice(eq + 1);
    for (const api of apis) {
      if (!(CATEGORIES as readonly string[]).includes(api)) {
        throw new Error(`unknown restricted ${feature} '${api}' `);
      }
      const category = api as RestrictedCategory;
      if (out.has(category)) {
        throw new Error(
          `restricted ${feature} '${api}' can not be specified in multiple config groups`,
        );
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
