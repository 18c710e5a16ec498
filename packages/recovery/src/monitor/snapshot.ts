import { fromZodError } from "@rlops/errors";
import { type BreakerConfig, loadBreakerConfig } from "../config.js";
import { RecoveryError } from "../errors.js";
import {
  type DetectorState,
  type Ledger,
  type MonitorState,
  type MonitorStats,
  monitorStateSchema,
  STATE_VERSION,
} from "../state.js";
import type { ConfigChange, RestoreReport } from "./types.js";

// The monitor's serialisable state: fresh states, snapshot validation, and adopting a saved
// detector into the current config (rules matched by name and identity, the rest reset).

/** A detector with every rule of `config` in its initial state. */
export function freshDetector(config: BreakerConfig): DetectorState {
  const detector: DetectorState = {
    lastStep: null,
    rules: {},
    earlyStopping: {},
    goals: {},
    best: {},
    latched: null,
    probation: null,
  };
  for (const rule of config.rules)
    detector.rules[rule.name] = {
      trigger: { streak: 0, firstBadStep: null, recent: [], window: [] },
      history: [],
    };
  for (const es of config.earlyStopping)
    detector.earlyStopping[es.name] = { best: null, bestStep: null, wait: 0, firstWaitStep: null, checks: 0 };
  for (const goal of config.goals) detector.goals[goal.name] = { solved: [], perfectSteps: 0 };
  for (const best of config.best) detector.best[best.name] = { best: null, bestStep: null };
  return detector;
}

/** An empty trip ledger. */
export function freshLedger(): Ledger {
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

/** Zeroed counters. */
export function freshStats(): MonitorStats {
  return { observed: 0, duplicates: 0, outOfOrder: 0, rewinds: 0, gaps: 0, missing: 0 };
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
  if (!result.success)
    throw fromZodError(RecoveryError, "INVALID_STATE", result.error, { where: "monitor state" });
  return result.data;
}

function isNamedList(xs: unknown[]): boolean {
  return xs.every(
    (x) => x !== null && typeof x === "object" && typeof (x as { name?: unknown }).name === "string",
  );
}

function diffJson(before: unknown, after: unknown, path: string, out: ConfigChange[]): void {
  if (Object.is(before, after)) return;
  if (
    before === null ||
    after === null ||
    typeof before !== "object" ||
    typeof after !== "object" ||
    Array.isArray(before) !== Array.isArray(after)
  ) {
    out.push({ path: path === "" ? "(root)" : path, before, after });
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (isNamedList(before) && isNamedList(after)) {
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
}

/** Lists the differences between two configs (rules matched by name). */
export function diffConfigs(before: unknown, after: unknown): ConfigChange[] {
  const out: ConfigChange[] = [];
  diffJson(before, after, "", out);
  return out;
}

interface RuleLike {
  name: string;
  kind?: string;
  metric: string;
  trigger?: unknown;
  mode?: string;
  flavor?: string;
}

/** What must match for a saved rule state to be kept: kind, metric, trigger kind, mode, flavor. */
function ruleIdentity(rule: RuleLike): string {
  const trigger = rule.trigger as Record<string, unknown> | undefined;
  const triggerKind = trigger ? ("consecutive" in trigger ? "consecutive" : "window") : "";
  return `${rule.kind ?? ""}|${rule.metric}|${triggerKind}|${rule.mode ?? ""}|${rule.flavor ?? ""}`;
}

/**
 * The saved detector adopted into `config`: rules whose name and identity match keep their saved
 * state, the others start fresh (listed in `resetRules`); spike histories are cut to the window.
 */
export function adoptDetector(
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
  const groups = [
    ["rules", config.rules, savedConfig?.rules],
    ["earlyStopping", config.earlyStopping, savedConfig?.earlyStopping],
    ["goals", config.goals, savedConfig?.goals],
    ["best", config.best, savedConfig?.best],
  ] as const;
  for (const [group, current, saved] of groups) {
    for (const rule of current) {
      const old = (saved as readonly RuleLike[] | undefined)?.find((r) => r.name === rule.name);
      const savedState = (state.detector[group] as Record<string, unknown>)[rule.name];
      if (
        old === undefined ||
        savedState === undefined ||
        ruleIdentity(old) !== ruleIdentity(rule as RuleLike)
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
