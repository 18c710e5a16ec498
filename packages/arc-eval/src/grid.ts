import * as z from "zod";

/** Largest grid side allowed by the ARC spec. */
export const MAX_GRID_SIZE = 30;

/** Why a value is not a valid ARC grid. */
export type GridProblemCode = "NOT_A_GRID" | "EMPTY" | "RAGGED_ROWS" | "VALUE_OUT_OF_RANGE" | "TOO_LARGE";

/** A grid problem: a code, a message and the JSON path (relative to the grid) of the offending value. */
export interface GridProblem {
  code: GridProblemCode;
  message: string;
  path: (string | number)[];
}

/**
 * Checks `value` against the ARC grid rules: a non-empty list of non-empty rows, all rows the same
 * length, each cell an integer 0–9 (no floats, booleans or strings), at most `maxSize` (30) per side.
 * Returns the first problem found, or `null` when the grid is valid. Never throws.
 */
export function checkGrid(value: unknown, maxSize: number = MAX_GRID_SIZE): GridProblem | null {
  if (!Array.isArray(value)) return { code: "NOT_A_GRID", message: "expected a list of rows", path: [] };
  const height = value.length;
  if (height === 0) return { code: "EMPTY", message: "grid has no rows", path: [] };
  if (height > maxSize)
    return { code: "TOO_LARGE", message: `grid has ${height} rows (max ${maxSize})`, path: [] };
  const first = value[0];
  if (!Array.isArray(first)) return { code: "NOT_A_GRID", message: "expected a list of integers", path: [0] };
  const width = first.length;
  if (width === 0) return { code: "EMPTY", message: "row 0 is empty", path: [0] };
  if (width > maxSize)
    return { code: "TOO_LARGE", message: `grid has ${width} columns (max ${maxSize})`, path: [0] };
  for (let r = 0; r < height; r++) {
    const row = value[r];
    if (!Array.isArray(row)) return { code: "NOT_A_GRID", message: "expected a list of integers", path: [r] };
    if (row.length !== width)
      return {
        code: "RAGGED_ROWS",
        message: `row ${r} has ${row.length} cells, row 0 has ${width}`,
        path: [r],
      };
    for (let c = 0; c < width; c++) {
      const cell = row[c];
      if (typeof cell !== "number" || !Number.isInteger(cell) || cell < 0 || cell > 9)
        return {
          code: "VALUE_OUT_OF_RANGE",
          message: `expected an integer 0-9, got ${describe(cell)}`,
          path: [r, c],
        };
    }
  }
  return null;
}

function describe(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 20))}`;
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

/** Type guard: true when `value` is a valid ARC grid (see {@link checkGrid}). */
export function isGrid(value: unknown): value is Grid {
  return checkGrid(value) === null;
}

/**
 * zod schema of an ARC grid: 1–30 rows of 1–30 integers 0–9, rectangular.
 * Type: {@link Grid}.
 */
export const gridSchema = z
  .array(z.array(z.number().int().min(0).max(9)).min(1).max(MAX_GRID_SIZE))
  .min(1)
  .max(MAX_GRID_SIZE)
  .superRefine((rows, ctx) => {
    const width = rows[0]?.length ?? 0;
    for (let r = 1; r < rows.length; r++)
      if (rows[r]?.length !== width)
        ctx.addIssue({
          code: "custom",
          message: `row ${r} has ${rows[r]?.length} cells, row 0 has ${width}`,
          path: [r],
        });
  });

/** An ARC grid: rows top to bottom, each a list of colours 0–9. */
export type Grid = z.infer<typeof gridSchema>;

/** True when both grids have the same height, width and cells (strict integer equality). */
export function gridsEqual(a: Grid, b: Grid): boolean {
  if (a.length !== b.length) return false;
  for (let r = 0; r < a.length; r++) {
    const ra = a[r] as number[];
    const rb = b[r] as number[];
    if (ra.length !== rb.length) return false;
    for (let c = 0; c < ra.length; c++) if (ra[c] !== rb[c]) return false;
  }
  return true;
}

/** A stable string key of a grid (rows joined by `|`), for counting identical grids. */
export function gridKey(grid: Grid): string {
  let key = "";
  for (let r = 0; r < grid.length; r++) {
    if (r > 0) key += "|";
    key += (grid[r] as number[]).join("");
  }
  return key;
}

function fnv1a(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A stable fingerprint of a dataset version (task ids and every grid, independent of key order and
 * whitespace in the files), to record with a score: ARC data changed after release, so scores are
 * only comparable on the same data. Two 32-bit FNV-1a hashes as 16 hex digits; not cryptographic.
 */
export function fingerprintTasks(tasks: Record<string, TaskLike | readonly unknown[]>): string {
  const pairs = (list: unknown) =>
    Array.isArray(list)
      ? list.map((p: { input?: unknown; output?: unknown }) => [p?.input ?? null, p?.output ?? null])
      : null;
  let canonical = "";
  for (const id of Object.keys(tasks).sort()) {
    const t = tasks[id];
    const body = Array.isArray(t) ? t : [pairs((t as TaskLike).train), pairs((t as TaskLike).test)];
    canonical += `${id}\u0000${JSON.stringify(body)}\u0001`;
  }
  const a = fnv1a(canonical, 0x811c9dc5);
  const b = fnv1a(canonical, 0x9e3779b9);
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}

/** Anything shaped like a task (`train`/`test` lists of `{input, output?}`). */
interface TaskLike {
  train?: unknown;
  test?: unknown;
}
