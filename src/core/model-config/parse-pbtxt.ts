// Reading config.pbtxt back: a protobuf text-format parser into a generic tree, and the mapping of
// that tree onto TritonModelConfig. The core needs it to learn what is committed (the rollback
// reloads the committed version with the committed config, which may differ from the stack's
// current one), and tests use it to prove that what renderConfigPbtxt writes parses.
//
// The parser covers the text format Triton's configs use: `#` comments, `field: value`,
// `field { … }`, `field: { … }`, `field < … >`, lists `field: [a, b]` and `field [ {…}, {…} ]`,
// repeated fields written several times, optional `,`/`;` separators, quoted strings with C
// escapes (adjacent literals concatenate), identifiers (enums, true/false) and numbers.
import { isTritonDataType } from "./data-types";
import { ModelConfigError } from "./errors";
import type {
  TritonDynamicBatching,
  TritonInstanceGroup,
  TritonModelConfig,
  TritonTensorConfig,
  TritonVersionPolicy,
} from "./types";

export type PbtxtValue =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "identifier"; readonly value: string }
  | { readonly kind: "number"; readonly value: number; readonly text: string }
  | { readonly kind: "message"; readonly message: PbtxtMessage };

/** A message's fields in file order; a repeated field appears once per value. */
export interface PbtxtMessage {
  readonly fields: readonly { readonly name: string; readonly value: PbtxtValue }[];
}

type Token =
  | { kind: "punct"; text: string; at: number }
  | { kind: "identifier"; text: string; at: number }
  | { kind: "number"; text: string; at: number }
  | { kind: "string"; value: string; at: number };

/** Parses protobuf text format; `source` names the text in error messages. */
export function parsePbtxt(text: string, source = "config.pbtxt"): PbtxtMessage {
  const tokens = tokenize(text, source);
  let pos = 0;
  const where = (at: number) => {
    const before = text.slice(0, at);
    const line = before.split("\n").length;
    const column = at - before.lastIndexOf("\n");
    return `${source}:${line}:${column}`;
  };
  const fail = (at: number, message: string): never => {
    throw new ModelConfigError(`${where(at)}: ${message}`);
  };
  const peek = () => tokens[pos];
  const isPunct = (t: Token | undefined, p: string) => t?.kind === "punct" && t.text === p;
  const take = (p: string) => {
    if (isPunct(peek(), p)) {
      pos++;
      return true;
    }
    return false;
  };
  const expect = (p: string) => {
    if (!take(p)) fail(peek()?.at ?? text.length, `expected '${p}'`);
  };

  const parseMessage = (close: string | undefined): PbtxtMessage => {
    const fields: { name: string; value: PbtxtValue }[] = [];
    for (;;) {
      const token = peek();
      if (token === undefined) {
        if (close !== undefined) fail(text.length, `expected '${close}' before the end`);
        return { fields };
      }
      if (close !== undefined && take(close)) return { fields };
      if (token.kind !== "identifier") {
        return fail(token.at, "expected a field name");
      }
      pos++;
      const colon = take(":");
      if (isPunct(peek(), "[")) {
        pos++;
        if (!take("]")) {
          do {
            fields.push({ name: token.text, value: parseValue(colon) });
          } while (take(","));
          expect("]");
        }
      } else {
        fields.push({ name: token.text, value: parseValue(colon) });
      }
      if (!take(",")) take(";");
    }
  };

  const parseValue = (afterColon: boolean): PbtxtValue => {
    const token = peek() ?? fail(text.length, "expected a value before the end");
    if (token.kind === "punct" && (token.text === "{" || token.text === "<")) {
      pos++;
      return { kind: "message", message: parseMessage(token.text === "{" ? "}" : ">") };
    }
    if (!afterColon) return fail(token.at, "expected ':' or '{'");
    pos++;
    if (token.kind === "string") {
      let value = token.value;
      for (let next = peek(); next?.kind === "string"; next = peek()) {
        value += next.value;
        pos++;
      }
      return { kind: "string", value };
    }
    if (token.kind === "number") {
      return { kind: "number", value: Number(token.text.replace(/[fF]$/, "")), text: token.text };
    }
    if (token.kind === "identifier") return { kind: "identifier", value: token.text };
    return fail(token.at, `unexpected '${token.text}'`);
  };

  return parseMessage(undefined);
}

function tokenize(text: string, source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string): never => {
    throw new ModelConfigError(`${source}: ${message} at offset ${i}`);
  };
  while (i < text.length) {
    const ch = text.charAt(i);
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "#") {
      while (i < text.length && text.charAt(i) !== "\n") i++;
    } else if ("{}[]<>:,;".includes(ch)) {
      tokens.push({ kind: "punct", text: ch, at: i });
      i++;
    } else if (ch === '"' || ch === "'") {
      const at = i;
      const { value, end } = readString(text, i, fail);
      tokens.push({ kind: "string", value, at });
      i = end;
    } else {
      const match =
        /^(-?(?:0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF]?)|-?[A-Za-z_][A-Za-z0-9_.]*)/.exec(
          text.slice(i),
        );
      if (!match) return fail(`unexpected character ${JSON.stringify(ch)}`);
      const word = match[0];
      const isNumber = /^-?[0-9.]/.test(word);
      tokens.push({ kind: isNumber ? "number" : "identifier", text: word, at: i });
      i += word.length;
    }
  }
  return tokens;
}

function readString(
  text: string,
  start: number,
  fail: (message: string) => never,
): { value: string; end: number } {
  const quoteChar = text.charAt(start);
  const bytes: number[] = [];
  const pushText = (s: string) => bytes.push(...new TextEncoder().encode(s));
  let i = start + 1;
  for (;;) {
    if (i >= text.length || text.charAt(i) === "\n") return fail("unterminated string");
    const ch = text.charAt(i);
    if (ch === quoteChar) break;
    if (ch !== "\\") {
      const cp = text.codePointAt(i) ?? 0;
      pushText(String.fromCodePoint(cp));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const esc = text.charAt(i + 1);
    const simple: Record<string, number> = {
      n: 10,
      t: 9,
      r: 13,
      a: 7,
      b: 8,
      f: 12,
      v: 11,
      "\\": 92,
      "'": 39,
      '"': 34,
      "?": 63,
    };
    if (esc in simple) {
      bytes.push(simple[esc] ?? 0);
      i += 2;
    } else if (/[0-7]/.test(esc)) {
      const octal = /^[0-7]{1,3}/.exec(text.slice(i + 1))?.[0] ?? "0";
      bytes.push(parseInt(octal, 8) & 0xff);
      i += 1 + octal.length;
    } else if (esc === "x" || esc === "X") {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 2))?.[0];
      if (hex === undefined) return fail("\\x escape without hex digits");
      bytes.push(parseInt(hex, 16));
      i += 2 + hex.length;
    } else {
      return fail(`unknown escape \\${esc}`);
    }
  }
  return { value: new TextDecoder().decode(Uint8Array.from(bytes)), end: i + 1 };
}

// --- the tree as a TritonModelConfig -------------------------------------------------------------

/**
 * Parses a config.pbtxt into a TritonModelConfig. Strict: a field this platform does not write is
 * an error naming it, so that a hand-edited config is never silently narrowed when it is reloaded.
 * `backend: "onnxruntime"` is accepted in place of `platform: "onnxruntime_onnx"`.
 */
export function parseConfigPbtxt(text: string, source = "config.pbtxt"): TritonModelConfig {
  const root = read(parsePbtxt(text, source), source, [
    "name",
    "platform",
    "backend",
    "max_batch_size",
    "version_policy",
    "input",
    "output",
    "instance_group",
    "dynamic_batching",
  ]);
  const platform = root.optionalString("platform");
  const backend = root.optionalString("backend");
  if (
    (platform !== undefined && platform !== "onnxruntime_onnx") ||
    (backend !== undefined && backend !== "onnxruntime") ||
    (platform === undefined && backend === undefined)
  ) {
    throw new ModelConfigError(
      `${source}: platform is ${JSON.stringify(platform ?? backend ?? "(none)")}, expected "onnxruntime_onnx" (or backend "onnxruntime")`,
    );
  }
  const dynamicBatching = root.optionalMessage("dynamic_batching");
  const config: TritonModelConfig = {
    name: root.string("name"),
    platform: "onnxruntime_onnx",
    max_batch_size: root.optionalInteger("max_batch_size") ?? 0,
    version_policy: versionPolicy(root.optionalMessage("version_policy"), source),
    input: root.messages("input").map((m) => tensor(read(m, `${source} input`, TENSOR_FIELDS))),
    output: root.messages("output").map((m) => tensor(read(m, `${source} output`, TENSOR_FIELDS))),
    instance_group: root.messages("instance_group").map((m) => instanceGroup(m, source)),
  };
  return dynamicBatching === undefined
    ? config
    : { ...config, dynamic_batching: batching(dynamicBatching, source) };
}

const TENSOR_FIELDS = ["name", "data_type", "dims", "reshape"];

function tensor(m: Reader): TritonTensorConfig {
  const name = m.string("name");
  const dataType = m.identifier("data_type");
  if (!isTritonDataType(dataType)) {
    throw new ModelConfigError(`${m.where}: data_type ${dataType} of '${name}' is not a TYPE_*`);
  }
  const reshape = m.optionalMessage("reshape");
  const base = { name, data_type: dataType, dims: m.integers("dims") };
  if (reshape === undefined) return base;
  return {
    ...base,
    reshape: { shape: read(reshape, `${m.where} reshape`, ["shape"]).integers("shape") },
  };
}

function instanceGroup(message: PbtxtMessage, source: string): TritonInstanceGroup {
  const m = read(message, `${source} instance_group`, ["kind", "count"]);
  const kind = m.optionalIdentifier("kind") ?? "KIND_GPU";
  if (kind !== "KIND_CPU" && kind !== "KIND_GPU") {
    throw new ModelConfigError(`${m.where}: kind ${kind}, expected KIND_CPU or KIND_GPU`);
  }
  return { kind, count: m.optionalInteger("count") ?? 1 };
}

function batching(message: PbtxtMessage, source: string): TritonDynamicBatching {
  const m = read(message, `${source} dynamic_batching`, [
    "preferred_batch_size",
    "max_queue_delay_microseconds",
  ]);
  return {
    preferred_batch_size: m.integers("preferred_batch_size"),
    max_queue_delay_microseconds: m.optionalInteger("max_queue_delay_microseconds") ?? 0,
  };
}

// Triton's default when no policy is written is latest { num_versions: 1 } (triton-contract.md §2.3).
function versionPolicy(message: PbtxtMessage | undefined, source: string): TritonVersionPolicy {
  if (message === undefined) return { latest: { num_versions: 1 } };
  const m = read(message, `${source} version_policy`, ["latest", "all", "specific"]);
  const specific = m.optionalMessage("specific");
  const latest = m.optionalMessage("latest");
  const all = m.optionalMessage("all");
  if ([specific, latest, all].filter((p) => p !== undefined).length !== 1) {
    throw new ModelConfigError(`${m.where}: expected exactly one of latest, all, specific`);
  }
  if (specific) {
    return {
      specific: {
        versions: read(specific, `${m.where} specific`, ["versions"]).integers("versions"),
      },
    };
  }
  if (latest) {
    const n = read(latest, `${m.where} latest`, ["num_versions"]).optionalInteger("num_versions");
    return { latest: { num_versions: n ?? 0 } };
  }
  read(all ?? { fields: [] }, `${m.where} all`, []);
  return { all: {} };
}

interface Reader {
  readonly where: string;
  string(name: string): string;
  optionalString(name: string): string | undefined;
  identifier(name: string): string;
  optionalIdentifier(name: string): string | undefined;
  optionalInteger(name: string): number | undefined;
  integers(name: string): number[];
  messages(name: string): PbtxtMessage[];
  optionalMessage(name: string): PbtxtMessage | undefined;
}

// Typed access to one message's fields, refusing fields not in `known` and repeated singulars.
function read(message: PbtxtMessage, where: string, known: readonly string[]): Reader {
  for (const f of message.fields) {
    if (!known.includes(f.name)) {
      throw new ModelConfigError(
        `${where}: field '${f.name}' is not one this platform reads (expected one of: ${known.join(", ") || "none"})`,
      );
    }
  }
  const values = (name: string) =>
    message.fields.filter((f) => f.name === name).map((f) => f.value);
  const single = (name: string): PbtxtValue | undefined => {
    const all = values(name);
    if (all.length > 1) {
      throw new ModelConfigError(`${where}: field '${name}' is set ${all.length} times`);
    }
    return all[0];
  };
  const wrongKind = (name: string, expected: string, got: PbtxtValue): never => {
    const shown = got.kind === "message" ? "a message" : JSON.stringify(got.value);
    throw new ModelConfigError(`${where}: field '${name}' is ${shown}, expected ${expected}`);
  };
  const asInteger = (name: string, v: PbtxtValue): number => {
    if (v.kind !== "number" || !Number.isSafeInteger(v.value)) {
      return wrongKind(name, "an integer", v);
    }
    return v.value;
  };
  const reader: Reader = {
    where,
    optionalString(name) {
      const v = single(name);
      if (v === undefined) return undefined;
      return v.kind === "string" ? v.value : wrongKind(name, "a quoted string", v);
    },
    string(name) {
      return reader.optionalString(name) ?? missing(where, name);
    },
    optionalIdentifier(name) {
      const v = single(name);
      if (v === undefined) return undefined;
      return v.kind === "identifier" ? v.value : wrongKind(name, "an enum value", v);
    },
    identifier(name) {
      return reader.optionalIdentifier(name) ?? missing(where, name);
    },
    optionalInteger(name) {
      const v = single(name);
      return v === undefined ? undefined : asInteger(name, v);
    },
    integers(name) {
      return values(name).map((v) => asInteger(name, v));
    },
    messages(name) {
      return values(name).map((v) =>
        v.kind === "message" ? v.message : wrongKind(name, "a message", v),
      );
    },
    optionalMessage(name) {
      const v = single(name);
      if (v === undefined) return undefined;
      return v.kind === "message" ? v.message : wrongKind(name, "a message", v);
    },
  };
  return reader;
}

function missing(where: string, name: string): never {
  throw new ModelConfigError(`${where}: field '${name}' is required`);
}
