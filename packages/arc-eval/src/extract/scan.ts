import { type Grid, MAX_GRID_SIZE } from "../grid.js";
import { DEFAULT_PALETTE } from "../palette.js";
import { scanBracketed } from "./bracketed.js";
import { scanLines } from "./line-blocks.js";
import type {
  ExtractOptions,
  GridCandidate,
  GridFormat,
  Raw,
  RejectedCandidate,
  ScanResult,
  Span,
} from "./types.js";

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

/** Scans `text` (at offset `base` of the caller's text) for every format and validates each block. */
export function scan(text: string, base: number, options: ExtractOptions): ScanResult {
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
