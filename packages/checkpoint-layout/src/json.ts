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

/**
 * Parses JSON as Python's `json` module writes it: bare `NaN`, `Infinity` and `-Infinity` are
 * accepted, and integers that do not fit a double exactly are returned as `bigint`.
 * Linear time, no regular expressions, bounded depth.
 */
export function parseLenientJson(text: string, options: LenientJsonOptions = {}): LenientJson {
  const maxDepth = options.maxDepth ?? 512;
  const source = options.source ?? "JSON";
  const dup = options.rejectDuplicateKeys ?? false;
  let i = 0;
  const n = text.length;

  const fail = (what: string): never => {
    throw new CheckpointError({
      code: "JSON_INVALID",
      message: `${source}: ${what} at offset ${i}`,
      details: { offset: i, source },
    });
  };
  const skipWs = () => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  const word = (w: string): boolean => {
    if (text.startsWith(w, i)) {
      i += w.length;
      return true;
    }
    return false;
  };

  const parseString = (): string => {
    // text[i] === '"'
    i++;
    let out = "";
    let start = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c === 0x5c) {
        out += text.slice(start, i);
        i++;
        const e = text[i];
        switch (e) {
          case '"':
          case "\\":
          case "/":
            out += e;
            break;
          case "b":
            out += "\b";
            break;
          case "f":
            out += "\f";
            break;
          case "n":
            out += "\n";
            break;
          case "r":
            out += "\r";
            break;
          case "t":
            out += "\t";
            break;
          case "u": {
            let code = 0;
            for (let k = 1; k <= 4; k++) {
              const h = text.charCodeAt(i + k);
              const v =
                h >= 0x30 && h <= 0x39
                  ? h - 0x30
                  : h >= 0x61 && h <= 0x66
                    ? h - 0x57
                    : h >= 0x41 && h <= 0x46
                      ? h - 0x37
                      : -1;
              if (v < 0) fail("bad \\u escape");
              code = code * 16 + v;
            }
            out += String.fromCharCode(code);
            i += 4;
            break;
          }
          default:
            fail("bad escape");
        }
        i++;
        start = i;
        continue;
      }
      if (c < 0x20) fail("control character in string");
      i++;
    }
    return fail("unterminated string");
  };

  const parseNumber = (): number | bigint => {
    const start = i;
    if (text[i] === "-") {
      i++;
      if (word("Infinity")) return Number.NEGATIVE_INFINITY;
    }
    const intStart = i;
    while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    if (i === intStart) fail("expected a digit");
    if (i - intStart > 1 && text[intStart] === "0") fail("leading zero in number");
    let isInt = true;
    if (text[i] === ".") {
      isInt = false;
      i++;
      const f = i;
      while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
      if (i === f) fail("expected a digit after '.'");
    }
    if (text[i] === "e" || text[i] === "E") {
      isInt = false;
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      const f = i;
      while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
      if (i === f) fail("expected a digit in exponent");
    }
    const raw = text.slice(start, i);
    const value = Number(raw);
    if (isInt && !Number.isSafeInteger(value)) return BigInt(raw);
    return value;
  };

  const parseValue = (depth: number): LenientJson => {
    if (depth > maxDepth) fail(`nesting deeper than ${maxDepth}`);
    skipWs();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: Record<string, LenientJson> = {};
      const seen = dup ? new Set<string>() : undefined;
      skipWs();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[i] !== '"') fail("expected a string key");
        const key = parseString();
        if (seen) {
          if (seen.has(key)) fail(`duplicate key "${key}"`);
          seen.add(key);
        }
        skipWs();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        const v = parseValue(depth + 1);
        if (key === "__proto__")
          Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true });
        else obj[key] = v;
        skipWs();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr: LenientJson[] = [];
      skipWs();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skipWs();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (c === "t" && word("true")) return true;
    if (c === "f" && word("false")) return false;
    if (c === "n" && word("null")) return null;
    if (c === "N" && word("NaN")) return Number.NaN;
    if (c === "I" && word("Infinity")) return Number.POSITIVE_INFINITY;
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return parseNumber();
    return fail(i >= n ? "unexpected end of input" : `unexpected character '${c}'`);
  };

  const value = parseValue(0);
  skipWs();
  if (i < n) fail("unexpected trailing characters");
  return value;
}

/** JSON.stringify replacer turning `bigint` into a decimal string and non-finite numbers into strings. */
export function jsonSafeReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value;
}
