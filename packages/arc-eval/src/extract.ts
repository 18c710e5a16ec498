import { columnLetters } from "./format.js";
import { type Grid, MAX_GRID_SIZE } from "./grid.js";
import { finalChannelSpan } from "./harmony.js";
import { DEFAULT_PALETTE } from "./palette.js";

/** Text formats a grid can be read from (see the README table). */
export type GridFormat =
  | "json"
  | "python-tuple"
  | "space-separated"
  | "comma-separated"
  | "digits"
  | "pipe"
  | "pipe-flattened"
  | "row-numbered"
  | "spreadsheet"
  | "color-words";

/** Every format {@link extractGrids} understands. */
export const GRID_FORMATS: readonly GridFormat[] = [
  "json",
  "python-tuple",
  "space-separated",
  "comma-separated",
  "digits",
  "pipe",
  "pipe-flattened",
  "row-numbered",
  "spreadsheet",
  "color-words",
];

/** A character range `[start, end)` in the text given to the extractor. */
export interface Span {
  start: number;
  end: number;
}

/** A valid grid found in text. */
export interface GridCandidate {
  grid: Grid;
  format: GridFormat;
  span: Span;
  /** `"final"` when it was read from the harmony final channel. */
  channel?: "final";
}

/** Why no grid could be extracted. */
export type ExtractFailureReason = "NO_GRID" | "RAGGED_ROWS" | "VALUE_OUT_OF_RANGE" | "TOO_LARGE";

/** Something that looked like a grid but is not a valid one. */
export interface RejectedCandidate {
  reason: Exclude<ExtractFailureReason, "NO_GRID">;
  format: GridFormat;
  span: Span;
  message: string;
}

/** Result of {@link extractGrid}: the last valid grid, or why there is none. Never thrown. */
export type ExtractResult =
  | { ok: true; grid: Grid; format: GridFormat; span: Span; channel?: "final" }
  | { ok: false; reason: ExtractFailureReason; message: string; span?: Span };

/** Options of {@link extractGrids} and {@link extractGrid}. */
export interface ExtractOptions {
  /** Formats to look for (default: all of {@link GRID_FORMATS}). */
  formats?: readonly GridFormat[];
  /** Colour word → value map for `"color-words"` (default {@link DEFAULT_PALETTE}); case-insensitive. */
  palette?: Readonly<Record<string, number>>;
  /** Largest side accepted (default 30). */
  maxSize?: number;
  /**
   * Harmony completions: `"prefer-final"` (default) reads the `final` channel when harmony markers
   * are present and falls back to the whole text when it holds no grid; `"final-only"` never falls
   * back; `"ignore"` treats the text as plain.
   */
  harmony?: "prefer-final" | "final-only" | "ignore";
  /** Only the last `maxChars` characters are scanned (default 1,000,000), bounding time and memory. */
  maxChars?: number;
}

interface Raw {
  /** Cells; `NaN` marks a non-integer literal. */
  rows: number[][];
  format: GridFormat;
  start: number;
  end: number;
  /** First line index of a line block (line blocks only). */
  firstLine?: number;
}

interface ScanResult {
  valid: GridCandidate[];
  rejected: RejectedCandidate[];
  /** First line index of each valid line-block candidate, parallel to `valid` (-1 for JSON). */
  firstLines: number[];
}

const DIGIT0 = 48;
const DIGIT9 = 57;

function isDigit(c: number): boolean {
  return c >= DIGIT0 && c <= DIGIT9;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

// ---------------------------------------------------------------------------------------------
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

function scanBracketed(
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

// ---------------------------------------------------------------------------------------------
// Line rows: space/comma separated digits, contiguous digits, pipes, row numbers, colour words.

type RowKind = "space" | "comma" | "digits" | "single" | "pipe" | "flat" | "words" | "header";

interface LineRow {
  kind: RowKind;
  cells: number[];
  /** Row label (`1 077`, `Row 1:`, `1:`, or the first pipe cell of a spreadsheet row). */
  label?: number;
  /** For "flat": the rows. */
  flatRows?: number[][];
  /** Set on a row written after a caption on the same line (`Output: 0 7 7`): where the cells start. */
  captionOffset?: number;
  /** For a "space" row `1 077`: the reading as row label + contiguous digits. */
  alt?: { label: number; cells: number[] };
}

function trimRange(text: string, start: number, end: number): [number, number] {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return [start, end];
}

/** Parses an integer token; `null` when it is not `-?\d+`. Long tokens map to NaN (out of range). */
function intToken(s: string): number | null {
  const n = s.length;
  if (n === 0) return null;
  let i = 0;
  if (s.charCodeAt(0) === 45) i = 1;
  if (i === n) return null;
  for (let k = i; k < n; k++) if (!isDigit(s.charCodeAt(k))) return null;
  return n > 15 ? Number.NaN : Number(s);
}

function allDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let k = 0; k < s.length; k++) if (!isDigit(s.charCodeAt(k))) return false;
  return true;
}

function digitCells(s: string): number[] {
  const out = new Array<number>(s.length);
  for (let k = 0; k < s.length; k++) out[k] = s.charCodeAt(k) - DIGIT0;
  return out;
}

function splitWords(s: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let k = 0; k <= s.length; k++) {
    const c = k < s.length ? s.charCodeAt(k) : 32;
    if (isSpace(c)) {
      if (start >= 0) out.push(s.slice(start, k));
      start = -1;
    } else if (start < 0) start = k;
  }
  return out;
}

function lexPipe(line: string): LineRow | null {
  const parts = line.split("|");
  const startsWithPipe = parts[0]?.trim() === "";
  if (startsWithPipe) parts.shift();
  if (parts.length > 0 && parts[parts.length - 1]?.trim() === "") parts.pop();
  if (parts.length === 0) return null;
  const cells = parts.map((p) => p.trim());
  // spreadsheet header: A|B|C…
  let header = true;
  for (let k = 0; k < cells.length; k++) if (cells[k] !== columnLetters(k)) header = false;
  if (header) return { kind: "header", cells: [] };
  const values: number[] = [];
  let multi = 0;
  for (const cell of cells) {
    const v = intToken(cell);
    if (v === null) return null;
    if (cell.length > 1) multi++;
    values.push(v);
  }
  if (startsWithPipe && multi > 0 && multi === cells.length && cells.every(allDigits))
    return { kind: "flat", cells: [], flatRows: cells.map(digitCells) };
  return { kind: "pipe", cells: values };
}

function lexContent(content: string, palette: Map<string, number> | null): LineRow | null {
  if (content.length === 0) return null;
  if (content.includes(",")) {
    const parts = content.split(",");
    if (parts.length > 1 && parts[parts.length - 1]?.trim() === "") parts.pop();
    const values: number[] = [];
    let words = palette !== null;
    const wordValues: number[] = [];
    for (const part of parts) {
      const t = part.trim();
      const v = intToken(t);
      if (v === null) {
        values.length = 0;
        const w = palette?.get(t.toLowerCase());
        if (w === undefined) words = false;
        else wordValues.push(w);
        if (!words) return null;
        continue;
      }
      words = false;
      values.push(v);
    }
    if (values.length === parts.length)
      return { kind: parts.length === 1 ? "single" : "comma", cells: values };
    if (words && wordValues.length === parts.length) return { kind: "words", cells: wordValues };
    return null;
  }
  const tokens = splitWords(content);
  if (tokens.length === 1) {
    const t = tokens[0] as string;
    if (allDigits(t)) return { kind: t.length === 1 ? "single" : "digits", cells: digitCells(t) };
    const w = palette?.get(t.toLowerCase());
    if (w !== undefined) return { kind: "words", cells: [w] };
    const v = intToken(t);
    if (v !== null) return { kind: "single", cells: [v] };
    return null;
  }
  const values: number[] = [];
  for (const t of tokens) {
    const v = intToken(t);
    if (v === null) {
      if (palette === null) return null;
      const words: number[] = [];
      for (const w of tokens) {
        const x = palette.get(w.toLowerCase());
        if (x === undefined) return null;
        words.push(x);
      }
      return { kind: "words", cells: words };
    }
    values.push(v);
  }
  const row: LineRow = { kind: "space", cells: values };
  // arc24 row-number prefix "1 077": decided per block (every row must look like this, numbered 0/1…)
  if (
    tokens.length === 2 &&
    (tokens[1] as string).length >= 2 &&
    allDigits(tokens[0] as string) &&
    allDigits(tokens[1] as string)
  )
    row.alt = { label: values[0] as number, cells: digitCells(tokens[1] as string) };
  return row;
}

/** Lines of digits separated by spaces/tabs only (the common case), without allocating tokens. */
function lexDigitLine(line: string): LineRow | null | undefined {
  const n = line.length;
  const cells: number[] = [];
  let tokens = 0;
  let value = 0;
  let length = 0;
  let secondLength = 0;
  let firstValue = 0;
  let firstLength = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? line.charCodeAt(i) : 32;
    if (c >= DIGIT0 && c <= DIGIT9) {
      value = length < 15 ? value * 10 + (c - DIGIT0) : Number.NaN;
      length++;
    } else if (c === 32 || c === 9) {
      if (length > 0) {
        tokens++;
        if (tokens === 1) {
          firstValue = value;
          firstLength = length;
        } else if (tokens === 2) secondLength = length;
        cells.push(value);
        value = 0;
        length = 0;
      }
    } else return undefined; // not a digits-only line: use the general lexer
  }
  if (tokens === 0) return null;
  if (tokens === 1) {
    if (firstLength === 1) return { kind: "single", cells };
    return { kind: "digits", cells: digitCells(line) };
  }
  const row: LineRow = { kind: "space", cells };
  if (tokens === 2 && secondLength >= 2) {
    const second = line.slice(line.length - secondLength);
    row.alt = { label: firstValue, cells: digitCells(second) };
  }
  return row;
}

const CAPTIONS = new Set([
  "input",
  "test input",
  "output",
  "answer",
  "final answer",
  "result",
  "grid",
  "output grid",
  "test output",
  "prediction",
  "predicted output",
  "solution",
]);

/** Length of a caption such as `Output:` / `Final answer:` at the start of a line, else 0. */
function captionEnd(line: string): number {
  const first = line.charCodeAt(0) | 32;
  if (first < 97 || first > 122) return 0;
  const colon = line.indexOf(":");
  if (colon < 4 || colon > 20) return 0;
  return CAPTIONS.has(line.slice(0, colon).trim().toLowerCase()) ? colon + 1 : 0;
}

function lexLine(line: string, palette: Map<string, number> | null): LineRow | null {
  const first = line.charCodeAt(0);
  if (first >= DIGIT0 && first <= DIGIT9) {
    const fast = lexDigitLine(line);
    if (fast !== undefined) return fast;
  }
  // quick reject: rows start with a digit, '-', '|', or a letter (colour word / "Row")
  if (
    !(
      isDigit(first) ||
      first === 45 ||
      first === 124 ||
      (first >= 65 && first <= 90) ||
      (first >= 97 && first <= 122)
    )
  )
    return null;
  const caption = captionEnd(line);
  if (caption > 0) {
    const rest = line.slice(caption);
    const trimmed = rest.trimStart();
    if (trimmed.length === 0) return null;
    const row = lexLine(trimmed, palette);
    if (row === null || row.kind === "header" || row.captionOffset !== undefined) return null;
    row.captionOffset = caption + (rest.length - trimmed.length);
    return row;
  }
  if (line.includes("|")) {
    // "Row 1 | 0 7 7"-style labels are not supported with pipes; spreadsheet rows carry the label as a cell
    return lexPipe(line);
  }
  // label: "Row 3:", "row 3", "3:"
  let label: number | undefined;
  let content = line;
  const lower0 = first | 32;
  if (lower0 === 114 && line.length > 3 && line.slice(0, 3).toLowerCase() === "row") {
    let k = 3;
    while (k < line.length && isSpace(line.charCodeAt(k))) k++;
    const ds = k;
    while (k < line.length && isDigit(line.charCodeAt(k))) k++;
    if (k > ds && k - ds <= 3) {
      label = Number(line.slice(ds, k));
      if (line.charCodeAt(k) === 58) k++;
      content = line.slice(k).trim();
    }
  } else if (isDigit(first)) {
    let k = 0;
    while (k < line.length && isDigit(line.charCodeAt(k))) k++;
    if (k <= 3 && line.charCodeAt(k) === 58) {
      label = Number(line.slice(0, k));
      content = line.slice(k + 1).trim();
    }
  }
  const row = lexContent(content, palette);
  if (row === null) return null;
  if (label !== undefined) {
    if (row.label !== undefined) return null;
    row.label = label;
  }
  return row;
}

function compatible(block: RowKind, row: RowKind): RowKind | null {
  if (block === row) return block;
  if (row === "single" && (block === "space" || block === "comma" || block === "digits")) return block;
  if (block === "single" && (row === "space" || row === "comma" || row === "digits")) return row;
  return null;
}

function kindFormat(kind: RowKind): GridFormat {
  switch (kind) {
    case "comma":
      return "comma-separated";
    case "digits":
      return "digits";
    case "pipe":
      return "pipe";
    case "words":
      return "color-words";
    default:
      return "space-separated";
  }
}

function scanLines(
  text: string,
  base: number,
  want: (f: GridFormat) => boolean,
  palette: Map<string, number> | null,
  sink: Raw[],
): void {
  interface Block {
    kind: RowKind;
    rows: LineRow[];
    start: number;
    end: number;
    firstLine: number;
    header: boolean;
  }
  let block: Block | null = null;
  let pendingHeader: { start: number; line: number } | null = null;
  const flush = () => {
    if (block === null) return;
    emitBlock(block, base, want, sink);
    block = null;
  };
  const n = text.length;
  let lineStart = 0;
  let lineNo = 0;
  while (lineStart <= n) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = n;
    const [s, e] = trimRange(text, lineStart, lineEnd);
    const line = e > s && e - s <= 4096 ? text.slice(s, e) : "";
    const row = line === "" ? null : lexLine(line, palette);
    if (row === null && line.charCodeAt(0) === 124 && want("pipe-flattened")) {
      // Kaggle 2020 output cell: up to 3 flattened grids separated by spaces, "|01|10| |11|00|"
      flush();
      pendingHeader = null;
      let k = 0;
      while (k < line.length) {
        while (k < line.length && isSpace(line.charCodeAt(k))) k++;
        let end = k;
        while (end < line.length && !isSpace(line.charCodeAt(end))) end++;
        const token = line.slice(k, end);
        const flat = token.length > 2 ? lexPipe(token) : null;
        if (flat?.kind === "flat" && token.endsWith("|"))
          sink.push({
            rows: flat.flatRows as number[][],
            format: "pipe-flattened",
            start: base + s + k,
            end: base + s + end,
            firstLine: lineNo,
          });
        k = end;
      }
      lineStart = lineEnd + 1;
      lineNo++;
      continue;
    }
    if (row === null) {
      flush();
      pendingHeader = null;
    } else if (row.kind === "header") {
      flush();
      pendingHeader = { start: s, line: lineNo };
    } else if (row.kind === "flat") {
      flush();
      pendingHeader = null;
      if (want("pipe-flattened"))
        sink.push({
          rows: row.flatRows as number[][],
          format: "pipe-flattened",
          start: base + s,
          end: base + e,
          firstLine: lineNo,
        });
    } else {
      const labelled = row.label !== undefined;
      const current = block as Block | null;
      const kind = current === null ? null : compatible(current.kind, row.kind);
      const sameLabelling = current !== null && (current.rows[0]?.label !== undefined) === labelled;
      if (current !== null && kind !== null && sameLabelling && row.captionOffset === undefined) {
        current.kind = kind;
        current.rows.push(row);
        current.end = e;
      } else {
        flush();
        const header = pendingHeader !== null && row.kind === "pipe";
        block = {
          kind: row.kind,
          rows: [row],
          start: header ? (pendingHeader as { start: number }).start : s + (row.captionOffset ?? 0),
          end: e,
          firstLine: header ? (pendingHeader as { line: number }).line : lineNo,
          header,
        };
      }
      pendingHeader = null;
    }
    lineStart = lineEnd + 1;
    lineNo++;
  }
  flush();
}

function emitBlock(
  block: { kind: RowKind; rows: LineRow[]; start: number; end: number; firstLine: number; header: boolean },
  base: number,
  want: (f: GridFormat) => boolean,
  sink: Raw[],
): void {
  const labelled = block.rows[0]?.label !== undefined;
  let rows: number[][];
  let format: GridFormat;
  if (block.header) {
    // spreadsheet: first pipe cell is the 1-based row number
    for (let r = 0; r < block.rows.length; r++) if (block.rows[r]?.cells[0] !== r + 1) return;
    rows = block.rows.map((row) => row.cells.slice(1));
    format = "spreadsheet";
  } else if (labelled) {
    const first = block.rows[0]?.label as number;
    if (first !== 0 && first !== 1) return;
    for (let r = 0; r < block.rows.length; r++) if (block.rows[r]?.label !== first + r) return;
    rows = block.rows.map((row) => row.cells);
    format = "row-numbered";
  } else if (block.kind === "space" && sequentialAlt(block.rows)) {
    rows = block.rows.map((row) => (row.alt as { cells: number[] }).cells);
    format = "row-numbered";
  } else {
    rows = block.rows.map((row) => row.cells);
    format = kindFormat(block.kind === "single" ? "space" : block.kind);
  }
  if (!want(format)) return;
  sink.push({ rows, format, start: base + block.start, end: base + block.end, firstLine: block.firstLine });
}

function sequentialAlt(rows: LineRow[]): boolean {
  const first = rows[0]?.alt?.label;
  if (first !== 0 && first !== 1) return false;
  for (let r = 0; r < rows.length; r++) if (rows[r]?.alt?.label !== first + r) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------

function validate(raw: Raw, maxSize: number): GridCandidate | RejectedCandidate {
  const span = { start: raw.start, end: raw.end };
  const rows = raw.rows;
  const width = rows[0]?.length ?? 0;
  if (rows.length > maxSize || width > maxSize)
    return {
      reason: "TOO_LARGE",
      format: raw.format,
      span,
      message: `${raw.format} grid at ${raw.start} is ${rows.length}x${width} (max ${maxSize}x${maxSize})`,
    };
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as number[];
    if (row.length !== width || width === 0)
      return {
        reason: "RAGGED_ROWS",
        format: raw.format,
        span,
        message: `${raw.format} grid at ${raw.start}: row ${r} has ${row.length} cells, row 0 has ${width}`,
      };
    if (row.length > maxSize)
      return {
        reason: "TOO_LARGE",
        format: raw.format,
        span,
        message: `${raw.format} grid at ${raw.start}: row ${r} has ${row.length} cells (max ${maxSize})`,
      };
  }
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as number[];
    for (let c = 0; c < width; c++) {
      const v = row[c] as number;
      if (!(v >= 0 && v <= 9 && Number.isInteger(v)))
        return {
          reason: "VALUE_OUT_OF_RANGE",
          format: raw.format,
          span,
          message: `${raw.format} grid at ${raw.start}: cell [${r}][${c}] is ${Number.isNaN(v) ? "not an integer" : v}, expected an integer 0-9`,
        };
    }
  }
  return { grid: rows as Grid, format: raw.format, span };
}

let cachedPalette: { source: Readonly<Record<string, number>>; map: Map<string, number> } | null = null;

function paletteMap(palette: Readonly<Record<string, number>>): Map<string, number> {
  if (cachedPalette?.source === palette) return cachedPalette.map;
  const map = new Map<string, number>();
  for (const [word, value] of Object.entries(palette)) map.set(word.toLowerCase(), value);
  cachedPalette = { source: palette, map };
  return map;
}

function scan(text: string, base: number, options: ExtractOptions): ScanResult {
  const formats = options.formats;
  const want = formats ? (f: GridFormat) => formats.includes(f) : () => true;
  const maxSize = options.maxSize ?? MAX_GRID_SIZE;
  const wantWords = want("color-words");
  const palette = wantWords ? paletteMap(options.palette ?? DEFAULT_PALETTE) : null;
  const raws: Raw[] = [];
  const jsonSpans: Span[] = [];
  // always scanned: even when JSON formats are off, its spans suppress line rows inside lists
  scanBracketed(text, base, want, raws, jsonSpans);
  const lineRaws: Raw[] = [];
  scanLines(text, base, want, palette, lineRaws);
  // drop line blocks that sit inside a bracketed structure (pretty-printed JSON has "0," lines)
  let j = 0;
  for (const raw of lineRaws) {
    while (j < jsonSpans.length && (jsonSpans[j] as Span).end <= raw.start) j++;
    let inside = false;
    for (let k = j; k < jsonSpans.length; k++) {
      const sp = jsonSpans[k] as Span;
      if (sp.start >= raw.end) break;
      if (sp.start < raw.end && raw.start < sp.end) inside = true;
    }
    if (!inside) raws.push(raw);
  }
  raws.sort((a, b) => a.start - b.start);
  const valid: GridCandidate[] = [];
  const rejected: RejectedCandidate[] = [];
  const firstLines: number[] = [];
  for (const raw of raws) {
    const result = validate(raw, maxSize);
    if ("grid" in result) {
      valid.push(result);
      firstLines.push(raw.firstLine ?? -1);
    } else rejected.push(result);
  }
  return { valid, rejected, firstLines };
}

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
