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
 */
export class SeriesCollector {
  private readonly byName = new Map<string, Map<number, number | null>>();
  private readonly problems = new Map<number, string>();
  private readonly steps = new Set<number>();
  /** Largest number of distinct steps kept; later steps are dropped (bounded memory). */
  constructor(readonly maxSteps = 1_000_000) {}

  /** True once {@link maxSteps} distinct steps were seen. */
  get full(): boolean {
    return this.steps.size >= this.maxSteps;
  }

  /** Adds one record; returns false if it was dropped because the collector is full. */
  add(record: StepRecord): boolean {
    if (!this.steps.has(record.step)) {
      if (this.full) return false;
      this.steps.add(record.step);
    }
    for (const [name, value] of Object.entries(record.values)) {
      let series = this.byName.get(name);
      if (!series) {
        series = new Map();
        this.byName.set(name, series);
      }
      if (!series.has(record.step)) series.set(record.step, value);
    }
    if (record.problem !== undefined && !this.problems.has(record.step))
      this.problems.set(record.step, record.problem);
    return true;
  }

  /** Metric names seen, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** Distinct steps, ascending. */
  sortedSteps(): number[] {
    return [...this.steps].sort((a, b) => a - b);
  }

  /** One record per step, ascending, with every metric known at that step (for the breaker). */
  *records(): Generator<StepRecord> {
    for (const step of this.sortedSteps()) {
      const values: Record<string, number | null> = {};
      for (const [name, series] of this.byName) {
        const value = series.get(step);
        if (value !== undefined) values[name] = value;
      }
      const problem = this.problems.get(step);
      yield problem === undefined ? { step, values } : { step, values, problem };
    }
  }

  /** Every series as `[step, value|null]` points, ascending; non-finite values become `null`. */
  series(): MetricSeries[] {
    return this.names().map((name) => {
      const points = [...(this.byName.get(name) as Map<number, number | null>)]
        .sort((a, b) => a[0] - b[0])
        .map(
          ([step, value]) =>
            [step, value !== null && Number.isFinite(value) ? value : null] as [number, number | null],
        );
      return { name, points };
    });
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
