import type { Grid } from "../grid.js";

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

/** A grid-like block before validation (internal). */
export interface Raw {
  /** Cells; `NaN` marks a non-integer literal. */
  rows: number[][];
  format: GridFormat;
  start: number;
  end: number;
  /** First line index of a line block (line blocks only). */
  firstLine?: number;
}

/** Valid and rejected candidates of one scan (internal). */
export interface ScanResult {
  valid: GridCandidate[];
  rejected: RejectedCandidate[];
  /** First line index of each valid line-block candidate, parallel to `valid` (-1 for JSON). */
  firstLines: number[];
}
