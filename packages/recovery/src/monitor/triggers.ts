import type { Rule } from "../config.js";
import { encodeNumber, fmt } from "../numbers.js";
import type { Decision } from "../state.js";
import { type RuleState, ruleKindOf } from "./rule-kinds.js";

// Triggers: when bad observations of a rule become a decision (consecutive bad steps, or a bad
// fraction over a window of observations), and how a step gap counts.

/** Last values of a consecutive streak kept for evidence. */
const RECENT_MAX = 16;

/** The state of a rule's trigger. */
type TriggerState = RuleState["trigger"];

/** The step being evaluated (reused per step: observe is never re-entered). */
export interface StepContext {
  step: number;
  /** Steps skipped since the previous observed step (0 for the first one). */
  gap: number;
  previousStep: number | null;
  /** Per breaker rule (by index) at this step: 1 bad, 0 good, -1 not observed. */
  bad: Int8Array;
}

/**
 * Window triggers are rings once full: entry `head[i]` of rule i's `trigger.window` is the oldest.
 * Rotated back to oldest-first (head 0) before the state is copied or exported.
 * @internal
 */
export class WindowRings {
  readonly head: Int32Array;

  constructor(rules: number) {
    this.head = new Int32Array(rules);
  }

  /** Puts rule i's window back in oldest-first order. */
  normalize(i: number, window: TriggerState["window"]): void {
    const head = this.head[i]!;
    if (head === 0) return;
    window.push(...window.splice(0, head));
    this.head[i] = 0;
  }
}

/** One rule's trigger as the trigger kinds see it. */
export interface TriggerCall {
  readonly rule: Rule;
  /** The rule's index in `config.rules` (its ring in `rings`, its flag in `StepContext.bad`). */
  readonly index: number;
  readonly rings: WindowRings;
  /** The rule's state in the monitor's current detector. */
  readonly state: RuleState;
}

/** A kind of trigger (`consecutive` or `window`). */
interface TriggerKind {
  /** Counts the skipped steps of `ctx.gap` as failures (`steps.gap: gapCountsAsFailure`). */
  addGapFailures(call: TriggerCall, ctx: StepContext): void;
  /**
   * Adds the observation (`value` null: none at this step, only gap failures were added) and
   * returns the decision when the trigger fires.
   */
  check(
    call: TriggerCall,
    step: number,
    value: number | null,
    bad: boolean,
    extra: Record<string, unknown>,
  ): Decision | null;
}

function triggerEvidence(
  rule: Rule,
  value: number | null,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    metric: rule.metric,
    kind: rule.kind,
    value: value === null ? null : encodeNumber(value),
    ...extra,
  };
}

const consecutive: TriggerKind = {
  addGapFailures({ state: { trigger: trig } }, ctx) {
    trig.streak += ctx.gap;
    trig.firstBadStep ??= (ctx.previousStep ?? 0) + 1;
  },
  check({ rule, state: { trigger: trig } }, step, value, bad, extra) {
    const n = (rule.trigger as { consecutive: number }).consecutive;
    if (value !== null) {
      if (!bad) {
        if (trig.streak !== 0 || trig.firstBadStep !== null || trig.recent.length !== 0) {
          trig.streak = 0;
          trig.firstBadStep = null;
          trig.recent.length = 0;
        }
        return null;
      }
      trig.streak++;
      trig.firstBadStep ??= step;
      trig.recent.push(encodeNumber(value));
      if (trig.recent.length > RECENT_MAX) trig.recent.shift();
    }
    if (trig.streak < n) return null;
    const first = trig.firstBadStep ?? step;
    const condition = ruleKindOf(rule).describe(rule);
    return {
      action: rule.action,
      rule: rule.name,
      step,
      firstBadStep: first,
      reason:
        n === 1
          ? `${rule.metric} was ${condition} at step ${step} (value ${fmt(value)})`
          : `${rule.metric} was ${condition} for ${trig.streak} consecutive steps (${first}..${step})`,
      evidence: {
        ...triggerEvidence(rule, value, extra),
        trigger: { consecutive: n },
        streak: trig.streak,
        values: [...trig.recent],
      },
    };
  },
};

type WindowTrigger = { window: { size: number; fraction: number; minObservations?: number | undefined } };

const window: TriggerKind = {
  addGapFailures({ rule, index, state: { trigger: trig }, rings }, ctx) {
    const size = (rule.trigger as WindowTrigger).window.size;
    rings.normalize(index, trig.window);
    const from = Math.max((ctx.previousStep ?? 0) + 1, ctx.step - size);
    for (let s = from; s < ctx.step; s++) trig.window.push([s, 1]);
    while (trig.window.length > size) trig.window.shift();
  },
  check({ rule, index, state: { trigger: trig }, rings }, step, value, bad, extra) {
    const { size, fraction } = (rule.trigger as WindowTrigger).window;
    const minObservations = (rule.trigger as WindowTrigger).window.minObservations ?? size;
    const entries = trig.window;
    if (value !== null) {
      if (entries.length === size) {
        // Full: overwrite the oldest entry in place (entries are never shared: state copies are clones).
        const head = rings.head[index]!;
        const entry = entries[head]!;
        entry[0] = step;
        entry[1] = bad ? 1 : 0;
        rings.head[index] = head + 1 === size ? 0 : head + 1;
      } else {
        rings.normalize(index, entries);
        entries.push([step, bad ? 1 : 0]);
        while (entries.length > size) entries.shift();
      }
      if (!bad) return null;
    }
    const observed = entries.length;
    const head = rings.head[index]!;
    let badCount = 0;
    let firstBad: number | null = null;
    for (let i = 0; i < observed; i++) {
      const [s, b] = entries[(head + i) % observed]!;
      if (b === 1) {
        badCount++;
        firstBad ??= s;
      }
    }
    if (observed === 0 || observed < minObservations || badCount < fraction * observed) return null;
    return {
      action: rule.action,
      rule: rule.name,
      step,
      firstBadStep: firstBad ?? step,
      reason: `${rule.metric} was ${ruleKindOf(rule).describe(rule)} in ${badCount} of the last ${observed} observations (${fmt((100 * badCount) / observed)}% >= ${fmt(100 * fraction)}%)`,
      evidence: {
        ...triggerEvidence(rule, value, extra),
        trigger: { window: { size, fraction, minObservations } },
        bad: badCount,
        observed,
      },
    };
  },
};

/** The registry of trigger kinds. */
const TRIGGERS = { consecutive, window } as const;

/** The registry entry of a rule's trigger. */
export function triggerOf(rule: Rule): TriggerKind {
  return "consecutive" in rule.trigger ? TRIGGERS.consecutive : TRIGGERS.window;
}

/**
 * What a step gap does to a trigger (`steps.gap`, or the rule's `gap`); true when failures were
 * added for the skipped steps.
 */
export const GAP_POLICIES: Record<
  NonNullable<Rule["gap"]>,
  (call: TriggerCall, ctx: StepContext) => boolean
> = {
  breakStreak({ state: { trigger: trig } }) {
    trig.streak = 0;
    trig.firstBadStep = null;
    trig.recent = [];
    return false;
  },
  ignoreGap: () => false,
  gapCountsAsFailure(call, ctx) {
    triggerOf(call.rule).addGapFailures(call, ctx);
    return true;
  },
};
