import { scan } from "./extract/scan.js";
import type {
  ExtractOptions,
  ExtractResult,
  GridCandidate,
  RejectedCandidate,
  ScanResult,
} from "./extract/types.js";
import { finalChannelSpan } from "./harmony.js";

function hasHarmonyMarkers(text: string): boolean {
  return text.includes("<|channel|>") || text.includes("<|start|>") || text.includes("<|message|>");
}

function tail(text: string, options: ExtractOptions): { text: string; base: number } {
  const max = options.maxChars ?? 1_000_000;
  if (text.length <= max) return { text, base: 0 };
  let base = text.length - max;
  const nl = text.indexOf("\n", base);
  if (nl >= 0 && nl < text.length) base = nl + 1;
  return { text: text.slice(base), base };
}

/**
 * Every valid grid in `text`, in order of position, each with its format and span. Formats: JSON
 * nested lists (also inside code fences, `\boxed{}` and `{"grid": …}` wrappers), Python tuples,
 * space/comma-separated digits, contiguous digits, `|` separated digits, Kaggle-2020 flattened
 * pipes, row-number prefixes, spreadsheet headers and colour words. With harmony markers the final
 * channel is preferred (see {@link ExtractOptions.harmony}). Never throws.
 */
export function extractGrids(text: string, options: ExtractOptions = {}): GridCandidate[] {
  return extractAll(text, options).valid;
}

function extractAll(text: string, options: ExtractOptions): ScanResult {
  const mode = options.harmony ?? "prefer-final";
  if (mode !== "ignore" && hasHarmonyMarkers(text)) {
    const final = finalChannelSpan(text);
    if (final) {
      const result = scan(text.slice(final.start, final.end), final.start, options);
      for (const c of result.valid) c.channel = "final";
      if (result.valid.length > 0 || mode === "final-only") return result;
    } else if (mode === "final-only") return { valid: [], rejected: [], firstLines: [] };
  }
  const t = tail(text, options);
  return scan(t.text, t.base, options);
}

function enclosedAfter(text: string, from: number): boolean {
  // true if a closing bracket after `from` has no opener after `from`: the span may sit inside a list
  let square = 0;
  let paren = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91) square++;
    else if (c === 93) {
      if (--square < 0) return true;
    } else if (c === 40) paren++;
    else if (c === 41) {
      if (--paren < 0) return true;
    }
  }
  return false;
}

function pickLast(result: ScanResult): ExtractResult {
  const last = result.valid[result.valid.length - 1];
  if (last) {
    const out: ExtractResult = { ok: true, grid: last.grid, format: last.format, span: last.span };
    if (last.channel) out.channel = last.channel;
    return out;
  }
  const rejected = result.rejected[result.rejected.length - 1];
  if (rejected) return { ok: false, reason: rejected.reason, message: rejected.message, span: rejected.span };
  return { ok: false, reason: "NO_GRID", message: "no grid found in the text" };
}

/**
 * The last valid grid in `text` ("last grid wins", so an echoed input earlier in the answer is never
 * picked over the answer), or `{ok: false, reason}` with `NO_GRID`, `RAGGED_ROWS`,
 * `VALUE_OUT_OF_RANGE` or `TOO_LARGE` (the reason of the last grid-like block). Never throws.
 * Same options as {@link extractGrids}; scans the end of long texts first.
 */
export function extractGrid(text: string, options: ExtractOptions = {}): ExtractResult {
  if (typeof text !== "string") return { ok: false, reason: "NO_GRID", message: "input is not a string" };
  const mode = options.harmony ?? "prefer-final";
  if (!(mode !== "ignore" && hasHarmonyMarkers(text))) {
    // fast path: scan growing windows from the end; accept when the winner cannot be a fragment
    const max = options.maxChars ?? 1_000_000;
    const limit = Math.min(text.length, max);
    for (let window = 4096; window < limit; window *= 4) {
      let base = text.length - window;
      const nl = text.indexOf("\n", base);
      if (nl < 0) break;
      base = nl + 1;
      const result = scan(text.slice(base), base, options);
      const k = result.valid.length - 1;
      const last = result.valid[k];
      if (!last) continue;
      if (result.firstLines[k] === 0) continue; // line block touching the window start
      if (enclosedAfter(text, last.span.end)) break; // maybe inside a larger list: full scan
      return pickLast(result);
    }
  }
  return pickLast(extractAll(text, options));
}

/**
 * Every valid grid and every rejected grid-like block (with its reason: ragged rows, value out of
 * range, too large), in order of position. Same options as {@link extractGrids}. Never throws.
 */
export function inspectGrids(
  text: string,
  options: ExtractOptions = {},
): { candidates: GridCandidate[]; rejected: RejectedCandidate[] } {
  if (typeof text !== "string") return { candidates: [], rejected: [] };
  const result = extractAll(text, options);
  return { candidates: result.valid, rejected: result.rejected };
}
