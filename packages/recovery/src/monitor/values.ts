import type { BreakerConfig } from "../config.js";
import { RecoveryError } from "../errors.js";
import type { MonitorStats } from "../state.js";

// The metric values of the step being evaluated, one slot per metric the config reads: the
// record's value of each metric is read once per step into its slot, the rules read the slots.
// @internal (the monitor's fast path).

const SLOT_MISSING = 0;
const SLOT_NUMBER = 1;
const SLOT_NULL = 2;
const SLOT_OTHER = 3;

/** Which slot each rule of each group reads, and the metric of each slot (first use first). */
export interface SlotLayout {
  keys: readonly string[];
  rules: readonly number[];
  earlyStopping: readonly number[];
  goals: readonly number[];
  best: readonly number[];
}

/** Every metric the config reads, once (rules, early stopping, goals, best; first use first). */
export function slotLayout(config: BreakerConfig): SlotLayout {
  const keys: string[] = [];
  const slotOf = new Map<string, number>();
  const slot = (rule: { metric: string }) => {
    let s = slotOf.get(rule.metric);
    if (s === undefined) {
      s = keys.length;
      keys.push(rule.metric);
      slotOf.set(rule.metric, s);
    }
    return s;
  };
  const rules = config.rules.map(slot);
  const earlyStopping = config.earlyStopping.map(slot);
  const goals = config.goals.map(slot);
  const best = config.best.map(slot);
  return { keys, rules, earlyStopping, goals, best };
}

/**
 * The slot values of one step, read by the rules with the config's missing and null policies.
 * @internal
 */
export class MetricValues {
  readonly keys: readonly string[];
  /** The counters `missing` is added to (the monitor's, replaced on restore). */
  stats: MonitorStats;
  private readonly config: BreakerConfig;
  private readonly kind: Int8Array;
  private readonly number: Float64Array;
  private readonly other: unknown[];

  constructor(config: BreakerConfig, keys: readonly string[], stats: MonitorStats) {
    this.config = config;
    this.keys = keys;
    this.stats = stats;
    this.kind = new Int8Array(keys.length);
    this.number = new Float64Array(keys.length);
    this.other = keys.map(() => undefined);
  }

  /** Sets the value of metric `keys[slot]` (undefined: missing). */
  set(slot: number, value: unknown): void {
    if (typeof value === "number") {
      this.kind[slot] = SLOT_NUMBER;
      this.number[slot] = value;
    } else if (value === undefined) this.kind[slot] = SLOT_MISSING;
    else if (value === null) this.kind[slot] = SLOT_NULL;
    else {
      this.kind[slot] = SLOT_OTHER;
      this.other[slot] = value;
    }
  }

  /** Sets every slot from a record's metrics (own properties only). */
  setAll(metrics: Record<string, unknown>): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      this.set(i, Object.hasOwn(metrics, key) ? metrics[key] : undefined);
    }
  }

  /**
   * The value of slot `slot` at `step` (the record's `metrics[metric]`), undefined when missing
   * (counted, or `MISSING_METRIC` under the "error" policy).
   */
  read(
    slot: number,
    step: number,
    missingPolicy: "skip" | "error" | undefined,
    ruleName: string,
  ): number | undefined {
    const kind = this.kind[slot];
    if (kind === SLOT_NUMBER) return this.number[slot]!;
    // Anything else a caller put in `metrics` is passed on as it is (and is not finite).
    if (kind === SLOT_OTHER) return this.other[slot] as number;
    if (kind === SLOT_NULL && this.config.nullValues === "nan") return Number.NaN;
    const metric = this.keys[slot]!;
    const policy = missingPolicy ?? this.config.missing;
    if (policy === "error")
      throw new RecoveryError({
        code: "MISSING_METRIC",
        message: `step ${step}: metric "${metric}" is missing (rule "${ruleName}" has missing: "error")`,
        details: { step, metric, rule: ruleName },
      });
    this.stats.missing++;
    return undefined;
  }
}
