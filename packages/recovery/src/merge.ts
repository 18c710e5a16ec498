import type { MetricRecord } from "./monitor.js";

/**
 * The one rule by which records at the same step are merged (the breaker, `checkMetrics`,
 * `watchMetrics`, run discovery and the report all use it): the first value of a metric at a step
 * wins, later records at that step add the metrics it lacks, and the first problem id wins. A
 * Lightning validation row logged at a step that already has a train row, or an HF eval entry
 * after the train entry of the same step, thus becomes one record.
 *
 * Mutates `into.metrics` (callers pass a record they own).
 */
export function mergeRecordInto(into: MetricRecord, from: MetricRecord): void {
  const target = into.metrics;
  const source = from.metrics;
  for (const key in source) if (!(key in target)) target[key] = source[key] as number | null;
  if (into.problem === undefined && from.problem !== undefined) into.problem = from.problem;
}

/**
 * Merges runs of adjacent records at the same step (streaming, constant memory): `push` returns
 * the previous step's merged record once a record of another step arrives, `flush` the pending one.
 */
export class StepMerger {
  private pending: MetricRecord | null = null;
  private owned = false;

  /** Adds a record; returns the completed record of the previous step, or null. */
  push(record: MetricRecord): MetricRecord | null {
    const pending = this.pending;
    if (pending !== null && pending.step === record.step) {
      if (!this.owned) {
        this.pending = { ...pending, metrics: { ...pending.metrics } };
        this.owned = true;
      }
      mergeRecordInto(this.pending as MetricRecord, record);
      return null;
    }
    this.pending = record;
    this.owned = false;
    return pending;
  }

  /** The step currently being merged, or null. */
  get pendingStep(): number | null {
    return this.pending?.step ?? null;
  }

  /** Returns (and forgets) the pending record. */
  flush(): MetricRecord | null {
    const pending = this.pending;
    this.pending = null;
    this.owned = false;
    return pending;
  }
}

/**
 * Records of several sources keyed by step and merged with {@link mergeRecordInto}, in bounded
 * memory (`maxSteps` distinct steps; later steps are refused). Replayed in ascending step order.
 */
export class StepTable {
  private readonly rows = new Map<number, { record: MetricRecord; owned: boolean }>();
  private readonly nameSet = new Set<string>();
  private order: number[] = [];
  private ordered = true;

  constructor(readonly maxSteps = 1_000_000) {}

  /** True once {@link maxSteps} distinct steps are held. */
  get full(): boolean {
    return this.rows.size >= this.maxSteps;
  }

  /** Number of distinct steps. */
  get size(): number {
    return this.rows.size;
  }

  /** Adds a record (kept by reference until another record of its step arrives); false when full. */
  add(record: MetricRecord): boolean {
    const row = this.rows.get(record.step);
    for (const name in record.metrics) this.nameSet.add(name);
    if (row === undefined) {
      if (this.full) return false;
      this.rows.set(record.step, { record, owned: false });
      const last = this.order[this.order.length - 1];
      if (last !== undefined && record.step < last) this.ordered = false;
      this.order.push(record.step);
      return true;
    }
    if (!row.owned) {
      row.record = { ...row.record, metrics: { ...row.record.metrics } };
      row.owned = true;
    }
    mergeRecordInto(row.record, record);
    return true;
  }

  /** Metric names seen, sorted. */
  names(): string[] {
    return [...this.nameSet].sort();
  }

  /** Whether some record held metric `name`. */
  has(name: string): boolean {
    return this.nameSet.has(name);
  }

  /** Distinct steps, ascending. */
  sortedSteps(): number[] {
    if (!this.ordered) {
      this.order.sort((a, b) => a - b);
      this.ordered = true;
    }
    return this.order;
  }

  /** One merged record per step, ascending. */
  *records(): Generator<MetricRecord> {
    for (const step of this.sortedSteps()) yield (this.rows.get(step) as { record: MetricRecord }).record;
  }
}
