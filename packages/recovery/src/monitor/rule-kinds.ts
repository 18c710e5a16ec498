import type { Rule } from "../config.js";
import { encodeNumber, fmt, mad, median } from "../numbers.js";
import type { DetectorState } from "../state.js";

/** The state of one breaker rule (its trigger and, for spikes, the accepted history). */
export type RuleState = DetectorState["rules"][string];

/** What a kind of breaker rule knows: how it reads in a reason, and whether a finite value is bad. */
export interface RuleKind<R extends Rule = Rule> {
  /** The condition in words, e.g. `below 0.1` (used in reasons). */
  describe(rule: R): string;
  /**
   * Whether the finite value `x` is bad; may update the rule's state (spike history) and returns
   * the evidence to add to a decision through `evidence.value`.
   */
  judge(rule: R, state: RuleState, x: number, evidence: { value: Record<string, unknown> | null }): boolean;
  /** A finite value seen during warm-up (spikes learn their history from it). */
  warmup?(rule: R, state: RuleState, x: number): void;
  /** Non-finite values are this rule's bad values whatever `nonFinite` says. */
  readonly nonFiniteIsBad?: boolean;
}

type RuleKinds = { [K in Rule["kind"]]: RuleKind<Extract<Rule, { kind: K }>> };

/** Robust z-score of `x` against `history` (median/MAD; MAD 0 falls back to the mean absolute deviation). */
export function robustZ(x: number, history: readonly number[]): { z: number; median: number; mad: number } {
  const m = median(history);
  let scale = 1.4826 * mad(history, m);
  if (scale === 0) {
    let sum = 0;
    for (const v of history) sum += Math.abs(v - m);
    scale = 1.2533 * (sum / history.length);
  }
  const diff = x - m;
  const z =
    scale === 0
      ? diff === 0
        ? 0
        : diff > 0
          ? Number.POSITIVE_INFINITY
          : Number.NEGATIVE_INFINITY
      : diff / scale;
  return { z, median: m, mad: scale / 1.4826 };
}

/** Appends an accepted value (-0 as 0), keeping the last `max`. */
function pushHistory(history: number[], value: number, max: number): void {
  history.push(value === 0 ? 0 : value);
  while (history.length > max) history.shift();
}

const SPIKE_DIRECTIONS = {
  up: (z: number, threshold: number) => z > threshold,
  down: (z: number, threshold: number) => -z > threshold,
  both: (z: number, threshold: number) => Math.abs(z) > threshold,
} as const;

/** A registry entry with every field present (one object shape for all kinds: monomorphic loads). */
function kind<R extends Rule>(entry: RuleKind<R>): RuleKind<R> {
  return {
    describe: entry.describe,
    judge: entry.judge,
    warmup: entry.warmup,
    nonFiniteIsBad: entry.nonFiniteIsBad ?? false,
  };
}

/** The registry of breaker rule kinds (`rules[].kind`). */
const RULE_KINDS: RuleKinds = {
  zero: kind({ describe: (r) => `zero (|x| <= ${fmt(r.eps)})`, judge: (r, _s, x) => Math.abs(x) <= r.eps }),
  below: kind({ describe: (r) => `below ${fmt(r.threshold)}`, judge: (r, _s, x) => x < r.threshold }),
  above: kind({ describe: (r) => `above ${fmt(r.threshold)}`, judge: (r, _s, x) => x > r.threshold }),
  nonfinite: kind({ describe: () => "non-finite", judge: () => false, nonFiniteIsBad: true }),
  spike: kind({
    describe: (r) => `a spike (robust z > ${fmt(r.threshold)})`,
    judge(rule, state, x, evidence) {
      let bad = false;
      if (state.history.length >= rule.minObservations) {
        const z = robustZ(x, state.history);
        bad = SPIKE_DIRECTIONS[rule.direction](z.z, rule.threshold);
        evidence.value = {
          median: z.median,
          mad: z.mad,
          z: encodeNumber(z.z),
          threshold: rule.threshold,
          history: state.history.length,
        };
      }
      if (!bad) pushHistory(state.history, x, rule.window);
      return bad;
    },
    warmup: (rule, state, x) => pushHistory(state.history, x, rule.window),
  }),
};

/** The registry entry of a rule's kind. */
export function ruleKindOf(rule: Rule): RuleKind {
  return RULE_KINDS[rule.kind] as RuleKind;
}
