import { CheckpointError } from "./errors.js";

/** A JSON value as read by {@link parseLenientJson}: integers beyond 2^53 come back as `bigint`. */
export type LenientJson =
  | null
  | boolean
  | number
  | bigint
  | string
  | LenientJson[]
  | { [key: string]: LenientJson };

/** Options of {@link parseLenientJson}. */
export interface LenientJsonOptions {
  /** Reject objects with a repeated key (safetensors headers). Default false (last wins, like Python). */
  rejectDuplicateKeys?: boolean;
  /** Maximum nesting depth. Default 512. */
  maxDepth?: number;
  /** Where the text came from, used in error messages. */
  source?: string;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

const HEX = (h: number): number =>
  h >= 0x30 && h <= 0x39
    ? h - 0x30
    : h >= 0x61 && h <= 0x66
      ? h - 0x57
      : h >= 0x41 && h <= 0x46
        ? h - 0x37
        : -1;

/** Single-character escapes of JSON strings. */
const ESCAPES: ReadonlyMap<string | undefined, string> = new Map([
  ['"', '"'],
  ["\\", "\\"],
  ["/", "/"],
  ["b", "\b"],
  ["f", "\f"],
  ["n", "\n"],
  ["r", "\r"],
  ["t", "\t"],
]);

/** Recursive-descent reader behind {@link parseLenientJson} (one instance per text). */
class LenientJsonReader {
  i = 0;
  readonly n: number;

  constructor(
    readonly text: string,
    readonly maxDepth: number,
    readonly source: string,
    readonly dup: boolean,
  ) {
    this.n = text.length;
  }

  fail(what: string): never {
    throw new CheckpointError({
      code: "JSON_INVALID",
      message: `${this.source}: ${what} at offset ${this.i}`,
      details: { offset: this.i, source: this.source },
    });
  }

  skipWs(): void {
    while (this.i < this.n && WS.has(this.text.charCodeAt(this.i))) this.i++;
  }

  word(w: string): boolean {
    if (!this.text.startsWith(w, this.i)) return false;
    this.i += w.length;
    return true;
  }

  digits(): number {
    const start = this.i;
    const { text, n } = this;
    while (this.i < n && text.charCodeAt(this.i) >= 0x30 && text.charCodeAt(this.i) <= 0x39) this.i++;
    return this.i - start;
  }

  /** The escape at `text[i]` (after the backslash); leaves `i` on its last character. */
  escape(): string {
    const e = this.text[this.i];
    const simple = ESCAPES.get(e);
    if (simple !== undefined) return simple;
    if (e !== "u") this.fail("bad escape");
    let code = 0;
    for (let k = 1; k <= 4; k++) {
      const v = HEX(this.text.charCodeAt(this.i + k));
      if (v < 0) this.fail("bad \\u escape");
      code = code * 16 + v;
    }
    this.i += 4;
    return String.fromCharCode(code);
  }

  string(): string {
    // text[i] === '"'
    const { text, n } = this;
    this.i++;
    let out = "";
    let start = this.i;
    while (this.i < n) {
      const c = text.charCodeAt(this.i);
      if (c === 0x22) {
        out += text.slice(start, this.i);
        this.i++;
        return out;
      }
      if (c === 0x5c) {
        out += text.slice(start, this.i);
        this.i++;
        out += this.escape();
        this.i++;
        start = this.i;
        continue;
      }
      if (c < 0x20) this.fail("control character in string");
      this.i++;
    }
    return this.fail("unterminated string");
  }

  number(): number | bigint {
    const { text } = this;
    const start = this.i;
    if (text[this.i] === "-") {
      this.i++;
      if (this.word("Infinity")) return Number.NEGATIVE_INFINITY;
    }
    const intStart = this.i;
    const intDigits = this.digits();
    if (intDigits === 0) this.fail("expected a digit");
    if (intDigits > 1 && text[intStart] === "0") this.fail("leading zero in number");
    let isInt = true;
    if (text[this.i] === ".") {
      isInt = false;
      this.i++;
      if (this.digits() === 0) this.fail("expected a digit after '.'");
    }
    if (text[this.i] === "e" || text[this.i] === "E") {
      isInt = false;
      this.i++;
      if (text[this.i] === "+" || text[this.i] === "-") this.i++;
      if (this.digits() === 0) this.fail("expected a digit in exponent");
    }
    const raw = text.slice(start, this.i);
    const value = Number(raw);
    if (isInt && !Number.isSafeInteger(value)) return BigInt(raw);
    return value;
  }

  object(depth: number): Record<string, LenientJson> {
    const { text } = this;
    this.i++;
    const obj: Record<string, LenientJson> = {};
    const seen = this.dup ? new Set<string>() : undefined;
    this.skipWs();
    if (text[this.i] === "}") {
      this.i++;
      return obj;
    }
    for (;;) {
      this.skipWs();
      if (text[this.i] !== '"') this.fail("expected a string key");
      const key = this.string();
      if (seen) {
        if (seen.has(key)) this.fail(`duplicate key "${key}"`);
        seen.add(key);
      }
      this.skipWs();
      if (text[this.i] !== ":") this.fail("expected ':'");
      this.i++;
      const v = this.value(depth + 1);
      if (key === "__proto__")
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true });
      else obj[key] = v;
      if (this.closes("}")) return obj;
    }
  }

  /** After a member or element: `true` past the closing `close`, `false` past a comma, else an error. */
  closes(close: "}" | "]"): boolean {
    this.skipWs();
    const c = this.text[this.i];
    if (c !== "," && c !== close) this.fail(`expected ',' or '${close}'`);
    this.i++;
    return c === close;
  }

  array(depth: number): LenientJson[] {
    const { text } = this;
    this.i++;
    const arr: LenientJson[] = [];
    this.skipWs();
    if (text[this.i] === "]") {
      this.i++;
      return arr;
    }
    for (;;) {
      arr.push(this.value(depth + 1));
      if (this.closes("]")) return arr;
    }
  }

  value(depth: number): LenientJson {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    this.skipWs();
    const c = this.text[this.i];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.string();
    if (c === "t" && this.word("true")) return true;
    if (c === "f" && this.word("false")) return false;
    if (c === "n" && this.word("null")) return null;
    if (c === "N" && this.word("NaN")) return Number.NaN;
    if (c === "I" && this.word("Infinity")) return Number.POSITIVE_INFINITY;
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    return this.fail(this.i >= this.n ? "unexpected end of input" : `unexpected character '${c}'`);
  }
}

/**
 * Parses JSON as Python's `json` module writes it: bare `NaN`, `Infinity` and `-Infinity` are
 * accepted, and integers that do not fit a double exactly are returned as `bigint`.
 * Linear time, no regular expressions, bounded depth.
 */
export function parseLenientJson(text: string, options: LenientJsonOptions = {}): LenientJson {
  const r = new LenientJsonReader(
    text,
    options.maxDepth ?? 512,
    options.source ?? "JSON",
    options.rejectDuplicateKeys ?? false,
  );
  const value = r.value(0);
  r.skipWs();
  if (r.i < r.n) r.fail("unexpected trailing characters");
  return value;
}

/** JSON.stringify replacer turning `bigint` into a decimal string and non-finite numbers into strings. */
function _jsonSafeReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value;
}
