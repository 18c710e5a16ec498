import type { BreakerConfig } from "../config.js";
import type { Decision, Ledger, MetricRecord, MonitorState, MonitorStats } from "../state.js";

export type { MetricRecord } from "../state.js";

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

/** Options of `createMonitor`. */
export interface CreateMonitorOptions {
  /** A saved snapshot to continue from (see `monitor.restore`). */
  state?: unknown;
}

/** A plain `continue` decision at `step`. */
export function cont(step: number, reason = "ok", evidence: Record<string, unknown> = {}): Decision {
  return { action: "continue", rule: null, step, firstBadStep: null, reason, evidence };
}

/** Evidence of rules that add none (spread into decisions, never mutated). */
export const NO_EVIDENCE: Record<string, unknown> = Object.freeze({});
