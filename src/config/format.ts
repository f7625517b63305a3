// Turns zod issues into one line per problem: `<key path>: got <value>, expected <what is allowed>`.
// Schema-level messages (schema.ts, observability.ts) are the "expected" phrase; checks without one
// get a phrase built from the issue here (`expectedPhrase`, passed to zod as the per-parse error map).
import type { z } from "zod";

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

/** `models[0].inputs[1].dims` style key path. */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(stack config)" : out;
}

/** `scheme://user:password@host…` with the user info replaced, so no error line prints a password. */
function redactUrlCredentials(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/i, "$1***@");
}

/** A value as it appears in a message: JSON, shortened so one line stays readable. */
export function renderValue(value: unknown): string {
  if (value === undefined) return "nothing";
  let text: string | undefined;
  try {
    text = JSON.stringify(typeof value === "string" ? redactUrlCredentials(value) : value);
  } catch {
    text = undefined;
  }
  text ??= typeof value === "bigint" ? value.toString() : Object.prototype.toString.call(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

const ARTICLE: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "an object",
  array: "a list",
  record: "a map",
  bigint: "an integer",
};

function bound(
  iss: { minimum?: unknown; maximum?: unknown; inclusive?: boolean },
  op: "min" | "max",
) {
  const n = op === "min" ? iss.minimum : iss.maximum;
  const cmp = op === "min" ? (iss.inclusive ? ">=" : ">") : iss.inclusive ? "<=" : "<";
  return `${cmp} ${String(n)}`;
}

/** Shape keys of the object schema an `unrecognized_keys` issue came from. */
function knownKeys(inst: unknown): string[] {
  const def = (inst as { _zod?: { def?: { shape?: Record<string, unknown> } } })?._zod?.def;
  return def?.shape ? Object.keys(def.shape) : [];
}

/**
 * The per-parse zod error map: an "expected ..." phrase for checks that carry no message of their
 * own. Schema-level messages take precedence over this (zod 4 error precedence).
 */
export function expectedPhrase(iss: RawIssue): string {
  switch (iss.code) {
    case "invalid_type":
      return ARTICLE[iss.expected] ?? `a value of type ${iss.expected}`;
    case "too_small":
      if (iss.origin === "string") {
        return Number(iss.minimum) <= 1
          ? "a non-empty string"
          : `a string of at least ${String(iss.minimum)} characters`;
      }
      if (iss.origin === "array" || iss.origin === "set") {
        return `a list of at least ${String(iss.minimum)} item(s)`;
      }
      return `a number ${bound(iss, "min")}`;
    case "too_big":
      if (iss.origin === "string") return `a string of at most ${String(iss.maximum)} characters`;
      if (iss.origin === "array" || iss.origin === "set") {
        return `a list of at most ${String(iss.maximum)} item(s)`;
      }
      return `a number ${bound(iss, "max")}`;
    case "invalid_value":
      return `one of: ${iss.values.map((v) => renderValue(v)).join(", ")}`;
    case "invalid_format":
      if (iss.format === "regex" && "pattern" in iss) {
        return `a string matching ${String(iss.pattern)}`;
      }
      return iss.format === "url" ? "a URL" : `a valid ${iss.format}`;
    case "unrecognized_keys":
      return `one of the known keys: ${knownKeys(iss.inst).join(", ")}`;
    case "invalid_union":
      return "one of the allowed forms";
    case "not_multiple_of":
      return `a multiple of ${String(iss.divisor)}`;
    default:
      return "a valid value";
  }
}

function stripExpected(message: string): string {
  return message.replace(/^expected\s+/i, "");
}

/** One line per issue; an unknown key gets one line per key. */
export function formatIssues(issues: readonly Issue[]): string[] {
  const lines: string[] = [];
  for (const iss of issues) {
    if (iss.code === "unrecognized_keys") {
      for (const key of iss.keys) {
        lines.push(
          `${keyPath([...iss.path, key])}: unknown key, expected ${stripExpected(iss.message)}`,
        );
      }
      continue;
    }
    const expected = stripExpected(iss.message);
    const got = iss.input === undefined ? "missing" : `got ${renderValue(iss.input)}`;
    lines.push(`${keyPath(iss.path)}: ${got}, expected ${expected}`);
  }
  return lines;
}
