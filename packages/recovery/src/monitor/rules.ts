import type { BreakerConfig, Rule } from "../config.js";
import { encodeNumber } from "../numbers.js";
import type { Decision } from "../state.js";
import { type RuleKind, type RuleState, ruleKindOf } from "./rule-kinds.js";
import { GAP_POLICIES, type StepContext, type TriggerCall, triggerOf, type WindowRings } from "./triggers.js";
import { NO_EVIDENCE } from "./types.js";
import type { MetricValues } from "./values.js";

// Breaker rules: a rule reads its metric, its kind judges the value, its trigger decides.

/**
 * One breaker rule bound to its slot, kind, trigger and current state: the per-rule lookups are
 * done once, not per step.
 * @internal
 */
export class BoundRule implements TriggerCall {
  readonly rule: Rule;
  readonly index: number;
  readonly rings: WindowRings;
  /** The rule's state in the monitor's current detector (re-pointed when the detector changes). */
  state: RuleState;
  private readonly slot: number;
  private readonly kind: RuleKind;
  private readonly trigger: ReturnType<typeof triggerOf>;
  /** Scratch for the evidence a kind adds (spikes). */
  private readonly evidence: { value: Record<string, unknown> | null } = { value: null };

  constructor(rule: Rule, index: number, slot: number, rings: WindowRings, state: RuleState) {
    this.rule = rule;
    this.index = index;
    this.rings = rings;
    this.state = state;
    this.slot = slot;
    this.kind = ruleKindOf(rule);
    this.trigger = triggerOf(rule);
  }

  /** The rule's decision at this step (sets `ctx.bad[index]` when it observed a value). */
  evaluate(config: BreakerConfig, values: MetricValues, ctx: StepContext): Decision | null {
    const { rule, kind, trigger, state } = this;
    const { step } = ctx;
    const raw = values.read(this.slot, step, rule.missing, rule.name);
    if (step < rule.warmupSteps) {
      if (kind.warmup !== undefined && raw !== undefined && Number.isFinite(raw))
        kind.warmup(rule, state, raw);
      return null;
    }
    let gapAdded = false;
    if (ctx.gap > 0 && ctx.previousStep !== null)
      gapAdded = GAP_POLICIES[rule.gap ?? config.steps.gap](this, ctx);
    if (raw === undefined) return gapAdded ? trigger.check(this, step, null, true, NO_EVIDENCE) : null;
    let bad = true;
    let evidence = NO_EVIDENCE;
    if (!Number.isFinite(raw)) {
      const policy = kind.nonFiniteIsBad ? "fail" : rule.nonFinite;
      if (policy === "ignore") return null;
      if (policy === "trip") {
        ctx.bad[this.index] = 1;
        return {
          action: rule.action,
          rule: rule.name,
          step,
          firstBadStep: step,
          reason: `${rule.metric} is ${String(raw)} at step ${step}`,
          evidence: { metric: rule.metric, kind: "nonfinite", value: encodeNumber(raw) },
        };
      }
    } else {
      this.evidence.value = null;
      bad = kind.judge(rule, state, raw, this.evidence);
      if (this.evidence.value !== null) evidence = this.evidence.value;
    }
    ctx.bad[this.index] = bad ? 1 : 0;
    return trigger.check(this, step, raw, bad, evidence);
  }
}
