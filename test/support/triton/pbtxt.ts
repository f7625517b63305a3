// A small parser for protobuf text format, the syntax of Triton's config.pbtxt
// (triton-contract.md §3: config.pbtxt strictness; §8.5/§8.9 depend on reading configs exactly).
// It covers what model configs use: scalars (numbers, identifiers such as enum values and
// true/false, quoted strings with C escapes and adjacent-literal concatenation), nested messages
// written `name { … }` or `name: { … }` or `name < … >`, repeated fields written as repeated
// blocks or as `name: [a, b]` / `name [ {…}, {…} ]`, optional `,`/`;` separators and `#` comments.
// The result is a syntax tree; model-config-proto.ts checks it against the ModelConfig schema.

export interface PbtxtScalar {
  readonly kind: "identifier" | "number" | "string";
  /** Source text for identifiers and numbers (numbers keep a leading '-'); decoded text for strings. */
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

export interface PbtxtMessage {
  readonly kind: "message";
  readonly fields: PbtxtField[];
  readonly line: number;
  readonly col: number;
}

export interface PbtxtField {
  readonly name: string;
  readonly value: PbtxtScalar | PbtxtMessage;
  /** True when the value came from a `[ … ]` list (only legal for repeated fields). */
  readonly fromList: boolean;
  readonly line: number;
  readonly col: number;
}

export class PbtxtSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
    detail: string,
  ) {
    // Same "line:col: detail" shape as protobuf's TextFormat parser errors.
    super(`${line}:${col}: ${detail}`);
    this.name = "PbtxtSyntaxError";
  }
}

type TokenKind = "identifier" | "number" | "string" | "symbol" | "eof";
interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  col: number;
}

const SYMBOLS = new Set(["{", "}", "[", "]", "<", ">", ":", ",", ";", "-", "/", "."]);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const at = (): { line: number; col: number } => ({ line, col: i - lineStart + 1 });
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === "\n") {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "#") {
      while (i < source.length && source[i] !== "\n") i++;
      continue;
    }
    const pos = at();
    if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < source.length && /[A-Za-z0-9_]/.test(source[j]!)) j++;
      tokens.push({ kind: "identifier", text: source.slice(i, j), ...pos });
      i = j;
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === "." && /[0-9]/.test(source[i + 1] ?? ""))) {
      const m = /^(0[xX][0-9A-Fa-f]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fF]?)/.exec(source.slice(i));
      const text = m![0];
      if (/[A-Za-z_]/.test(source[i + text.length] ?? "")) {
        throw new PbtxtSyntaxError(
          pos.line,
          pos.col,
          `Invalid number "${source.slice(i, i + text.length + 1)}".`,
        );
      }
      tokens.push({ kind: "number", text, ...pos });
      i += text.length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const { value, end } = readString(source, i, pos);
      tokens.push({ kind: "string", text: value, ...pos });
      i = end;
      continue;
    }
    if (SYMBOLS.has(ch)) {
      tokens.push({ kind: "symbol", text: ch, ...pos });
      i++;
      continue;
    }
    throw new PbtxtSyntaxError(pos.line, pos.col, `Unexpected character '${ch}'.`);
  }
  tokens.push({ kind: "eof", text: "", line, col: i - lineStart + 1 });
  return tokens;
}

const SIMPLE_ESCAPES: Record<string, number> = {
  n: 0x0a,
  t: 0x09,
  r: 0x0d,
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  v: 0x0b,
  "\\": 0x5c,
  "'": 0x27,
  '"': 0x22,
  "?": 0x3f,
};

/** Reads a quoted string with C escapes; the bytes are decoded as UTF-8, as protobuf does. */
function readString(
  source: string,
  start: number,
  pos: { line: number; col: number },
): { value: string; end: number } {
  const quote = source[start]!;
  const bytes: number[] = [];
  let i = start + 1;
  for (;;) {
    if (i >= source.length || source[i] === "\n") {
      throw new PbtxtSyntaxError(
        pos.line,
        pos.col,
        "String literals cannot cross line boundaries.",
      );
    }
    const ch = source[i]!;
    if (ch === quote) return { value: Buffer.from(bytes).toString("utf8"), end: i + 1 };
    if (ch !== "\\") {
      bytes.push(...Buffer.from(ch, "utf8"));
      i++;
      continue;
    }
    const esc = source[i + 1] ?? "";
    if (esc in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[esc]!);
      i += 2;
    } else if (/[0-7]/.test(esc)) {
      const m = /^[0-7]{1,3}/.exec(source.slice(i + 1))![0];
      bytes.push(parseInt(m, 8) & 0xff);
      i += 1 + m.length;
    } else if (esc === "x" || esc === "X") {
      const m = /^[0-9A-Fa-f]{1,2}/.exec(source.slice(i + 2));
      if (!m) {
        throw new PbtxtSyntaxError(pos.line, pos.col, "Expected hex digits for escape sequence.");
      }
      bytes.push(parseInt(m[0], 16));
      i += 2 + m[0].length;
    } else if (esc === "u" || esc === "U") {
      const len = esc === "u" ? 4 : 8;
      const hex = source.slice(i + 2, i + 2 + len);
      if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) {
        throw new PbtxtSyntaxError(pos.line, pos.col, "Expected hex digits for escape sequence.");
      }
      bytes.push(...Buffer.from(String.fromCodePoint(parseInt(hex, 16)), "utf8"));
      i += 2 + len;
    } else {
      throw new PbtxtSyntaxError(pos.line, pos.col, `Invalid escape sequence in string literal.`);
    }
  }
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isSymbol(text: string): boolean {
    const t = this.peek();
    return t.kind === "symbol" && t.text === text;
  }
  private expectSymbol(text: string): Token {
    const t = this.next();
    if (t.kind !== "symbol" || t.text !== text) {
      throw new PbtxtSyntaxError(t.line, t.col, `Expected "${text}", found "${t.text}".`);
    }
    return t;
  }

  parseDocument(): PbtxtMessage {
    const fields = this.parseFields(undefined);
    return { kind: "message", fields, line: 1, col: 1 };
  }

  /** Fields until `close` (or end of input at top level). */
  private parseFields(close: string | undefined): PbtxtField[] {
    const fields: PbtxtField[] = [];
    for (;;) {
      const t = this.peek();
      if (close === undefined && t.kind === "eof") return fields;
      if (close !== undefined && t.kind === "symbol" && t.text === close) return fields;
      if (t.kind === "eof") {
        throw new PbtxtSyntaxError(t.line, t.col, `Expected "${close}".`);
      }
      fields.push(...this.parseField());
      if (this.isSymbol(",") || this.isSymbol(";")) this.next();
    }
  }

  private parseField(): PbtxtField[] {
    const nameTok = this.next();
    if (nameTok.kind === "symbol" && nameTok.text === "[") {
      throw new PbtxtSyntaxError(
        nameTok.line,
        nameTok.col,
        "Extensions and Any are not supported.",
      );
    }
    if (nameTok.kind !== "identifier") {
      throw new PbtxtSyntaxError(
        nameTok.line,
        nameTok.col,
        `Expected identifier, got: ${nameTok.text || "end of input"}`,
      );
    }
    const base = { name: nameTok.text, line: nameTok.line, col: nameTok.col };
    const hasColon = this.isSymbol(":");
    if (hasColon) this.next();
    if (this.isSymbol("{") || this.isSymbol("<")) {
      return [{ ...base, value: this.parseMessage(), fromList: false }];
    }
    if (this.isSymbol("[")) {
      this.next();
      const values: PbtxtField[] = [];
      while (!this.isSymbol("]")) {
        const value: PbtxtScalar | PbtxtMessage =
          this.isSymbol("{") || this.isSymbol("<") ? this.parseMessage() : this.parseScalar();
        values.push({ ...base, value, fromList: true });
        if (this.isSymbol(",")) this.next();
        else if (!this.isSymbol("]")) {
          const t = this.peek();
          throw new PbtxtSyntaxError(t.line, t.col, `Expected "]", found "${t.text}".`);
        }
      }
      this.next();
      return values;
    }
    if (!hasColon) {
      const t = this.peek();
      throw new PbtxtSyntaxError(t.line, t.col, `Expected ":", found "${t.text}".`);
    }
    return [{ ...base, value: this.parseScalar(), fromList: false }];
  }

  private parseMessage(): PbtxtMessage {
    const open = this.next();
    const close = open.text === "{" ? "}" : ">";
    const fields = this.parseFields(close);
    this.expectSymbol(close);
    return { kind: "message", fields, line: open.line, col: open.col };
  }

  private parseScalar(): PbtxtScalar {
    const t = this.next();
    if (t.kind === "symbol" && t.text === "-") {
      const n = this.next();
      if (
        n.kind === "number" ||
        (n.kind === "identifier" && /^(inf|infinity|nan)$/i.test(n.text))
      ) {
        return { kind: n.kind, text: `-${n.text}`, line: t.line, col: t.col };
      }
      throw new PbtxtSyntaxError(n.line, n.col, `Expected number, found "${n.text}".`);
    }
    if (t.kind === "string") {
      // Adjacent string literals concatenate, as in C.
      let text = t.text;
      while (this.peek().kind === "string") text += this.next().text;
      return { kind: "string", text, line: t.line, col: t.col };
    }
    if (t.kind === "identifier" || t.kind === "number") {
      return { kind: t.kind, text: t.text, line: t.line, col: t.col };
    }
    throw new PbtxtSyntaxError(
      t.line,
      t.col,
      `Expected a value, found "${t.text || "end of input"}".`,
    );
  }
}

/** Parses protobuf text format into a syntax tree; throws PbtxtSyntaxError with line:col. */
export function parsePbtxt(source: string): PbtxtMessage {
  return new Parser(tokenize(source)).parseDocument();
}
