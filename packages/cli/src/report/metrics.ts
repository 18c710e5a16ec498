import type { MetricSeries } from "./schema.js";

/** One metrics record: a step and its values (`null` and NaN/±Infinity are non-finite observations). */
export interface StepRecord {
  step: number;
  values: Record<string, number | null>;
  /** ARC problem id, for goal rules counting distinct problems. */
  problem?: string;
}

/**
 * Collects metric values per name and step from several sources. The first source to give a value for
 * a (metric, step) pair wins, so a JSONL log and a `trainer_state.json` copy of it do not double count.
 * One row per step; steps arriving in ascending order (the usual case) need no sort.
 */
export class SeriesCollector {
  private readonly rows = new Map<
    number,
    { values: Record<string, number | null>; owned: boolean; problem?: string }
  >();
  private readonly nameSet = new Set<string>();
  private order: number[] = [];
  private ordered = true;
  /** Largest number of distinct steps kept; later steps are dropped (bounded memory). */
  constructor(readonly maxSteps = 1_000_000) {}

  /** True once {@link maxSteps} distinct steps were seen. */
  get full(): boolean {
    return this.rows.size >= this.maxSteps;
  }

  /** Adds one record (the collector may keep `record.values`; do not mutate it afterwards). */
  add(record: StepRecord): boolean {
    const row = this.rows.get(record.step);
    if (!row) {
      if (this.full) return false;
      const entry: { values: Record<string, number | null>; owned: boolean; problem?: string } = {
        values: record.values,
        owned: false,
      };
      if (record.problem !== undefined) entry.problem = record.problem;
      this.rows.set(record.step, entry);
      for (const name in record.values) this.nameSet.add(name);
      const last = this.order[this.order.length - 1];
      if (last !== undefined && record.step < last) this.ordered = false;
      this.order.push(record.step);
      return true;
    }
    for (const name in record.values) {
      if (name in row.values) continue;
      if (!row.owned) {
        row.values = { ...row.values };
        row.owned = true;
      }
      row.values[name] = record.values[name] as number | null;
      this.nameSet.add(name);
    }
    if (record.problem !== undefined && row.problem === undefined) row.problem = record.problem;
    return true;
  }

  /** Metric names seen, sorted. */
  names(): string[] {
    return [...this.nameSet].sort();
  }

  /** Distinct steps, ascending. */
  sortedSteps(): number[] {
    if (!this.ordered) {
      this.order.sort((a, b) => a - b);
      this.ordered = true;
    }
    return this.order;
  }

  /** One record per step, ascending, with every metric known at that step (for the breaker). */
  *records(): Generator<StepRecord> {
    for (const step of this.sortedSteps()) {
      const row = this.rows.get(step) as { values: Record<string, number | null>; problem?: string };
      yield row.problem === undefined
        ? { step, values: row.values }
        : { step, values: row.values, problem: row.problem };
    }
  }

  /** Every series as `[step, value|null]` points, ascending; non-finite values become `null`. */
  series(): MetricSeries[] {
    const byName = new Map<string, [number, number | null][]>();
    for (const name of this.names()) byName.set(name, []);
    for (const step of this.sortedSteps()) {
      const { values } = this.rows.get(step) as { values: Record<string, number | null> };
      for (const name in values) {
        const value = values[name] as number | null;
        (byName.get(name) as [number, number | null][]).push([
          step,
          value !== null && Number.isFinite(value) ? value : null,
        ]);
      }
    }
    return [...byName].map(([name, points]) => ({ name, points }));
  }
}

/** Preferred reward metric names, most specific first. */
const REWARD_NAMES = [
  "grpo_actor/task_reward/avg",
  "reward",
  "train/reward",
  "rewards/mean",
  "env/all/reward/total",
  "generator/avg_reward",
  "arc/mean_pixel_accuracy",
];

/** Picks the metric that is the run's reward: a known name, else the first name containing "reward". */
export function detectRewardMetric(names: readonly string[]): string | null {
  for (const name of REWARD_NAMES) if (names.includes(name)) return name;
  return names.find((name) => /reward/i.test(name) && !/std/i.test(name)) ?? null;
}

/** Picks a loss metric, if any. */
export function detectLossMetric(names: readonly string[]): string | null {
  for (const name of ["loss", "train/loss", "grpo_actor/actor_loss", "generator/loss"])
    if (names.includes(name)) return name;
  return names.find((name) => /(^|[/_])loss$/.test(name)) ?? null;
}

/**
 * Reduces a series to at most `max` points for charts, keeping each bucket's first, min and max points
 * and every step in `keep` (breaker trips, checkpoints), so spikes and collapses stay visible.
 */
export function downsample(
  points: readonly [number, number | null][],
  max: number,
  keep: ReadonlySet<number> = new Set(),
): [number, number | null][] {
  if (points.length <= max) return [...points];
  const bucket = Math.ceil(points.length / Math.max(1, Math.floor(max / 3)));
  const out: [number, number | null][] = [];
  for (let start = 0; start < points.length; start += bucket) {
    const slice = points.slice(start, start + bucket);
    let min: [number, number | null] | undefined;
    let maxPoint: [number, number | null] | undefined;
    const chosen = new Set<[number, number | null]>([slice[0] as [number, number | null]]);
    for (const point of slice) {
      if (point[1] === null || keep.has(point[0])) chosen.add(point);
      else {
        if (!min || (min[1] as number) > point[1]) min = point;
        if (!maxPoint || (maxPoint[1] as number) < point[1]) maxPoint = point;
      }
    }
    if (min) chosen.add(min);
    if (maxPoint) chosen.add(maxPoint);
    out.push(...[...chosen].sort((a, b) => a[0] - b[0]));
  }
  return out;
}
