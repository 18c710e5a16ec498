import { DIGIT0, DIGIT9, isDigit, isSpace } from "./chars.js";
import type { GridFormat, Raw, Span } from "./types.js";

// Bracketed lists: JSON nested lists and Python tuples (hand-written scanner, no regex).

interface ListParse {
  ok: boolean;
  end: number;
  depth: number;
  value: unknown[];
  paren: boolean;
}

const MAX_DEPTH = 3;

/** Parses a list/tuple of numbers or lists starting at `text[pos]` (`[` or `(`). */
function parseList(text: string, pos: number, level: number): ListParse {
  const open = text.charCodeAt(pos);
  const close = open === 91 ? 93 : 41;
  let paren = open === 40;
  const out: unknown[] = [];
  let depth = 1;
  let i = pos + 1;
  const n = text.length;
  let expectItem = true; // after open or a comma
  let sawComma = false;
  for (;;) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) return { ok: false, end: i, depth, value: out, paren };
    const c = text.charCodeAt(i);
    if (c === close) {
      // Python grouping parentheses, e.g. np.array([[1, 2]]) or print((…)): not a tuple.
      // Fail here so the scan resumes just inside and finds the wrapped list.
      if (open === 40 && out.length === 1 && !sawComma)
        return { ok: false, end: pos + 1, depth, value: out, paren };
      return { ok: true, end: i + 1, depth, value: out, paren };
    }
    if (c === 44) {
      // comma: must follow an item
      if (expectItem) return { ok: false, end: i, depth, value: out, paren };
      expectItem = true;
      sawComma = true;
      i++;
      continue;
    }
    if (!expectItem && sawComma) return { ok: false, end: i, depth, value: out, paren };
    if (c === 91 || c === 40) {
      if (level + 1 >= MAX_DEPTH + 1) return { ok: false, end: i, depth, value: out, paren };
      const inner = parseList(text, i, level + 1);
      if (!inner.ok) return { ok: false, end: inner.end, depth, value: out, paren };
      if (inner.paren) paren = true;
      if (inner.depth + 1 > depth) depth = inner.depth + 1;
      out.push(inner.value);
      i = inner.end;
      expectItem = false;
      continue;
    }
    if (isDigit(c) || c === 45 || c === 43) {
      const start = i;
      const negative = c === 45;
      if (c === 45 || c === 43) i++;
      const digitsStart = i;
      let magnitude = 0;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d < DIGIT0 || d > DIGIT9) break;
        magnitude = magnitude * 10 + (d - DIGIT0);
        i++;
      }
      if (i === digitsStart) return { ok: false, end: i, depth, value: out, paren };
      let integer = true;
      if (i < n && text.charCodeAt(i) === 46) {
        integer = false;
        i++;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
      }
      const e = text.charCodeAt(i);
      if (e === 101 || e === 69) {
        integer = false;
        i++;
        const s = text.charCodeAt(i);
        if (s === 43 || s === 45) i++;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
      }
      out.push(integer && i - start <= 15 ? (negative ? -magnitude : magnitude) : Number.NaN);
      expectItem = false;
      continue;
    }
    return { ok: false, end: i, depth, value: out, paren };
  }
}

/**
 * Every JSON nested list and Python tuple in `text` that can be a grid (depth 2, or one row list per
 * line) into `sink`; `spans` gets every bracketed structure so line rows inside them are dropped.
 */
export function scanBracketed(
  text: string,
  base: number,
  want: (f: GridFormat) => boolean,
  sink: Raw[],
  spans: Span[],
): void {
  const n = text.length;
  // rows written one list per line ("[0, 1]\n[2, 3]") without an outer list
  let run: number[][] = [];
  let runStart = 0;
  let runEnd = 0;
  let runParen = false;
  const flushRun = () => {
    if (run.length >= 2) {
      const format: GridFormat = runParen ? "python-tuple" : "json";
      if (want(format)) sink.push({ rows: run, format, start: base + runStart, end: base + runEnd });
      spans.push({ start: base + runStart, end: base + runEnd });
    }
    run = [];
  };
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c !== 91 && c !== 40) {
      i++;
      continue;
    }
    const parsed = parseList(text, i, 1);
    if (!parsed.ok) {
      i++;
      continue;
    }
    if (parsed.depth === 1 && parsed.value.length > 0) {
      if (run.length > 0 && !rowGap(text, runEnd, i)) flushRun();
      if (run.length === 0) {
        runStart = i;
        runParen = false;
      }
      run.push(parsed.value as number[]);
      if (parsed.paren) runParen = true;
      runEnd = parsed.end;
      i = parsed.end;
      continue;
    }
    flushRun();
    if (parsed.depth >= 2) spans.push({ start: base + i, end: base + parsed.end });
    if (parsed.depth === 2 && parsed.value.length > 0) {
      const rows = parsed.value as unknown[];
      let allLists = true;
      let anyCells = false;
      for (const r of rows) {
        if (!Array.isArray(r)) allLists = false;
        else if (r.length > 0) anyCells = true;
      }
      if (!anyCells) allLists = false; // [[]] is not a grid
      const format: GridFormat = parsed.paren ? "python-tuple" : "json";
      if (allLists && want(format))
        sink.push({ rows: rows as number[][], format, start: base + i, end: base + parsed.end });
      i = parsed.end;
      continue;
    }
    if (parsed.depth > 2) {
      i = parsed.end; // a 3-D list is not a grid; do not read grids out of it
      continue;
    }
    i = parsed.end;
  }
  flushRun();
}

/** True when `text[from, to)` is whitespace and commas with exactly one line break. */
function rowGap(text: string, from: number, to: number): boolean {
  let newlines = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 10) newlines++;
    else if (c !== 44 && !isSpace(c)) return false;
  }
  return newlines === 1;
}
