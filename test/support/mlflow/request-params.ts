// How MLflow's handlers read a request message (`_get_request_message`, `_get_request_json`,
// `_validate_param_against_schema`): from the query string for a GET that has one, otherwise
// from a JSON body — whatever the method, so a DELETE's parameters must be in its body.
import type { IncomingHttpHeaders } from "node:http";
import { MlflowError, errors } from "./errors";

export interface RequestInfo {
  readonly method: string;
  /** The query string, parsed. */
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export type Fields = Readonly<Record<string, unknown>>;

// Characters MLflow lets through when it echoes a bad Content-Type back (it avoids XSS).
const VALID_CONTENT_TYPE_CHARS = /^[a-zA-Z0-9\-/;,+_ ]*$/;

/**
 * mlflow-contract.md §0: POST/PUT must send `Content-Type: application/json`, else 400
 * INVALID_PARAMETER_VALUE; other methods are not checked.
 */
export function checkJsonContentType(req: RequestInfo): void {
  if (req.method !== "POST" && req.method !== "PUT") return;
  const header = req.headers["content-type"];
  const contentType = header === undefined ? undefined : header.split(";")[0];
  if (contentType === "application/json") return;
  let message = "Bad Request. Content-Type must be one of [application/json].";
  if (contentType !== undefined && VALID_CONTENT_TYPE_CHARS.test(contentType)) {
    message += ` Got '${contentType}'.`;
  }
  throw new MlflowError("INVALID_PARAMETER_VALUE", message);
}

/**
 * The request's parameters. mlflow-contract.md §0: GET parameters come from the query string
 * (a repeated field may repeat the key; otherwise the first value wins); everything else —
 * and a GET without a query string — from a JSON body. A body that is not JSON counts as `{}`
 * (Flask's `get_json(silent=True)`); a double-encoded JSON string is decoded twice.
 */
export function requestFields(req: RequestInfo, repeated: readonly string[] = []): Fields {
  if (req.method === "GET" && [...req.query.keys()].length > 0) {
    const fields: Record<string, unknown> = {};
    for (const key of new Set(req.query.keys())) {
      fields[key] = repeated.includes(key) ? req.query.getAll(key) : req.query.get(key);
    }
    return fields;
  }
  checkJsonContentType(req);
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(req.body.toString("utf8"));
    if (typeof parsed === "string") parsed = JSON.parse(parsed);
  } catch {
    parsed = undefined;
  }
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Fields)
    : {};
}

function pythonTypeName(value: unknown): string {
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (Array.isArray(value)) return "list";
  if (value === null) return "NoneType";
  return "dict";
}

/** Python's `json.dumps(value, sort_keys=True, separators=(",", ":"))`. */
function pythonJsonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${pythonJsonDumps(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

// mlflow-contract.md §0 (`version` and every other string field must be a JSON string): a
// value of another type fails proto parsing, then the schema's type check.
function invalidType(name: string, value: unknown): MlflowError {
  return new MlflowError(
    "INVALID_PARAMETER_VALUE",
    `Invalid value ${pythonJsonDumps(value)} for parameter '${name}' supplied:  Hint: Value was of type '${pythonTypeName(value)}'. See the API docs for more information about request parameters.`,
  );
}

/** A required string parameter; mlflow-contract.md §4: absent or empty → 400 missing value. */
export function requiredString(fields: Fields, name: string): string {
  const value = fields[name];
  if (value === undefined || value === null || value === "") throw errors.missingParameter(name);
  if (typeof value !== "string") throw invalidType(name, value);
  return value;
}

export function optionalString(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidType(name, value);
  return value;
}

export function optionalInteger(fields: Fields, name: string): number | undefined {
  const value = fields[name];
  if (value === undefined || value === null || value === "") return undefined;
  const parsed = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(parsed)) throw invalidType(name, value);
  return parsed;
}

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

/** A repeated `{key, value}` field such as `tags`. */
export function optionalTags(fields: Fields, name: string): KeyValue[] {
  const value = fields[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidType(name, value);
  return value.map((entry: unknown) => {
    const tag = (typeof entry === "object" && entry !== null ? entry : {}) as Record<
      string,
      unknown
    >;
    if (typeof tag.key !== "string" || tag.key === "") throw errors.missingParameter(`${name}.key`);
    return { key: tag.key, value: typeof tag.value === "string" ? tag.value : "" };
  });
}

/** A repeated string field (`stages`): a list in JSON, repeated keys in a query string. */
export function optionalStringList(fields: Fields, name: string): string[] {
  const value = fields[name];
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [value];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw invalidType(name, value);
  }
  return value as string[];
}
