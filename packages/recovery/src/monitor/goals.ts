import type { BestRule, GoalRule } from "../config.js";
import { fmt } from "../numbers.js";
import type { Decision, DetectorState, MonitorStats } from "../state.js";
import type { MetricValues } from "./values.js";

// Goals (stop once enough perfect solutions were seen) and best-value saves.

/** A goal's decision at `step`: `stop` once `count` perfect steps (or distinct problems) were seen. */
export function evalGoal(
  goal: GoalRule,
  st: DetectorState["goals"][string],
  values: MetricValues,
  slot: number,
  step: number,
  problem: string | undefined,
  stats: MonitorStats,
): Decision | null {
  const value = values.read(slot, step, "skip", goal.name);
  if (value === undefined || !Number.isFinite(value) || value <= 0) return null;
  if (goal.distinct) {
    if (problem === undefined) {
      stats.missing++;
      return null;
    }
    if (!st.solved.some((s) => s.problem === problem)) st.solved.push({ problem, step });
  }
  st.perfectSteps++;
  const count = goal.distinct ? st.solved.length : st.perfectSteps;
  if (count < goal.count) return null;
  return {
    action: "stop",
    rule: goal.name,
    step,
    firstBadStep: null,
    reason: goal.distinct
      ? `goal reached: ${count} perfect solutions across distinct problems (${st.solved.map((s) => `${s.problem}@${s.step}`).join(", ")})`
      : `goal reached: ${count} perfect solutions`,
    evidence: { metric: goal.metric, count, solved: structuredClone(st.solved), goal: "perfect" },
  };
}

/** A best rule's decision at `step`: `save` when the metric improved on its best by more than `minDelta`. */
export function evalBest(
  rule: BestRule,
  st: DetectorState["best"][string],
  values: MetricValues,
  slot: number,
  step: number,
): Decision | null {
  const value = values.read(slot, step, "skip", rule.name);
  if (value === undefined || !Number.isFinite(value)) return null;
  const max = rule.mode === "max";
  const improved =
    st.best === null || (max ? value - rule.minDelta > st.best : value + rule.minDelta < st.best);
  if (!improved) return null;
  const previous = st.best;
  const previousStep = st.bestStep;
  st.best = value === 0 ? 0 : value;
  st.bestStep = step;
  return {
    action: "save",
    rule: rule.name,
    step,
    firstBadStep: null,
    reason:
      previous === null
        ? `${rule.metric} = ${fmt(value)}: first value, saving as best`
        : `${rule.metric} improved to ${fmt(value)} (previous best ${fmt(previous)} at step ${previousStep})`,
    evidence: { metric: rule.metric, value, previous, previousStep },
  };
}
