import type { ExtractOptions, ExtractResult } from "./extract/types.js";
import { extractGrid } from "./extract.js";
import { checkGrid, type Grid } from "./grid.js";

/** Result of {@link compareGrids}. */
export interface GridComparison {
  /** Same height and width. */
  sizeMatch: boolean;
  /** Share of equal cells when the shapes match, else 0 (see `sizeMismatch` for alternatives). */
  pixelAccuracy: number;
  /** Every cell equal (implies `sizeMatch`). */
  perfect: boolean;
  /** Target cells not reproduced: unequal cells when shapes match, else every target cell. */
  cellsWrong: number;
}

/** Options of {@link compareGrids}. */
export interface CompareOptions {
  /**
   * Pixel accuracy when the shapes differ: `"zero"` (default; arc24, Poetiq, Berman) or
   * `"overlap"`: equal cells in the top-left overlap divided by the larger of the two areas.
   */
  sizeMismatch?: "zero" | "overlap";
}

/**
 * Compares a predicted grid with the target. A missing or invalid prediction (`null`, ragged,
 * out-of-range values) counts as a size mismatch with every cell wrong. Never throws.
 */
export function compareGrids(pred: unknown, target: Grid, options: CompareOptions = {}): GridComparison {
  const th = target.length;
  const tw = target[0]?.length ?? 0;
  const total = th * tw;
  if (pred === null || pred === undefined || checkGrid(pred) !== null)
    return { sizeMatch: false, pixelAccuracy: 0, perfect: false, cellsWrong: total };
  return compareValidGrids(pred as Grid, target, options);
}

/** {@link compareGrids} for a prediction already known to be a valid grid (internal fast path). */
export function compareValidGrids(p: Grid, target: Grid, options: CompareOptions = {}): GridComparison {
  const th = target.length;
  const tw = target[0]?.length ?? 0;
  const total = th * tw;
  const ph = p.length;
  const pw = p[0]?.length ?? 0;
  if (ph !== th || pw !== tw) {
    let accuracy = 0;
    if (options.sizeMismatch === "overlap") {
      let equal = 0;
      const h = Math.min(ph, th);
      const w = Math.min(pw, tw);
      for (let r = 0; r < h; r++) {
        const pr = p[r] as number[];
        const tr = target[r] as number[];
        for (let c = 0; c < w; c++) if (pr[c] === tr[c]) equal++;
      }
      accuracy = equal / Math.max(ph * pw, total);
    }
    return { sizeMatch: false, pixelAccuracy: accuracy, perfect: false, cellsWrong: total };
  }
  let wrong = 0;
  for (let r = 0; r < th; r++) {
    const pr = p[r] as number[];
    const tr = target[r] as number[];
    for (let c = 0; c < tw; c++) if (pr[c] !== tr[c]) wrong++;
  }
  return { sizeMatch: true, pixelAccuracy: (total - wrong) / total, perfect: wrong === 0, cellsWrong: wrong };
}

/** Result of {@link scoreResponse}: the comparison plus what was extracted. */
export interface ResponseScore extends GridComparison {
  /** A grid was extracted from the text. */
  hasGrid: boolean;
  /** The extracted grid, or `null`. */
  grid: Grid | null;
  /** Extraction details (format and span, or the failure reason). */
  extraction: ExtractResult;
}

/**
 * Extracts the answer grid from one model response (see {@link extractGrid}) and compares it with
 * the target: the per-candidate record of GRPO/DAPO ARC training loops
 * (`has_grid`, `accuracy`, `correct_size`, `perfect_match`). Never throws.
 */
export function scoreResponse(
  text: string,
  target: Grid,
  options: ExtractOptions & CompareOptions = {},
): ResponseScore {
  const extraction = extractGrid(text, options);
  const grid = extraction.ok ? extraction.grid : null;
  return { ...compareGrids(grid, target, options), hasGrid: grid !== null, grid, extraction };
}
