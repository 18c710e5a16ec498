import type { EarlyStoppingRule } from "../config.js";
import { decodeNumber, encodeNumber, fmt } from "../numbers.js";
import type { Decision, DetectorState } from "../state.js";
import type { MetricValues } from "./values.js";

// Early stopping, as the trainers decide it: Lightning's EarlyStopping callback and HF's
// EarlyStoppingCallback (`earlyStopping[].flavor`).

/** The state of one early-stopping rule. */
type EarlyStoppingState = DetectorState["earlyStopping"][string];

/** One check of a flavor: the current value and the best so far (±Infinity before the first). */
interface Check {
  es: EarlyStoppingRule;
  st: EarlyStoppingState;
  step: number;
  current: number;
  best: number;
  min: boolean;
}

function better(min: boolean, a: number, b: number): boolean {
  return min ? a < b : a > b;
}

function esStop(check: Check, code: string, reason: string, firstBadStep: number): Decision {
  const { es, st, step, current } = check;
  return {
    action: "stop",
    rule: es.name,
    step,
    firstBadStep,
    reason,
    evidence: {
      metric: es.metric,
      reasonCode: code,
      value: encodeNumber(current),
      best: st.best,
      bestStep: st.bestStep,
      wait: st.wait,
      patience: es.patience,
      flavor: es.flavor,
    },
  };
}

/** HF `EarlyStoppingCallback`: improvement must exceed `minDelta`; the best is tracked regardless. */
function hf(check: Check): Decision | null {
  const { es, st, step, current, best, min } = check;
  const improved = st.best === null || (better(min, current, best) && Math.abs(current - best) > es.minDelta);
  if (improved) {
    st.wait = 0;
    st.firstWaitStep = null;
  } else {
    st.wait++;
    st.firstWaitStep ??= step;
  }
  if (better(min, current, best)) {
    st.best = encodeNumber(current);
    st.bestStep = step;
  } else if (st.best === null) st.best = encodeNumber(best);
  if (st.wait < es.patience) return null;
  return esStop(
    check,
    "PATIENCE_EXHAUSTED",
    `${es.metric} did not improve by more than ${fmt(es.minDelta)} for ${st.wait} checks (patience ${es.patience}); best ${fmt(decodeNumber(st.best))}`,
    st.firstWaitStep ?? step,
  );
}

/** Lightning `EarlyStopping`: finite check, stopping and divergence thresholds, then patience. */
function lightning(check: Check): Decision | null {
  const { es, st, step, current, best, min } = check;
  if (es.checkFinite && !Number.isFinite(current))
    return esStop(
      check,
      "NON_FINITE_METRIC",
      `monitored metric ${es.metric} = ${fmt(current)} is not finite at step ${step}; previous best ${fmt(best)}`,
      step,
    );
  if (es.stoppingThreshold !== undefined && better(min, current, es.stoppingThreshold))
    return esStop(
      check,
      "STOPPING_THRESHOLD",
      `stopping threshold reached: ${es.metric} = ${fmt(current)} ${min ? "<" : ">"} ${fmt(es.stoppingThreshold)}`,
      step,
    );
  if (es.divergenceThreshold !== undefined && better(min, -current, -es.divergenceThreshold))
    return esStop(
      check,
      "DIVERGENCE_THRESHOLD",
      `divergence threshold reached: ${es.metric} = ${fmt(current)} ${min ? ">" : "<"} ${fmt(es.divergenceThreshold)}`,
      step,
    );
  const signedDelta = min ? -es.minDelta : es.minDelta;
  if (better(min, current - signedDelta, best)) {
    st.best = encodeNumber(current);
    st.bestStep = step;
    st.wait = 0;
    st.firstWaitStep = null;
    return null;
  }
  st.wait++;
  st.firstWaitStep ??= step;
  if (st.wait < es.patience) return null;
  return esStop(
    check,
    "PATIENCE_EXHAUSTED",
    `${es.metric} did not improve in the last ${st.wait} checks (patience ${es.patience}, minDelta ${fmt(es.minDelta)}); best ${fmt(best)} at step ${st.bestStep ?? "n/a"}`,
    st.firstWaitStep,
  );
}

/** The registry of early-stopping flavors. */
const EARLY_STOPPING_FLAVORS: Record<EarlyStoppingRule["flavor"], (check: Check) => Decision | null> = {
  hf,
  lightning,
};

const scratch: Check = {
  es: undefined as unknown as EarlyStoppingRule,
  st: undefined as unknown as EarlyStoppingState,
  step: 0,
  current: 0,
  best: 0,
  min: true,
};

/** One early-stopping rule's decision at `step` (after warm-up, when its metric has a value). */
export function evalEarlyStopping(
  es: EarlyStoppingRule,
  st: EarlyStoppingState,
  values: MetricValues,
  slot: number,
  step: number,
): Decision | null {
  if (step < es.warmupSteps) return null;
  const current = values.read(slot, step, es.missing, es.name);
  if (current === undefined) return null;
  st.checks++;
  const min = es.mode === "min";
  const best =
    st.best === null ? (min ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY) : decodeNumber(st.best);
  // One check object reused (observe is never re-entered): a quiet step allocates nothing.
  scratch.es = es;
  scratch.st = st;
  scratch.step = step;
  scratch.current = current;
  scratch.best = best;
  scratch.min = min;
  return EARLY_STOPPING_FLAVORS[es.flavor](scratch);
}
