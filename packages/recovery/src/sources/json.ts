import { RecoveryError } from "../errors.js";

// JSON text with the non-finite tokens Python writes (NaN, Infinity, -Infinity).

/** Non-finite tokens Python, JSON5 and Python's csv module write. */
export const NONFINITE_TEXT: Record<string, number> = {
  NaN: Number.NaN,
  nan: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  inf: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
  "-inf": Number.NEGATIVE_INFINITY,
};
const SENTINEL = "\u0000rlops-nonfinite:";

/**
 * Parses JSON text that may contain Python's bare `NaN`, `Infinity` and `-Infinity` tokens
 * (what `json.dumps` writes by default). Linear time; throws `RecoveryError` `INVALID_RECORD` on
 * invalid JSON (the `SyntaxError` is its `cause`). `source` names the text in the message.
 */
export function parseJsonWithNonFinite(text: string, source = "JSON text"): unknown {
  try {
    return parseNonFinite(text);
  } catch (cause) {
    throw new RecoveryError({
      code: "INVALID_RECORD",
      message: `${source}: not valid JSON (${(cause as Error).message.split("\n")[0]})`,
      cause,
    });
  }
}

/** {@link parseJsonWithNonFinite}, throwing the parser's own `SyntaxError` (hot path: no wrapping). */
export function parseNonFinite(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
  }
  let out = "";
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    let token: string | null = null;
    if (c === 78 && text.startsWith("NaN", i)) token = "NaN";
    else if (c === 73 && text.startsWith("Infinity", i)) token = "Infinity";
    else if (c === 45 && text.startsWith("-Infinity", i)) token = "-Infinity";
    if (token !== null) {
      out += `${text.slice(last, i)}"\\u0000rlops-nonfinite:${token}"`;
      i += token.length - 1;
      last = i + 1;
    }
  }
  out += text.slice(last);
  return JSON.parse(out, (_key, value) =>
    typeof value === "string" && value.startsWith(SENTINEL)
      ? NONFINITE_TEXT[value.slice(SENTINEL.length)]
      : value,
  );
}
