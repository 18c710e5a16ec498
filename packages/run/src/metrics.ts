import { type MetricRecord, StepTable } from "@rlops/recovery";
import type { MetricSeries } from "./schema.js";

/** One metrics record: a step and its values (`null` and NaN/±Infinity are non-finite observations). */
export interface StepRecord {
  step: number;
  values: Record<string, number | null>;
  /** ARC problem id, for goal rules counting distinct problems. */
  problem?: string;
}

/**
 * Collects metric values per name and step from several sources, merged by `@rlops/recovery`'s one
 * rule for records at the same step (`StepTable`: the first value of a metric at a step wins, so a
 * JSONL log and a `trainer_state.json` copy of it do not double count). One row per step.
 */
export class SeriesCollector {
  /** The merged records (what the breaker replays, see `replayTable`). */
  readonly table: StepTable;
  /** Largest number of distinct steps kept; later steps are dropped (bounded memory). */
  constructor(readonly maxSteps = 1_000_000) {
    this.table = new StepTable(maxSteps);
  }

  /** True once {@link maxSteps} distinct steps were seen. */
  get full(): boolean {
    return this.table.full;
  }

  /** Adds one record (the collector may keep `record.values`; do not mutate it afterwards). */
  add(record: StepRecord): boolean {
    const input: MetricRecord = { step: record.step, metrics: record.values };
    if (record.problem !== undefined) input.problem = record.problem;
    return this.table.add(input);
  }

  /** Metric names seen, sorted. */
  names(): string[] {
    return this.table.names();
  }

  /** Distinct steps, ascending. */
  sortedSteps(): number[] {
    return this.table.sortedSteps();
  }

  /** One record per step, ascending, with every metric known at that step (for the breaker). */
  *records(): Generator<StepRecord> {
    for (const r of this.table.records())
      yield r.problem === undefined
        ? { step: r.step, values: r.metrics }
        : { step: r.step, values: r.metrics, problem: r.problem };
  }

  /** Every series as `[step, value|null]` points, ascending; non-finite values become `null`. */
  series(): MetricSeries[] {
    const byName = new Map<string, [number, number | null][]>();
    for (const name of this.names()) byName.set(name, []);
    for (const { step, metrics } of this.table.records()) {
      for (const name in metrics) {
        const value = metrics[name] as number | null;
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

/** Series that are bookkeeping, not a metric worth a headline chart (`epoch`, progress, timing). */
const BOOKKEEPING =
  /^(epoch|step|global_step|_step|iteration|lr|learning_rate)$|(^|[/_])(epoch|runtime|samples_per_second|steps_per_second|timestamp|time|total_flos|done_frac)$/i;

/**
 * The headline metric of a run's first chart: the reward, else the loss, else the first series
 * that is not bookkeeping (never `epoch` while a real metric exists). Null when there is none.
 */
function _headlineMetric(
  names: readonly string[],
): { name: string; kind: "reward" | "loss" | "metric" } | null {
  const reward = detectRewardMetric(names);
  if (reward) return { name: reward, kind: "reward" };
  const loss = detectLossMetric(names);
  if (loss) return { name: loss, kind: "loss" };
  const other = names.find((n) => !BOOKKEEPING.test(n)) ?? names[0];
  return other === undefined ? null : { name: other, kind: "metric" };
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
