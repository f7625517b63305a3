// A JSON parser that fails the way Triton's TritonJson (rapidjson) does, so that a malformed body
// gets `failed to parse the request JSON buffer: <rapidjson message> at <byte offset>`
// (triton-contract.md §0 "JSON parse failure", INTERNAL → 500). rapidjson is run with
// kParseNanAndInfFlag, so NaN and Infinity are accepted.
import { TritonError } from "./errors";

class RapidJsonError extends Error {
  constructor(
    readonly detail: string,
    readonly offset: number,
  ) {
    super(detail);
  }
}

class Reader {
  private i = 0;
  // latin1 makes string indices equal byte offsets; strings are re-decoded as UTF-8.
  private readonly s: string;
  constructor(private readonly bytes: Buffer) {
    this.s = bytes.toString("latin1");
  }

  parseDocument(): unknown {
    this.ws();
    if (this.i >= this.s.length) throw new RapidJsonError("The document is empty.", this.i);
    const v = this.value();
    this.ws();
    if (this.i < this.s.length) {
      throw new RapidJsonError("The document root must not be followed by other values.", this.i);
    }
    return v;
  }

  private ws(): void {
    while (this.i < this.s.length && " \t\n\r".includes(this.s[this.i]!)) this.i++;
  }

  private value(): unknown {
    const c = this.s[this.i];
    switch (c) {
      case "{":
        return this.object();
      case "[":
        return this.array();
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      case "N":
        return this.literal("NaN", NaN);
      case "I":
        return this.literal("Infinity", Infinity);
      default:
        return this.number();
    }
  }

  private literal<T>(text: string, value: T): T {
    if (this.s.startsWith(text, this.i)) {
      this.i += text.length;
      return value;
    }
    throw new RapidJsonError("Invalid value.", this.i);
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.i++;
    this.ws();
    if (this.s[this.i] === "}") {
      this.i++;
      return out;
    }
    for (;;) {
      if (this.s[this.i] !== '"') {
        throw new RapidJsonError("Missing a name for object member.", this.i);
      }
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ":") {
        throw new RapidJsonError("Missing a colon after a name of object member.", this.i);
      }
      this.i++;
      this.ws();
      out[key] = this.value();
      this.ws();
      if (this.s[this.i] === ",") {
        this.i++;
        this.ws();
        continue;
      }
      if (this.s[this.i] === "}") {
        this.i++;
        return out;
      }
      throw new RapidJsonError("Missing a comma or '}' after an object member.", this.i);
    }
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.i++;
    this.ws();
    if (this.s[this.i] === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      if (this.s[this.i] === ",") {
        this.i++;
        this.ws();
        continue;
      }
      if (this.s[this.i] === "]") {
        this.i++;
        return out;
      }
      throw new RapidJsonError("Missing a comma or ']' after an array element.", this.i);
    }
  }

  private string(): string {
    const start = this.i;
    this.i++;
    const bytes: number[] = [];
    for (;;) {
      if (this.i >= this.s.length) {
        throw new RapidJsonError("Missing a closing quotation mark in string.", start);
      }
      const code = this.s.charCodeAt(this.i);
      if (code === 0x22) {
        this.i++;
        return Buffer.from(bytes).toString("utf8");
      }
      if (code < 0x20) throw new RapidJsonError("Invalid encoding in string.", this.i);
      if (code !== 0x5c) {
        bytes.push(code);
        this.i++;
        continue;
      }
      const escStart = this.i;
      const e = this.s[this.i + 1];
      const simple: Record<string, number> = {
        '"': 0x22,
        "\\": 0x5c,
        "/": 0x2f,
        b: 0x08,
        f: 0x0c,
        n: 0x0a,
        r: 0x0d,
        t: 0x09,
      };
      if (e !== undefined && e in simple) {
        bytes.push(simple[e]!);
        this.i += 2;
        continue;
      }
      if (e !== "u") throw new RapidJsonError("Invalid escape character in string.", escStart);
      let cp = this.hex4(this.i + 2);
      this.i += 6;
      if (cp >= 0xd800 && cp <= 0xdbff) {
        if (this.s[this.i] !== "\\" || this.s[this.i + 1] !== "u") {
          throw new RapidJsonError("The surrogate pair in string is invalid.", escStart);
        }
        const lo = this.hex4(this.i + 2);
        if (lo < 0xdc00 || lo > 0xdfff) {
          throw new RapidJsonError("The surrogate pair in string is invalid.", escStart);
        }
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        this.i += 6;
      }
      bytes.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
    }
  }

  private hex4(at: number): number {
    const h = this.s.slice(at, at + 4);
    if (!/^[0-9A-Fa-f]{4}$/.test(h)) {
      throw new RapidJsonError("Incorrect hex digit after \\u escape in string.", at);
    }
    return parseInt(h, 16);
  }

  private number(): number {
    const start = this.i;
    if (this.s[this.i] === "-") {
      this.i++;
      if (this.s.startsWith("Infinity", this.i)) {
        this.i += 8;
        return -Infinity;
      }
    }
    const digit = (): boolean => /[0-9]/.test(this.s[this.i] ?? "");
    if (this.s[this.i] === "0") this.i++;
    else if (digit()) while (digit()) this.i++;
    else throw new RapidJsonError("Invalid value.", start);
    if (this.s[this.i] === ".") {
      this.i++;
      if (!digit()) throw new RapidJsonError("Miss fraction part in number.", this.i);
      while (digit()) this.i++;
    }
    if (this.s[this.i] === "e" || this.s[this.i] === "E") {
      this.i++;
      if (this.s[this.i] === "+" || this.s[this.i] === "-") this.i++;
      if (!digit()) throw new RapidJsonError("Miss exponent in number.", this.i);
      while (digit()) this.i++;
    }
    const n = Number(this.s.slice(start, this.i));
    if (!Number.isFinite(n)) {
      throw new RapidJsonError("Number too big to be stored in double.", start);
    }
    return n;
  }
}

/**
 * Parses a request body like TritonJson::Parse. Throws TritonError INTERNAL with
 * `failed to parse the request JSON buffer: <msg> at <offset>`.
 */
export function parseRequestJson(body: Buffer): unknown {
  try {
    return new Reader(body).parseDocument();
  } catch (e) {
    if (e instanceof RapidJsonError) {
      throw new TritonError(
        "INTERNAL",
        `failed to parse the request JSON buffer: ${e.detail} at ${e.offset}`,
      );
    }
    throw e;
  }
}
