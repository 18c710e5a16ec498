import { isSpace } from "./chars.js";
import { type LineRow, lexLine, lexPipe, type RowKind, trimRange } from "./line-lexer.js";
import type { GridFormat, Raw } from "./types.js";

function compatible(block: RowKind, row: RowKind): RowKind | null {
  if (block === row) return block;
  if (row === "single" && (block === "space" || block === "comma" || block === "digits")) return block;
  if (block === "single" && (row === "space" || row === "comma" || row === "digits")) return row;
  return null;
}

/** The format a plain block of each row kind is read as (spreadsheets and row numbers aside). */
const KIND_FORMAT: Readonly<Record<RowKind, GridFormat>> = {
  space: "space-separated",
  single: "space-separated",
  comma: "comma-separated",
  digits: "digits",
  pipe: "pipe",
  words: "color-words",
  flat: "space-separated",
  header: "space-separated",
};

/** Consecutive compatible line rows. */
interface Block {
  kind: RowKind;
  rows: LineRow[];
  start: number;
  end: number;
  firstLine: number;
  header: boolean;
}

/** Every block of consecutive compatible line rows in `text` into `sink` (one `Raw` per block). */
export function scanLines(
  text: string,
  base: number,
  want: (f: GridFormat) => boolean,
  palette: Map<string, number> | null,
  sink: Raw[],
): void {
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
      flush();
      pendingHeader = null;
      scanFlattenedCell(line, base + s, lineNo, sink);
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

/** How a block is read: `null` when the rule does not apply, `false` when the block is no grid. */
type BlockReader = (block: Block) => { rows: number[][]; format: GridFormat } | false | null;

/** Block readers, first applicable wins. */
const BLOCK_READERS: readonly BlockReader[] = [
  // spreadsheet: first pipe cell is the 1-based row number
  (block) => {
    if (!block.header) return null;
    for (let r = 0; r < block.rows.length; r++) if (block.rows[r]?.cells[0] !== r + 1) return false;
    return { rows: block.rows.map((row) => row.cells.slice(1)), format: "spreadsheet" };
  },
  // "Row 1:" / "1:" labels numbered from 0 or 1
  (block) => {
    const first = block.rows[0]?.label;
    if (first === undefined) return null;
    if (first !== 0 && first !== 1) return false;
    for (let r = 0; r < block.rows.length; r++) if (block.rows[r]?.label !== first + r) return false;
    return { rows: block.rows.map((row) => row.cells), format: "row-numbered" };
  },
  // arc24 "1 077" rows: label + contiguous digits on every row
  (block) =>
    block.kind === "space" && sequentialAlt(block.rows)
      ? { rows: block.rows.map((row) => (row.alt as { cells: number[] }).cells), format: "row-numbered" }
      : null,
  (block) => ({ rows: block.rows.map((row) => row.cells), format: KIND_FORMAT[block.kind] }),
];

function emitBlock(block: Block, base: number, want: (f: GridFormat) => boolean, sink: Raw[]): void {
  for (const read of BLOCK_READERS) {
    const result = read(block);
    if (result === null) continue;
    if (result === false || !want(result.format)) return;
    sink.push({
      rows: result.rows,
      format: result.format,
      start: base + block.start,
      end: base + block.end,
      firstLine: block.firstLine,
    });
    return;
  }
}

/** Kaggle 2020 output cell: up to 3 flattened grids separated by spaces, `|01|10| |11|00|`. */
function scanFlattenedCell(line: string, offset: number, lineNo: number, sink: Raw[]): void {
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
        start: offset + k,
        end: offset + end,
        firstLine: lineNo,
      });
    k = end;
  }
}

function sequentialAlt(rows: LineRow[]): boolean {
  const first = rows[0]?.alt?.label;
  if (first !== 0 && first !== 1) return false;
  for (let r = 0; r < rows.length; r++) if (rows[r]?.alt?.label !== first + r) return false;
  return true;
}
