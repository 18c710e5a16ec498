import type { BreakerConfig } from "../config.js";
import { RecoveryError } from "../errors.js";
import type { Decision, DetectorState, Ledger, MonitorState, MonitorStats } from "../state.js";
import { STATE_VERSION } from "../state.js";
import { evalEarlyStopping } from "./early-stopping.js";
import { chooseDecision, evalProbation, latch, startProbation } from "./escalation.js";
import { evalBest, evalGoal } from "./goals.js";
import { BoundRule } from "./rules.js";
import { adoptDetector, freshDetector, freshLedger, freshStats, parseMonitorState } from "./snapshot.js";
import { type StepContext, WindowRings } from "./triggers.js";
import { cont, type MetricRecord, type Monitor, type RestoreReport, type RollbackOptions } from "./types.js";
import { MetricValues, type SlotLayout, slotLayout } from "./values.js";

// The monitor: admits a step (latched, duplicate, out-of-order), evaluates rules, early stopping,
// goals, best and probation in that order, and keeps the detector, ledger and stats.

function append(list: Decision[] | null, decision: Decision): Decision[] {
  if (list === null) return [decision];
  list.push(decision);
  return list;
}

/** The shape checks of `metricRecordSchema` a record needs before it is observed (hot path: no zod parse). */
function validateRecord(record: MetricRecord): void {
  if (
    record === null ||
    typeof record !== "object" ||
    !Number.isInteger(record.step) ||
    record.step < 0 ||
    record.metrics === null ||
    typeof record.metrics !== "object"
  ) {
    throw new RecoveryError({
      code: "INVALID_RECORD",
      message: `a record needs a non-negative integer step and a metrics object, got step ${String((record as { step?: unknown } | null)?.step)}`,
    });
  }
}

/** The monitor made by `createMonitor`. @internal */
export class MonitorImpl implements Monitor {
  readonly config: BreakerConfig;
  private detector: DetectorState;
  private ledgerState: Ledger;
  private statsState: MonitorStats;
  /** Detector state before the last accepted step (only with `steps.duplicates: "last"`). */
  private previous: DetectorState | null = null;
  /** Reused per step (observe is never re-entered). */
  private readonly ctx: StepContext;
  private readonly ruleIndex: Map<string, number>;
  private readonly layout: SlotLayout;
  /** The metric values of the step being evaluated (the fast path sets them directly). */
  readonly values: MetricValues;
  private readonly rings: WindowRings;
  private readonly rules: BoundRule[];
  /** The detector the per-rule states below were taken from. */
  private bound: DetectorState | null = null;
  private esStates: DetectorState["earlyStopping"][string][] = [];
  private goalStates: DetectorState["goals"][string][] = [];
  private bestStates: DetectorState["best"][string][] = [];

  constructor(config: BreakerConfig) {
    this.config = config;
    this.detector = freshDetector(config);
    this.ledgerState = freshLedger();
    this.statsState = freshStats();
    this.ctx = { step: 0, gap: 0, previousStep: null, bad: new Int8Array(config.rules.length) };
    this.ruleIndex = new Map(config.rules.map((rule, i) => [rule.name, i]));
    this.layout = slotLayout(config);
    this.values = new MetricValues(config, this.layout.keys, this.statsState);
    this.rings = new WindowRings(config.rules.length);
    this.rules = config.rules.map(
      (rule, i) => new BoundRule(rule, i, this.layout.rules[i]!, this.rings, this.detector.rules[rule.name]!),
    );
  }

  /** The metrics the config reads, in slot order (the fast path's `SlotMonitor.slotKeys`). */
  get slotKeys(): readonly string[] {
    return this.values.keys;
  }

  /** Sets the value of metric `slotKeys[slot]` for the next {@link observeSlots} (undefined: missing). */
  setSlot(slot: number, value: unknown): void {
    this.values.set(slot, value);
  }

  /** Per-rule state of the current detector, looked up by name once per detector (not per step). */
  private bind(): void {
    const d = this.detector;
    if (d === this.bound) return;
    const { earlyStopping, goals, best } = this.config;
    for (const bound of this.rules) bound.state = d.rules[bound.rule.name]!;
    this.esStates = earlyStopping.map((r) => d.earlyStopping[r.name]!);
    this.goalStates = goals.map((r) => d.goals[r.name]!);
    this.bestStates = best.map((r) => d.best[r.name]!);
    this.rings.head.fill(0);
    this.bound = d;
  }

  /** The detector as its state schema describes it (every window oldest-first). */
  private normalized(): DetectorState {
    if (this.bound === this.detector)
      for (const bound of this.rules) this.rings.normalize(bound.index, bound.state.trigger.window);
    return this.detector;
  }

  private setStats(stats: MonitorStats): void {
    this.statsState = stats;
    this.values.stats = stats;
  }

  get tripped(): boolean {
    return this.detector.latched !== null;
  }

  ledger(): Ledger {
    return structuredClone(this.ledgerState);
  }

  stats(): MonitorStats {
    return { ...this.statsState };
  }

  snapshot(): MonitorState {
    return {
      format: "rlops.recovery.monitor",
      version: STATE_VERSION,
      config: structuredClone(this.config),
      detector: structuredClone(this.normalized()),
      undo: this.previous === null ? null : structuredClone(this.previous),
      ledger: structuredClone(this.ledgerState),
      stats: { ...this.statsState },
    };
  }

  restore(input: unknown): RestoreReport {
    const state = parseMonitorState(input);
    const { detector, report } = adoptDetector(this.config, state);
    this.detector = detector;
    this.ledgerState = state.ledger;
    this.setStats(state.stats);
    this.previous =
      state.undo === null || this.config.steps.duplicates !== "last"
        ? null
        : adoptDetector(this.config, { ...state, detector: state.undo }).detector;
    return report;
  }

  rollback(options: RollbackOptions): void {
    const { toStep } = options;
    if (!Number.isInteger(toStep) || toStep < 0)
      throw new RecoveryError({
        code: "INVALID_INPUT",
        message: `rollback: toStep must be a non-negative integer, got ${String(toStep)}`,
      });
    const trippedRule = this.detector.latched?.rule ?? this.ledgerState.trips.at(-1)?.rule ?? null;
    let detector: DetectorState;
    if (options.state !== undefined) {
      detector = adoptDetector(this.config, parseMonitorState(options.state)).detector;
      if (detector.lastStep !== null && detector.lastStep > toStep)
        throw new RecoveryError({
          code: "INVALID_STATE",
          message: `rollback: the snapshot is at step ${detector.lastStep}, after the rollback step ${toStep}`,
        });
      detector.latched = null;
    } else detector = freshDetector(this.config);
    detector.lastStep = toStep;
    detector.probation = startProbation(this.config, trippedRule, toStep);
    this.detector = detector;
    this.previous = null;
    this.ledgerState.lastRollbackStep = toStep;
    const last = this.ledgerState.trips.at(-1);
    if (last && last.rolledBackTo === null && last.action === "rollback") last.rolledBackTo = toStep;
  }

  observe(record: MetricRecord): Decision {
    return this.observeQuiet(record) ?? cont(record.step);
  }

  /** {@link observe}, but null instead of a plain `continue` ("ok") decision. */
  observeQuiet(record: MetricRecord): Decision | null {
    validateRecord(record);
    const early = this.admit(record.step);
    if (early !== null) return early;
    this.values.setAll(record.metrics);
    return this.evaluate(record.step, record.problem);
  }

  /**
   * {@link observeQuiet} of a record whose metric values were set in {@link values}: what
   * `observeQuiet({step, metrics, problem})` gives for a valid record (non-negative integer step)
   * whose `metrics` holds, as own properties, exactly the slots not set to undefined.
   */
  observeSlots(step: number, problem: string | undefined): Decision | null {
    return this.admit(step) ?? this.evaluate(step, problem);
  }

  /** Latched, duplicate and out-of-order steps: the decision to return, or null to evaluate the step. */
  private admit(step: number): Decision | null {
    if (this.detector.latched) return this.detector.latched;
    const { steps } = this.config;
    const lastStep = this.detector.lastStep;
    if (lastStep !== null && step <= lastStep) {
      if (step === lastStep) {
        this.statsState.duplicates++;
        if (steps.duplicates === "error")
          throw new RecoveryError({
            code: "OUT_OF_ORDER",
            message: `step ${step} seen twice (steps.duplicates is "error")`,
            details: { step },
          });
        if (steps.duplicates === "first" || this.previous === null)
          return cont(step, `duplicate step ${step} ignored (first record wins)`, { duplicate: true });
        this.detector = this.previous;
      } else {
        this.statsState.outOfOrder++;
        if (steps.outOfOrder === "error")
          throw new RecoveryError({
            code: "OUT_OF_ORDER",
            message: `step ${step} arrived after step ${lastStep} (steps.outOfOrder is "error")`,
            details: { step, lastStep },
          });
        if (steps.outOfOrder === "ignore")
          return cont(step, `out-of-order step ${step} ignored (last step ${lastStep})`, {
            outOfOrder: true,
          });
        this.statsState.rewinds++;
        const probation = this.detector.probation;
        this.detector = freshDetector(this.config);
        this.detector.probation = probation;
      }
    }
    if (steps.duplicates === "last") this.previous = structuredClone(this.normalized());
    return null;
  }

  private evaluate(step: number, problem: string | undefined): Decision | null {
    this.bind();
    const previousStep = this.detector.lastStep;
    const gap = previousStep === null ? 0 : Math.max(0, step - previousStep - 1);
    if (gap > 0) this.statsState.gaps++;
    const ctx = this.ctx;
    ctx.step = step;
    ctx.gap = gap;
    ctx.previousStep = previousStep;
    const bad = ctx.bad;
    for (let i = 0; i < bad.length; i++) bad[i] = -1;
    const { config, values, layout } = this;
    let decisions: Decision[] | null = null;
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      const d = rules[i]!.evaluate(config, values, ctx);
      if (d) decisions = append(decisions, d);
    }
    const { earlyStopping, goals, best } = config;
    for (let i = 0; i < earlyStopping.length; i++) {
      const d = evalEarlyStopping(
        earlyStopping[i]!,
        this.esStates[i]!,
        values,
        layout.earlyStopping[i]!,
        step,
      );
      if (d) decisions = append(decisions, d);
    }
    for (let i = 0; i < goals.length; i++) {
      const d = evalGoal(
        goals[i]!,
        this.goalStates[i]!,
        values,
        layout.goals[i]!,
        step,
        problem,
        this.statsState,
      );
      if (d) decisions = append(decisions, d);
    }
    for (let i = 0; i < best.length; i++) {
      const d = evalBest(best[i]!, this.bestStates[i]!, values, layout.best[i]!, step);
      if (d) decisions = append(decisions, d);
    }
    this.detector.lastStep = step;
    this.statsState.observed++;
    const probation = evalProbation(config, this.ledgerState, this.detector, this.ruleIndex, ctx);
    if (probation) decisions = append(decisions, probation);
    if (decisions === null) return null;
    const chosen = chooseDecision(decisions);
    if (chosen.action === "rollback" || chosen.action === "stop")
      return latch(config, this.ledgerState, this.detector, chosen);
    return chosen;
  }
}
