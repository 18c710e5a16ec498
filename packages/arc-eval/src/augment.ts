import { ArcError } from "./errors.js";
import { checkGrid, type Grid, gridKey } from "./grid.js";
import type { Task } from "./task.js";

/** The 8 symmetries of the square. `rot90` is clockwise. */
export type DihedralTransform =
  | "identity"
  | "rot90"
  | "rot180"
  | "rot270"
  | "flip-horizontal"
  | "flip-vertical"
  | "transpose"
  | "anti-transpose";

/** All 8 dihedral transforms. */
export const DIHEDRAL_TRANSFORMS: readonly DihedralTransform[] = [
  "identity",
  "rot90",
  "rot180",
  "rot270",
  "flip-horizontal",
  "flip-vertical",
  "transpose",
  "anti-transpose",
];

/** The transform that undoes `t` (rot90 ↔ rot270; the others are their own inverse). */
export function inverseTransform(t: DihedralTransform): DihedralTransform {
  if (t === "rot90") return "rot270";
  if (t === "rot270") return "rot90";
  return t;
}

/** Applies a dihedral transform; returns a new grid. `flip-horizontal` mirrors left↔right. */
export function transformGrid(grid: Grid, t: DihedralTransform): Grid {
  const h = grid.length;
  const w = grid[0]?.length ?? 0;
  const at = (r: number, c: number) => (grid[r] as number[])[c] as number;
  const make = (rows: number, cols: number, f: (r: number, c: number) => number): Grid =>
    Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => f(r, c)));
  switch (t) {
    case "identity":
      return make(h, w, (r, c) => at(r, c));
    case "rot90":
      return make(w, h, (r, c) => at(h - 1 - c, r));
    case "rot180":
      return make(h, w, (r, c) => at(h - 1 - r, w - 1 - c));
    case "rot270":
      return make(w, h, (r, c) => at(c, w - 1 - r));
    case "flip-horizontal":
      return make(h, w, (r, c) => at(r, w - 1 - c));
    case "flip-vertical":
      return make(h, w, (r, c) => at(h - 1 - r, c));
    case "transpose":
      return make(w, h, (r, c) => at(c, r));
    case "anti-transpose":
      return make(w, h, (r, c) => at(h - 1 - c, w - 1 - r));
    default:
      throw new ArcError({ code: "INVALID_OPTIONS", message: `unknown transform ${JSON.stringify(t)}` });
  }
}

function checkPermutation(perm: readonly number[], where: string): void {
  const seen = new Set<number>();
  let ok = Array.isArray(perm) && perm.length === 10;
  if (ok)
    for (const v of perm) {
      if (!Number.isInteger(v) || v < 0 || v > 9 || seen.has(v)) ok = false;
      seen.add(v);
    }
  if (!ok)
    throw new ArcError({
      code: "INVALID_OPTIONS",
      message: `${where}: expected a permutation of 0-9 (10 distinct integers), got ${JSON.stringify(perm)}`,
    });
}

/** Maps every cell `v` to `perm[v]`; `perm` is a permutation of 0–9. Throws `INVALID_OPTIONS`. */
export function permuteColors(grid: Grid, perm: readonly number[]): Grid {
  checkPermutation(perm, "permuteColors");
  return grid.map((row) => row.map((v) => perm[v] as number));
}

/** The inverse permutation (`inverse[perm[v]] = v`). */
export function invertPermutation(perm: readonly number[]): number[] {
  checkPermutation(perm, "invertPermutation");
  const out = new Array<number>(10);
  perm.forEach((to, from) => {
    out[to] = from;
  });
  return out;
}

/**
 * A random colour permutation from `random` (a `() => number` in [0, 1), e.g. a seeded PRNG).
 * Colour 0 (background) stays fixed unless `keepBackground` is false.
 */
export function randomColorPermutation(
  random: () => number,
  options: { keepBackground?: boolean } = {},
): number[] {
  const keep = options.keepBackground ?? true;
  const perm = Array.from({ length: 10 }, (_, i) => i);
  const from = keep ? 1 : 0;
  for (let i = 9; i > from; i--) {
    const j = from + Math.floor(random() * (i - from + 1));
    [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
  }
  return perm;
}

/** One augmentation: a dihedral transform and an optional colour permutation. */
export interface Augmentation {
  transform: DihedralTransform;
  colors?: readonly number[];
}

/** Applies an augmentation to a grid (colours, then transform). */
export function augmentGrid(grid: Grid, augmentation: Augmentation): Grid {
  const coloured = augmentation.colors ? permuteColors(grid, augmentation.colors) : grid;
  return transformGrid(coloured, augmentation.transform);
}

/** Undoes {@link augmentGrid}: `deaugmentGrid(augmentGrid(g, a), a)` equals `g`. */
export function deaugmentGrid(grid: Grid, augmentation: Augmentation): Grid {
  const untransformed = transformGrid(grid, inverseTransform(augmentation.transform));
  return augmentation.colors
    ? permuteColors(untransformed, invertPermutation(augmentation.colors))
    : untransformed;
}

/**
 * Applies an augmentation to every grid of a task; `trainOrder` (a permutation of train indices)
 * reorders the examples.
 */
export function augmentTask(task: Task, augmentation: Augmentation, trainOrder?: readonly number[]): Task {
  const order = trainOrder ?? task.train.map((_, i) => i);
  const sorted = [...order].sort((a, b) => a - b);
  if (sorted.length !== task.train.length || sorted.some((v, i) => v !== i))
    throw new ArcError({
      code: "INVALID_OPTIONS",
      message: `augmentTask: trainOrder must be a permutation of 0..${task.train.length - 1}, got ${JSON.stringify(order)}`,
    });
  const out: Task = {
    train: order.map((i) => {
      const pair = task.train[i] as Task["train"][number];
      return { input: augmentGrid(pair.input, augmentation), output: augmentGrid(pair.output, augmentation) };
    }),
    test: task.test.map((pair) =>
      pair.output === undefined
        ? { input: augmentGrid(pair.input, augmentation) }
        : { input: augmentGrid(pair.input, augmentation), output: augmentGrid(pair.output, augmentation) },
    ),
  };
  if (task.name !== undefined) out.name = task.name;
  return out;
}

/** A prediction made on an augmented task. */
export interface AugmentedPrediction {
  grid: Grid | null | undefined;
  augmentation: Augmentation;
  /** Caller's score (e.g. a log-probability; higher is better), used to break ties. */
  score?: number;
}

/** A candidate for {@link vote}. */
export interface VoteCandidate {
  grid: Grid | null | undefined;
  score?: number;
}

/** Maps predictions back to the original task's frame; invalid/missing grids are dropped. */
export function deaugment(predictions: readonly AugmentedPrediction[]): VoteCandidate[] {
  const out: VoteCandidate[] = [];
  for (const p of predictions) {
    if (p.grid === null || p.grid === undefined || checkGrid(p.grid) !== null) continue;
    const candidate: VoteCandidate = { grid: deaugmentGrid(p.grid, p.augmentation) };
    if (p.score !== undefined) candidate.score = p.score;
    out.push(candidate);
  }
  return out;
}

/** A voted grid: how many candidates produced it and their aggregated score. */
export interface VoteResult {
  grid: Grid;
  count: number;
  score: number;
}

/**
 * Counts identical grids and returns the top `k` (default 2): most votes first, ties broken by the
 * aggregated caller score (`"mean"` by default, or `"sum"`/`"max"`; higher wins), then by first
 * appearance. Invalid and empty grids are ignored.
 */
export function vote(
  candidates: readonly VoteCandidate[],
  options: { k?: number; tieBreak?: "mean" | "sum" | "max" } = {},
): VoteResult[] {
  const k = options.k ?? 2;
  const mode = options.tieBreak ?? "mean";
  const groups = new Map<
    string,
    { grid: Grid; count: number; sum: number; max: number; scored: number; first: number }
  >();
  candidates.forEach((c, i) => {
    if (c.grid === null || c.grid === undefined || checkGrid(c.grid) !== null) return;
    const key = gridKey(c.grid);
    let g = groups.get(key);
    if (!g) {
      g = { grid: c.grid, count: 0, sum: 0, max: Number.NEGATIVE_INFINITY, scored: 0, first: i };
      groups.set(key, g);
    }
    g.count++;
    if (c.score !== undefined && Number.isFinite(c.score)) {
      g.sum += c.score;
      g.scored++;
      if (c.score > g.max) g.max = c.score;
    }
  });
  const scored = [...groups.values()].map((g) => ({
    grid: g.grid,
    count: g.count,
    first: g.first,
    score:
      g.scored === 0
        ? Number.NEGATIVE_INFINITY
        : mode === "sum"
          ? g.sum
          : mode === "max"
            ? g.max
            : g.sum / g.scored,
  }));
  scored.sort((a, b) => b.count - a.count || b.score - a.score || a.first - b.first);
  return scored.slice(0, k).map(({ grid, count, score }) => ({ grid, count, score }));
}
