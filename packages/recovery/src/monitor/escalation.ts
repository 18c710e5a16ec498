import type { BreakerConfig } from "../config.js";
import { fmt } from "../numbers.js";
import type { Decision, DetectorState, Ledger } from "../state.js";
import type { StepContext } from "./triggers.js";

// What happens once rules decided: the most severe decision wins, stops and rollbacks latch into
// the ledger (rollbacks escalate to a stop past `escalation.maxRollbacks`), and probation after a
// rollback watches the rule that tripped.

const SEVERITY: Record<Decision["action"], number> = { continue: 0, save: 1, stop: 2, rollback: 3 };
const LEDGER_TRIPS_MAX = 100;

/** The most severe of a step's decisions, with the others as `evidence.concurrent`. */
export function chooseDecision(decisions: readonly Decision[]): Decision {
  let chosen = decisions[0]!;
  for (const d of decisions) if (SEVERITY[d.action] > SEVERITY[chosen.action]) chosen = d;
  if (decisions.length > 1)
    chosen.evidence.concurrent = decisions
      .filter((d) => d !== chosen)
      .map((d) => ({ action: d.action, rule: d.rule, reason: d.reason }));
  return chosen;
}

/** Records a stop/rollback in the ledger (escalating a rollback over the cap) and latches it. */
export function latch(
  config: BreakerConfig,
  ledger: Ledger,
  detector: DetectorState,
  decision: Decision,
): Decision {
  let out = decision;
  let attempt = 0;
  if (decision.action === "rollback") {
    const { maxRollbacks } = config.escalation;
    attempt = ledger.rollbacks + 1;
    if (ledger.rollbacks >= maxRollbacks) {
      out = {
        ...decision,
        action: "stop",
        reason: `${decision.reason}; rollback cap reached (${ledger.rollbacks} of ${maxRollbacks} rollbacks used): aborting`,
        evidence: { ...decision.evidence, escalation: { attempt, maxRollbacks, exhausted: true } },
      };
    } else {
      ledger.rollbacks++;
      const firstBad = decision.firstBadStep ?? decision.step;
      const beforeStep =
        ledger.lastRollbackStep === null ? firstBad : Math.min(firstBad, ledger.lastRollbackStep);
      ledger.skipRanges.push([firstBad, decision.step]);
      out = {
        ...decision,
        evidence: {
          ...decision.evidence,
          escalation: { attempt, maxRollbacks, exhausted: false },
          resume: { beforeStep, skipRange: [firstBad, decision.step] },
        },
      };
    }
  }
  ledger.totalTrips++;
  ledger.trips.push({
    rule: out.rule ?? "(none)",
    action: out.action,
    step: out.step,
    firstBadStep: out.firstBadStep,
    attempt,
    rolledBackTo: null,
  });
  if (ledger.trips.length > LEDGER_TRIPS_MAX) ledger.trips.shift();
  detector.latched = out;
  return out;
}

/** Starts probation after a rollback to `toStep` (none when no rule tripped). */
export function startProbation(
  config: BreakerConfig,
  rule: string | null,
  toStep: number,
): DetectorState["probation"] {
  if (rule === null) return null;
  return {
    rule,
    fromStep: toStep + 1,
    remaining: config.probation.steps,
    counted: 0,
    failures: 0,
    firstFailStep: null,
  };
}

/**
 * One step of probation: counts whether the watched rule (or, when it is no breaker rule any
 * more, any rule) was bad; a rollback decision once more than `maxFailFraction` of the steps failed.
 */
export function evalProbation(
  config: BreakerConfig,
  ledger: Ledger,
  detector: DetectorState,
  ruleIndex: ReadonlyMap<string, number>,
  ctx: StepContext,
): Decision | null {
  const p = detector.probation;
  if (!p) return null;
  let bad: boolean | undefined;
  const index = ruleIndex.get(p.rule);
  if (index !== undefined) {
    const flag = ctx.bad[index]!;
    bad = flag === -1 ? undefined : flag === 1;
  } else {
    // Not a breaker rule (any more): any bad rule at this step counts, else any observed one.
    for (const flag of ctx.bad) if (flag === 1) bad = true;
    if (bad === undefined && ctx.bad.some((flag) => flag !== -1)) bad = false;
  }
  if (bad === undefined) return null;
  p.counted++;
  p.remaining--;
  if (bad) {
    p.failures++;
    p.firstFailStep ??= ctx.step;
  }
  const limit = config.probation.maxFailFraction * config.probation.steps;
  if (p.failures > limit) {
    detector.probation = null;
    ledger.probationsFailed++;
    return {
      action: "rollback",
      rule: p.rule,
      step: ctx.step,
      firstBadStep: p.firstFailStep ?? ctx.step,
      reason: `probation failed after rollback to step ${p.fromStep - 1}: ${p.failures} of ${p.counted} steps bad (more than ${fmt(100 * config.probation.maxFailFraction)}% of ${config.probation.steps})`,
      evidence: { probation: { ...p }, rule: p.rule },
    };
  }
  if (p.remaining === 0) {
    detector.probation = null;
    ledger.probationsPassed++;
  }
  return null;
}
