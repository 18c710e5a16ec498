import { columnLetters } from "../format.js";
import { DIGIT0, DIGIT9, isDigit, isSpace } from "./chars.js";

// Line rows: space/comma separated digits, contiguous digits, pipes, row numbers, colour words.

/** What a line row looks like (decides which block it can join). */
export type RowKind = "space" | "comma" | "digits" | "single" | "pipe" | "flat" | "words" | "header";

/** One line read as a grid row. */
export interface LineRow {
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

/** `[start, end)` without surrounding whitespace. */
export function trimRange(text: string, start: number, end: number): [number, number] {
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

/** A `|`-separated row, a spreadsheet header, or a Kaggle-2020 flattened grid; `null` otherwise. */
export function lexPipe(line: string): LineRow | null {
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

/** Reads one trimmed line as a grid row (captions and row labels stripped), or `null`. */
export function lexLine(line: string, palette: Map<string, number> | null): LineRow | null {
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
