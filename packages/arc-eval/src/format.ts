import { ArcError } from "./errors.js";
import type { GridFormat } from "./extract/types.js";
import { checkGrid, type Grid } from "./grid.js";
import { COLOR_NAMES } from "./palette.js";

/** Spreadsheet column name of a 0-based index: 0 → `A`, 25 → `Z`, 26 → `AA`. */
export function columnLetters(index: number): string {
  let n = index + 1;
  let out = "";
  while (n > 0) {
    const r = (n - 1) % 26;
    out = String.fromCharCode(65 + r) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** Options of {@link formatGrid}. */
export interface FormatGridOptions {
  /** Colour names per value for `"color-words"` (default: the official ARC names). */
  colorNames?: readonly string[];
}

/**
 * Writes a grid as text in one of the {@link GridFormat}s; {@link extractGrid} reads every output
 * back to the same grid. `"json"` matches Python `json.dumps` (`[[0, 7], [7, 7]]`); `"row-numbered"`
 * is arc24's `1 077` (`1: 0` for one-column grids); `"spreadsheet"` has an `A|B|…` header and
 * 1-based row numbers; `"pipe-flattened"` is the Kaggle 2020 `|077|777|` (ambiguous for one-column
 * grids, which read back as a `|`-separated row). Throws `INVALID_GRID` for an invalid grid.
 */
export function formatGrid(
  grid: Grid,
  format: GridFormat = "space-separated",
  options: FormatGridOptions = {},
): string {
  const problem = checkGrid(grid);
  if (problem)
    throw new ArcError({
      code: "INVALID_GRID",
      message: `formatGrid: grid${problem.path.map((p) => `[${p}]`).join("")}: ${problem.message}`,
      details: { problem: problem.code },
    });
  const width = grid[0]?.length ?? 0;
  switch (format) {
    case "json":
      return `[${grid.map((row) => `[${row.join(", ")}]`).join(", ")}]`;
    case "python-tuple":
      return `(${grid.map((row) => `(${row.join(", ")}${row.length === 1 ? "," : ""})`).join(", ")}${grid.length === 1 ? "," : ""})`;
    case "space-separated":
      return grid.map((row) => row.join(" ")).join("\n");
    case "comma-separated":
      return grid.map((row) => (row.length === 1 ? `${row[0]},` : row.join(","))).join("\n");
    case "digits":
      return grid.map((row) => row.join("")).join("\n");
    case "pipe":
      return grid.map((row) => (row.length === 1 ? `|${row[0]}|` : row.join("|"))).join("\n");
    case "pipe-flattened":
      return `|${grid.map((row) => row.join("")).join("|")}|`;
    case "row-numbered":
      return grid
        .map((row, r) => (width === 1 ? `${r + 1}: ${row[0]}` : `${r + 1} ${row.join("")}`))
        .join("\n");
    case "spreadsheet": {
      const header = ` |${Array.from({ length: width }, (_, c) => columnLetters(c)).join("|")}`;
      return [header, ...grid.map((row, r) => `${r + 1}|${row.join("|")}`)].join("\n");
    }
    case "color-words": {
      const names = options.colorNames ?? COLOR_NAMES;
      return grid.map((row) => row.map((v) => names[v] ?? String(v)).join(" ")).join("\n");
    }
    default:
      throw new ArcError({
        code: "INVALID_OPTIONS",
        message: `formatGrid: unknown format ${JSON.stringify(format)}`,
      });
  }
}
