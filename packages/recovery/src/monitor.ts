import {
  type BestRule,
  type BreakerConfig,
  type BreakerConfigInput,
  type EarlyStoppingRule,
  type GoalRule,
  loadBreakerConfig,
  type Rule,
} from "./config.js";
import { RecoveryError } from "./errors.js";
import { decodeNumber, encodeNumber, fmt, mad, median } from "./numbers.js";
import {
  type Decision,
  type DetectorState,
  type Ledger,
  type MonitorState,
  type MonitorStats,
  monitorStateSchema,
  STATE_VERSION,
} from "./state.js";

/** One step of metrics. `null` values are read per `config.nullValues`. */
export interface MetricRecord {
  /** Training step (non-negative integer). */
  step: number;
  /** Metric values by key. */
  metrics: Record<string, number | null>;
  /** Problem id (ARC task) for goal rules counting distinct problems. */
  problem?: string | undefined;
}

/** One changed config entry between a saved state and the current config. */
export interface ConfigChange {
  /** Path such as `rules[0].trigger.consecutive` (rules are addressed by name: `rules.collapse.eps`). */
  path: string;
  before: unknown;
  after: unknown;
}

/** What `restore` reports: config changes (the current config is kept) and rules whose state was reset. */
export interface RestoreReport {
  configDiff: ConfigChange[];
  resetRules: string[];
}

/** Options of {@link Monitor.rollback}. */
export interface RollbackOptions {
  /** Step of the checkpoint the run resumes from. */
  toStep: number;
  /** Snapshot taken when that checkpoint was saved: its detector layer is restored (the ledger is kept). */
  state?: unknown;
}

/** A step-driven breaker / early-stopping monitor. */
export interface Monitor {
  /** The normalized config in use. */
  readonly config: BreakerConfig;
  /** Feeds one record; returns the decision for it (the latched decision once tripped). */
  observe(record: MetricRecord): Decision;
  /** Versioned JSON-safe state (detector layer + ledger + stats). */
  snapshot(): MonitorState;
  /** Replaces the state with a saved one (validated); reports config drift, never applies it silently. */
  restore(state: unknown): RestoreReport;
  /** After a rollback decision: rewinds the detectors to `toStep`, keeps the ledger, starts probation. */
  rollback(options: RollbackOptions): void;
  /** The run-level trip ledger. */
  ledger(): Ledger;
  /** Counters of duplicates, gaps, out-of-order and missing values. */
  stats(): MonitorStats;
  /** True once a stop/rollback decision latched. */
  readonly tripped: boolean;
}

const SEVERITY: Record<Decision["action"], number> = { continue: 0, save: 1, stop: 2, rollback: 3 };
const RECENT_MAX = 16;
const LEDGER_TRIPS_MAX = 100;

function freshDetector(config: BreakerConfig): DetectorState {
  const detector: DetectorState = {
    lastStep: null,
    rules: {},
    earlyStopping: {},
    goals: {},
    best: {},
    latched: null,
    probation: null,
  };
  for (const rule of config.rules) detector.rules[rule.name] = freshRuleState();
  for (const es of config.earlyStopping)
    detector.earlyStopping[es.name] = { best: null, bestStep: null, wait: 0, firstWaitStep: null, checks: 0 };
  for (const goal of config.goals) detector.goals[goal.name] = { solved: [], perfectSteps: 0 };
  for (const best of config.best) detector.best[best.name] = { best: null, bestStep: null };
  return detector;
}

function freshRuleState(): DetectorState["rules"][string] {
  return { trigger: { streak: 0, firstBadStep: null, recent: [], window: [] }, history: [] };
}

function freshLedger(): Ledger {
  return {
    trips: [],
    totalTrips: 0,
    rollbacks: 0,
    lastRollbackStep: null,
    skipRanges: [],
    probationsPassed: 0,
    probationsFailed: 0,
  };
}

function freshStats(): MonitorStats {
  return { observed: 0, duplicates: 0, outOfOrder: 0, rewinds: 0, gaps: 0, missing: 0 };
}

function cont(step: number, reason = "ok", evidence: Record<string, unknown> = {}): Decision {
  return { action: "continue", rule: null, step, firstBadStep: null, reason, evidence };
}

function describeRule(rule: Rule): string {
  switch (rule.kind) {
    case "zero":
      return `zero (|x| <= ${fmt(rule.eps)})`;
    case "below":
      return `below ${fmt(rule.threshold)}`;
    case "above":
      return `above ${fmt(rule.threshold)}`;
    case "nonfinite":
      return "non-finite";
    case "spike":
      return `a spike (robust z > ${fmt(rule.threshold)})`;
  }
}

function simpleBad(rule: Rule, x: number): boolean {
  switch (rule.kind) {
    case "zero":
      return Math.abs(x) <= rule.eps;
    case "below":
      return x < rule.threshold;
    case "above":
      return x > rule.threshold;
    default:
      return false;
  }
}

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

interface StepContext {
  step: number;
  gap: number;
  previousStep: number | null;
  /** Per breaker rule (by index) at this step: 1 bad, 0 good, -1 not observed. */
  bad: Int8Array;
}

type RuleState = DetectorState["rules"][string];

/** What a metric slot holds for the current step (see MonitorImpl.setSlot). */
const SLOT_MISSING = 0;
const SLOT_NUMBER = 1;
const SLOT_NULL = 2;
const SLOT_OTHER = 3;

/** Evidence of rules that add none (spread into decisions, never mutated). */
const NO_EVIDENCE: Record<string, unknown> = Object.freeze({});

class MonitorImpl implements Monitor {
  readonly config: BreakerConfig;
  private detector: DetectorState;
  private ledgerState: Ledger;
  private statsState: MonitorStats;
  /** Detector state before the last accepted step (only with `steps.duplicates: "last"`). */
  private previous: DetectorState | null = null;
  /** Reused per step (observe is never re-entered). */
  private readonly ctx: StepContext;
  private readonly ruleIndex: Map<string, number>;
  /** The detector the per-rule state arrays below were taken from. */
  private bound: DetectorState | null = null;
  private ruleStates: RuleState[] = [];
  private esStates: DetectorState["earlyStopping"][string][] = [];
  private goalStates: DetectorState["goals"][string][] = [];
  private bestStates: DetectorState["best"][string][] = [];
  /**
   * Window triggers are rings once full: entry `windowHead[i]` of rule i's `trigger.window` is the
   * oldest. Rotated back to oldest-first (head 0) before the detector is copied or exported.
   */
  private readonly windowHead: Int32Array;
  /**
   * Every metric the config reads, once (rules, early stopping, goals, best; first use first): the
   * record's value of each is read once per step into its slot, the rules read the slots.
   */
  readonly slotKeys: readonly string[];
  private readonly ruleSlots: number[];
  private readonly esSlots: number[];
  private readonly goalSlots: number[];
  private readonly bestSlots: number[];
  private readonly slotKind: Int8Array;
  private readonly slotNumber: Float64Array;
  private readonly slotOther: unknown[];

  constructor(config: BreakerConfig) {
    this.config = config;
    this.detector = freshDetector(config);
    this.ledgerState = freshLedger();
    this.statsState = freshStats();
    this.ctx = { step: 0, gap: 0, previousStep: null, bad: new Int8Array(config.rules.length) };
    this.ruleIndex = new Map(config.rules.map((rule, i) => [rule.name, i]));
    this.windowHead = new Int32Array(config.rules.length);
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
    this.ruleSlots = config.rules.map(slot);
    this.esSlots = config.earlyStopping.map(slot);
    this.goalSlots = config.goals.map(slot);
    this.bestSlots = config.best.map(slot);
    this.slotKeys = keys;
    this.slotKind = new Int8Array(keys.length);
    this.slotNumber = new Float64Array(keys.length);
    this.slotOther = keys.map(() => undefined);
  }

  /** Sets the value of metric `slotKeys[slot]` for the next {@link observeSlots} (undefined: missing). */
  setSlot(slot: number, value: unknown): void {
    if (typeof value === "number") {
      this.slotKind[slot] = SLOT_NUMBER;
      this.slotNumber[slot] = value;
    } else if (value === undefined) this.slotKind[slot] = SLOT_MISSING;
    else if (value === null) this.slotKind[slot] = SLOT_NULL;
    else {
      this.slotKind[slot] = SLOT_OTHER;
      this.slotOther[slot] = value;
    }
  }

  /** Per-rule state of the current detector, looked up by name once per detector (not per step). */
  private bind(): void {
    const d = this.detector;
    if (d === this.bound) return;
    const { rules, earlyStopping, goals, best } = this.config;
    this.ruleStates = rules.map((r) => d.rules[r.name]!);
    this.esStates = earlyStopping.map((r) => d.earlyStopping[r.name]!);
    this.goalStates = goals.map((r) => d.goals[r.name]!);
    this.bestStates = best.map((r) => d.best[r.name]!);
    this.windowHead.fill(0);
    this.bound = d;
  }

  /** Puts rule i's window back in oldest-first order. */
  private normalizeWindow(i: number): void {
    const head = this.windowHead[i]!;
    if (head === 0) return;
    const window = this.ruleStates[i]!.trigger.window;
    window.push(...window.splice(0, head));
    this.windowHead[i] = 0;
  }

  /** The detector as its state schema describes it (every window oldest-first). */
  private normalized(): DetectorState {
    if (this.bound === this.detector)
      for (let i = 0; i < this.windowHead.length; i++) this.normalizeWindow(i);
    return this.detector;
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
    this.statsState = state.stats;
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
      const saved = parseMonitorState(options.state);
      detector = adoptDetector(this.config, saved).detector;
      if (detector.lastStep !== null && detector.lastStep > toStep)
        throw new RecoveryError({
          code: "INVALID_STATE",
          message: `rollback: the snapshot is at step ${detector.lastStep}, after the rollback step ${toStep}`,
        });
      detector.latched = null;
    } else {
      detector = freshDetector(this.config);
    }
    detector.lastStep = toStep;
    detector.probation =
      trippedRule === null
        ? null
        : {
            rule: trippedRule,
            fromStep: toStep + 1,
            remaining: this.config.probation.steps,
            counted: 0,
            failures: 0,
            firstFailStep: null,
          };
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
    const { metrics } = record;
    const keys = this.slotKeys;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      this.setSlot(i, Object.hasOwn(metrics, key) ? metrics[key] : undefined);
    }
    return this.evaluate(record.step, record.problem);
  }

  /**
   * {@link observeQuiet} of a record whose metric values were set with {@link setSlot}: what
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
    const { rules, earlyStopping, goals, best } = this.config;
    let decisions: Decision[] | null = null;
    for (let i = 0; i < rules.length; i++) {
      const d = this.evalRule(rules[i]!, i, ctx);
      if (d) decisions = append(decisions, d);
    }
    for (let i = 0; i < earlyStopping.length; i++) {
      const d = this.evalEarlyStopping(earlyStopping[i]!, this.esStates[i]!, this.esSlots[i]!, step);
      if (d) decisions = append(decisions, d);
    }
    for (let i = 0; i < goals.length; i++) {
      const d = this.evalGoal(goals[i]!, this.goalStates[i]!, this.goalSlots[i]!, step, problem);
      if (d) decisions = append(decisions, d);
    }
    for (let i = 0; i < best.length; i++) {
      const d = this.evalBest(best[i]!, this.bestStates[i]!, this.bestSlots[i]!, step);
      if (d) decisions = append(decisions, d);
    }
    this.detector.lastStep = step;
    this.statsState.observed++;
    const probationDecision = this.evalProbation(ctx);
    if (probationDecision) decisions = append(decisions, probationDecision);
    if (decisions === null) return null;
    let chosen = decisions[0]!;
    for (const d of decisions) if (SEVERITY[d.action] > SEVERITY[chosen.action]) chosen = d;
    if (decisions.length > 1)
      chosen.evidence.concurrent = decisions
        .filter((d) => d !== chosen)
        .map((d) => ({ action: d.action, rule: d.rule, reason: d.reason }));
    if (chosen.action === "rollback" || chosen.action === "stop") chosen = this.latch(chosen);
    return chosen;
  }

  private latch(decision: Decision): Decision {
    let out = decision;
    const ledger = this.ledgerState;
    let attempt = 0;
    if (decision.action === "rollback") {
      const { maxRollbacks } = this.config.escalation;
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
    this.detector.latched = out;
    return out;
  }

  /** The value of a metric slot at `step` (the record's `metrics[metric]`), undefined when missing. */
  private readValue(
    slot: number,
    step: number,
    missingPolicy: "skip" | "error" | undefined,
    ruleName: string,
  ): number | undefined {
    const kind = this.slotKind[slot];
    if (kind === SLOT_NUMBER) return this.slotNumber[slot]!;
    // Anything else a caller put in `metrics` is passed on as it is (and is not finite).
    if (kind === SLOT_OTHER) return this.slotOther[slot] as number;
    const raw = kind === SLOT_NULL && this.config.nullValues === "nan" ? Number.NaN : undefined;
    if (raw === undefined) {
      const metric = this.slotKeys[slot]!;
      const policy = missingPolicy ?? this.config.missing;
      if (policy === "error")
        throw new RecoveryError({
          code: "MISSING_METRIC",
          message: `step ${step}: metric "${metric}" is missing (rule "${ruleName}" has missing: "error")`,
          details: { step, metric, rule: ruleName },
        });
      this.statsState.missing++;
      return undefined;
    }
    return raw;
  }

  private evalRule(rule: Rule, index: number, ctx: StepContext): Decision | null {
    const { step } = ctx;
    const state = this.ruleStates[index]!;
    const raw = this.readValue(this.ruleSlots[index]!, step, rule.missing, rule.name);
    if (step < rule.warmupSteps) {
      if (rule.kind === "spike" && raw !== undefined && Number.isFinite(raw))
        pushHistory(state.history, raw, rule.window);
      return null;
    }
    const trig = state.trigger;
    const gapPolicy = rule.gap ?? this.config.steps.gap;
    let gapAdded = false;
    if (ctx.gap > 0 && ctx.previousStep !== null) {
      if (gapPolicy === "breakStreak") {
        trig.streak = 0;
        trig.firstBadStep = null;
        trig.recent = [];
      } else if (gapPolicy === "gapCountsAsFailure") {
        gapAdded = true;
        const first = ctx.previousStep + 1;
        if ("consecutive" in rule.trigger) {
          trig.streak += ctx.gap;
          trig.firstBadStep ??= first;
        } else {
          const size = rule.trigger.window.size;
          this.normalizeWindow(index);
          const from = Math.max(first, step - size);
          for (let s = from; s < step; s++) trig.window.push([s, 1]);
          while (trig.window.length > size) trig.window.shift();
        }
      }
    }
    if (raw === undefined)
      return gapAdded ? this.checkTrigger(rule, index, trig, step, null, true, NO_EVIDENCE) : null;
    let bad: boolean;
    let evidence = NO_EVIDENCE;
    if (!Number.isFinite(raw)) {
      if (rule.kind === "nonfinite") bad = true;
      else if (rule.nonFinite === "ignore") return null;
      else if (rule.nonFinite === "trip") {
        ctx.bad[index] = 1;
        return {
          action: rule.action,
          rule: rule.name,
          step,
          firstBadStep: step,
          reason: `${rule.metric} is ${String(raw)} at step ${step}`,
          evidence: { metric: rule.metric, kind: "nonfinite", value: encodeNumber(raw) },
        };
      } else bad = true;
    } else if (rule.kind === "spike") {
      if (state.history.length >= rule.minObservations) {
        const z = robustZ(raw, state.history);
        bad =
          rule.direction === "up"
            ? z.z > rule.threshold
            : rule.direction === "down"
              ? -z.z > rule.threshold
              : Math.abs(z.z) > rule.threshold;
        evidence = {
          median: z.median,
          mad: z.mad,
          z: encodeNumber(z.z),
          threshold: rule.threshold,
          history: state.history.length,
        };
      } else bad = false;
      if (!bad) pushHistory(state.history, raw, rule.window);
    } else {
      bad = simpleBad(rule, raw);
    }
    ctx.bad[index] = bad ? 1 : 0;
    return this.checkTrigger(rule, index, trig, step, raw, bad, evidence);
  }

  private checkTrigger(
    rule: Rule,
    index: number,
    trig: RuleState["trigger"],
    step: number,
    value: number | null,
    bad: boolean,
    extra: Record<string, unknown>,
  ): Decision | null {
    // value null: no observation at this step, only gap failures were added.
    if ("consecutive" in rule.trigger) {
      const n = rule.trigger.consecutive;
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
      return {
        action: rule.action,
        rule: rule.name,
        step,
        firstBadStep: first,
        reason:
          n === 1
            ? `${rule.metric} was ${describeRule(rule)} at step ${step} (value ${fmt(value)})`
            : `${rule.metric} was ${describeRule(rule)} for ${trig.streak} consecutive steps (${first}..${step})`,
        evidence: {
          ...triggerEvidence(rule, value, extra),
          trigger: { consecutive: n },
          streak: trig.streak,
          values: [...trig.recent],
        },
      };
    }
    const { size, fraction } = rule.trigger.window;
    const minObservations = rule.trigger.window.minObservations ?? size;
    const window = trig.window;
    if (value !== null) {
      if (window.length === size) {
        // Full: overwrite the oldest entry in place (entries are never shared: state copies are clones).
        const head = this.windowHead[index]!;
        const entry = window[head]!;
        entry[0] = step;
        entry[1] = bad ? 1 : 0;
        this.windowHead[index] = head + 1 === size ? 0 : head + 1;
      } else {
        this.normalizeWindow(index);
        window.push([step, bad ? 1 : 0]);
        while (window.length > size) window.shift();
      }
      if (!bad) return null;
    }
    const observed = window.length;
    const head = this.windowHead[index]!;
    let badCount = 0;
    let firstBad: number | null = null;
    for (let i = 0; i < observed; i++) {
      const [s, b] = window[(head + i) % observed]!;
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
      reason: `${rule.metric} was ${describeRule(rule)} in ${badCount} of the last ${observed} observations (${fmt((100 * badCount) / observed)}% >= ${fmt(100 * fraction)}%)`,
      evidence: {
        ...triggerEvidence(rule, value, extra),
        trigger: { window: { size, fraction, minObservations } },
        bad: badCount,
        observed,
      },
    };
  }

  private evalEarlyStopping(
    es: EarlyStoppingRule,
    st: DetectorState["earlyStopping"][string],
    slot: number,
    step: number,
  ): Decision | null {
    if (step < es.warmupSteps) return null;
    const current = this.readValue(slot, step, es.missing, es.name);
    if (current === undefined) return null;
    st.checks++;
    const min = es.mode === "min";
    const opSym = min ? "<" : ">";
    const best =
      st.best === null ? (min ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY) : decodeNumber(st.best);
    if (es.flavor === "hf") {
      const improved =
        st.best === null || (better(min, current, best) && Math.abs(current - best) > es.minDelta);
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
      if (st.wait >= es.patience)
        return esStop(
          es,
          st,
          step,
          current,
          "PATIENCE_EXHAUSTED",
          `${es.metric} did not improve by more than ${fmt(es.minDelta)} for ${st.wait} checks (patience ${es.patience}); best ${fmt(decodeNumber(st.best))}`,
          st.firstWaitStep ?? step,
        );
      return null;
    }
    if (es.checkFinite && !Number.isFinite(current))
      return esStop(
        es,
        st,
        step,
        current,
        "NON_FINITE_METRIC",
        `monitored metric ${es.metric} = ${fmt(current)} is not finite at step ${step}; previous best ${fmt(best)}`,
        step,
      );
    if (es.stoppingThreshold !== undefined && better(min, current, es.stoppingThreshold))
      return esStop(
        es,
        st,
        step,
        current,
        "STOPPING_THRESHOLD",
        `stopping threshold reached: ${es.metric} = ${fmt(current)} ${opSym} ${fmt(es.stoppingThreshold)}`,
        step,
      );
    if (es.divergenceThreshold !== undefined && better(min, -current, -es.divergenceThreshold))
      return esStop(
        es,
        st,
        step,
        current,
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
    if (st.wait >= es.patience)
      return esStop(
        es,
        st,
        step,
        current,
        "PATIENCE_EXHAUSTED",
        `${es.metric} did not improve in the last ${st.wait} checks (patience ${es.patience}, minDelta ${fmt(es.minDelta)}); best ${fmt(best)} at step ${st.bestStep ?? "n/a"}`,
        st.firstWaitStep,
      );
    return null;
  }

  private evalGoal(
    goal: GoalRule,
    st: DetectorState["goals"][string],
    slot: number,
    step: number,
    problem: string | undefined,
  ): Decision | null {
    const value = this.readValue(slot, step, "skip", goal.name);
    if (value === undefined || !Number.isFinite(value) || value <= 0) return null;
    if (goal.distinct) {
      if (problem === undefined) {
        this.statsState.missing++;
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

  private evalBest(
    rule: BestRule,
    st: DetectorState["best"][string],
    slot: number,
    step: number,
  ): Decision | null {
    const value = this.readValue(slot, step, "skip", rule.name);
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

  private evalProbation(ctx: StepContext): Decision | null {
    const p = this.detector.probation;
    if (!p) return null;
    let bad: boolean | undefined;
    const index = this.ruleIndex.get(p.rule);
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
    const limit = this.config.probation.maxFailFraction * this.config.probation.steps;
    if (p.failures > limit) {
      this.detector.probation = null;
      this.ledgerState.probationsFailed++;
      return {
        action: "rollback",
        rule: p.rule,
        step: ctx.step,
        firstBadStep: p.firstFailStep ?? ctx.step,
        reason: `probation failed after rollback to step ${p.fromStep - 1}: ${p.failures} of ${p.counted} steps bad (more than ${fmt(100 * this.config.probation.maxFailFraction)}% of ${this.config.probation.steps})`,
        evidence: { probation: { ...p }, rule: p.rule },
      };
    }
    if (p.remaining === 0) {
      this.detector.probation = null;
      this.ledgerState.probationsPassed++;
    }
    return null;
  }
}

function append(list: Decision[] | null, decision: Decision): Decision[] {
  if (list === null) return [decision];
  list.push(decision);
  return list;
}

function better(min: boolean, a: number, b: number): boolean {
  return min ? a < b : a > b;
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

function esStop(
  es: EarlyStoppingRule,
  st: DetectorState["earlyStopping"][string],
  step: number,
  current: number,
  code: string,
  reason: string,
  firstBadStep: number,
): Decision {
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

function pushHistory(history: number[], value: number, max: number): void {
  history.push(value === 0 ? 0 : value);
  while (history.length > max) history.shift();
}

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

/** Validates a monitor snapshot (`INVALID_STATE` on a wrong format or version). */
export function parseMonitorState(input: unknown): MonitorState {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new RecoveryError({ code: "INVALID_STATE", message: "monitor state: not valid JSON", cause });
    }
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (value && typeof value === "object" && version !== undefined && version !== STATE_VERSION)
    throw new RecoveryError({
      code: "INVALID_STATE",
      message: `monitor state: unsupported version ${String(version)} (this library reads version ${STATE_VERSION})`,
      details: { version },
    });
  const result = monitorStateSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new RecoveryError({
      code: "INVALID_STATE",
      message: `monitor state: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
      cause: result.error,
    });
  }
  return result.data;
}

function diffJson(before: unknown, after: unknown, path: string, out: ConfigChange[]): void {
  if (Object.is(before, after)) return;
  if (
    before !== null &&
    after !== null &&
    typeof before === "object" &&
    typeof after === "object" &&
    Array.isArray(before) === Array.isArray(after)
  ) {
    if (Array.isArray(before) && Array.isArray(after)) {
      const named = (xs: unknown[]) =>
        xs.every(
          (x) => x !== null && typeof x === "object" && typeof (x as { name?: unknown }).name === "string",
        );
      if (named(before) && named(after)) {
        const map = (xs: unknown[]) => new Map(xs.map((x) => [(x as { name: string }).name, x]));
        const a = map(before);
        const b = map(after);
        for (const key of new Set([...a.keys(), ...b.keys()]))
          diffJson(a.get(key), b.get(key), `${path}.${key}`, out);
        return;
      }
      const n = Math.max(before.length, after.length);
      for (let i = 0; i < n; i++) diffJson(before[i], after[i], `${path}[${i}]`, out);
      return;
    }
    const a = before as Record<string, unknown>;
    const b = after as Record<string, unknown>;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
      diffJson(a[key], b[key], path === "" ? key : `${path}.${key}`, out);
    return;
  }
  out.push({ path: path === "" ? "(root)" : path, before, after });
}

/** Lists the differences between two configs (rules matched by name). */
export function diffConfigs(before: unknown, after: unknown): ConfigChange[] {
  const out: ConfigChange[] = [];
  diffJson(before, after, "", out);
  return out;
}

function ruleIdentity(rule: {
  kind?: string;
  metric: string;
  trigger?: unknown;
  mode?: string;
  flavor?: string;
}): string {
  const trigger = rule.trigger as Record<string, unknown> | undefined;
  const triggerKind = trigger ? ("consecutive" in trigger ? "consecutive" : "window") : "";
  return `${rule.kind ?? ""}|${rule.metric}|${triggerKind}|${rule.mode ?? ""}|${rule.flavor ?? ""}`;
}

function adoptDetector(
  config: BreakerConfig,
  state: MonitorState,
): { detector: DetectorState; report: RestoreReport } {
  let savedConfig: BreakerConfig | null = null;
  try {
    savedConfig = loadBreakerConfig(state.config, "saved config");
  } catch {
    savedConfig = null;
  }
  const configDiff = diffConfigs(state.config, config);
  const detector = freshDetector(config);
  const resetRules: string[] = [];
  detector.lastStep = state.detector.lastStep;
  detector.latched = state.detector.latched;
  detector.probation = state.detector.probation;
  const savedById = (name: string, list: readonly { name: string }[] | undefined) =>
    list?.find((r) => r.name === name) as Parameters<typeof ruleIdentity>[0] | undefined;
  const groups = [
    ["rules", config.rules, savedConfig?.rules],
    ["earlyStopping", config.earlyStopping, savedConfig?.earlyStopping],
    ["goals", config.goals, savedConfig?.goals],
    ["best", config.best, savedConfig?.best],
  ] as const;
  for (const [group, current, saved] of groups) {
    for (const rule of current) {
      const old = savedById(rule.name, saved);
      const savedState = (state.detector[group] as Record<string, unknown>)[rule.name];
      if (
        old === undefined ||
        savedState === undefined ||
        ruleIdentity(old) !== ruleIdentity(rule as Parameters<typeof ruleIdentity>[0])
      ) {
        resetRules.push(rule.name);
        continue;
      }
      (detector[group] as Record<string, unknown>)[rule.name] = structuredClone(savedState);
    }
  }
  for (const rule of config.rules) {
    if (rule.kind !== "spike") continue;
    const st = detector.rules[rule.name]!;
    while (st.history.length > rule.window) st.history.shift();
  }
  return { detector, report: { configDiff, resetRules } };
}

/**
 * Internal (checkMetrics): `monitor.observe(record)`, but null instead of a plain `continue`
 * decision for monitors made by {@link createMonitor}, which then allocate nothing on a quiet step.
 */
export function observeQuiet(monitor: Monitor, record: MetricRecord): Decision | null {
  return monitor instanceof MonitorImpl ? monitor.observeQuiet(record) : monitor.observe(record);
}

/** Internal (checkMetrics): a monitor's metric slots, fed without building records. */
export interface SlotMonitor {
  /** The metrics the config reads, in slot order (the same list as `metricsOf(config)`). */
  readonly slotKeys: readonly string[];
  setSlot(slot: number, value: number | null | undefined): void;
  /** The decision for a record of these slot values (null for a plain `continue`). */
  observeSlots(step: number, problem: string | undefined): Decision | null;
}

/**
 * Internal (checkMetrics): the slot interface of a monitor made by {@link createMonitor}, or null
 * (another Monitor implementation, or a metric named `__proto__`, which a record cannot hold).
 */
export function slotMonitor(monitor: Monitor): SlotMonitor | null {
  if (!(monitor instanceof MonitorImpl) || monitor.slotKeys.includes("__proto__")) return null;
  return monitor;
}

/** Options of {@link createMonitor}. */
export interface CreateMonitorOptions {
  /** A saved snapshot to continue from (see `monitor.restore`). */
  state?: unknown;
}

/**
 * Creates a monitor from a config (object or YAML/JSON text; validated with `loadBreakerConfig`).
 * Decisions depend only on the sequence of records, never on the wall clock.
 */
export function createMonitor(
  config: BreakerConfig | BreakerConfigInput | string,
  options: CreateMonitorOptions = {},
): Monitor {
  const monitor = new MonitorImpl(loadBreakerConfig(config));
  if (options.state !== undefined) monitor.restore(options.state);
  return monitor;
}
