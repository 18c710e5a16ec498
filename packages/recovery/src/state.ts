import * as z from "zod";
import { encodedNumberSchema } from "./numbers.js";

const step = z.number().int().nonnegative();

/**
 * One step of metrics: `{step, metrics, problem?}`. `null` values are read per the breaker's
 * `nullValues`; `problem` is the problem id (ARC task) goal rules count distinct problems by.
 * Records at the same step are merged by one rule everywhere (`mergeRecordInto`).
 */
export const metricRecordSchema = z.object({
  /** Training step (non-negative integer). */
  step,
  /** Metric values by key. */
  metrics: z.record(z.string(), z.number().nullable()),
  /** Problem id (ARC task) for goal rules counting distinct problems. */
  problem: z.string().optional(),
});
/** See {@link metricRecordSchema}. */
export type MetricRecord = z.infer<typeof metricRecordSchema>;

/** What a decision asks the trainer (or its supervisor) to do. */
export const actionSchema = z.enum(["continue", "save", "stop", "rollback"]);
/** See {@link actionSchema}. */
export type Action = z.infer<typeof actionSchema>;

/**
 * A monitor decision: `{action, rule, step, firstBadStep, reason, evidence}`.
 * `rule` is null for `continue`; `firstBadStep` is the first step of the failing streak/window
 * (null for goals, saves and `continue`).
 */
export const decisionSchema = z.object({
  action: actionSchema,
  rule: z.string().nullable(),
  step: step,
  firstBadStep: step.nullable(),
  reason: z.string(),
  evidence: z.record(z.string(), z.unknown()),
});
/** See {@link decisionSchema}. */
export type Decision = z.infer<typeof decisionSchema>;

const triggerStateSchema = z.object({
  streak: z.number().int().nonnegative(),
  firstBadStep: step.nullable(),
  /** Last values of the current streak (at most 16), for evidence. */
  recent: z.array(encodedNumberSchema),
  /** Window triggers: `[step, bad]` for the last `size` observations. */
  window: z.array(z.tuple([step, z.union([z.literal(0), z.literal(1)])])),
});

const ruleStateSchema = z.object({
  trigger: triggerStateSchema,
  /** Spike rules: the accepted (finite, non-spike) values, oldest first, at most `window`. */
  history: z.array(z.number()),
});

const earlyStoppingStateSchema = z.object({
  best: encodedNumberSchema.nullable(),
  bestStep: step.nullable(),
  wait: z.number().int().nonnegative(),
  firstWaitStep: step.nullable(),
  checks: z.number().int().nonnegative(),
});

const goalStateSchema = z.object({
  solved: z.array(z.object({ problem: z.string(), step })),
  perfectSteps: z.number().int().nonnegative(),
});

const bestStateSchema = z.object({ best: z.number().nullable(), bestStep: step.nullable() });

const probationSchema = z.object({
  rule: z.string(),
  fromStep: step,
  remaining: z.number().int().nonnegative(),
  counted: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  firstFailStep: step.nullable(),
});

/** The rewindable layer: everything the detectors know, as of `lastStep`. */
const detectorStateSchema = z.object({
  lastStep: step.nullable(),
  rules: z.record(z.string(), ruleStateSchema),
  earlyStopping: z.record(z.string(), earlyStoppingStateSchema),
  goals: z.record(z.string(), goalStateSchema),
  best: z.record(z.string(), bestStateSchema),
  latched: decisionSchema.nullable(),
  probation: probationSchema.nullable(),
});
/** Per-rule detector state inside the monitor state (inferred from the internal `detectorStateSchema`). */
export type DetectorState = z.infer<typeof detectorStateSchema>;

/** One trip in the run-level ledger. */
const tripSchema = z.object({
  rule: z.string(),
  action: actionSchema,
  step,
  firstBadStep: step.nullable(),
  attempt: z.number().int().nonnegative(),
  rolledBackTo: step.nullable(),
});

/** The run-level ledger: never rewound by a rollback, so a run cannot loop forever. */
export const ledgerSchema = z.object({
  trips: z.array(tripSchema),
  totalTrips: z.number().int().nonnegative(),
  rollbacks: z.number().int().nonnegative(),
  lastRollbackStep: step.nullable(),
  skipRanges: z.array(z.tuple([step, step])),
  probationsPassed: z.number().int().nonnegative(),
  probationsFailed: z.number().int().nonnegative(),
});
/** See {@link ledgerSchema}. */
export type Ledger = z.infer<typeof ledgerSchema>;

/** Counters of what the monitor saw. */
const statsSchema = z.object({
  observed: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  outOfOrder: z.number().int().nonnegative(),
  rewinds: z.number().int().nonnegative(),
  gaps: z.number().int().nonnegative(),
  missing: z.number().int().nonnegative(),
});
/** Counters of what the monitor has seen (inferred from the internal `statsSchema`). */
export type MonitorStats = z.infer<typeof statsSchema>;

/** Current state format version. */
export const STATE_VERSION = 1;

/** Versioned, JSON-safe monitor state (`monitor.snapshot()`). */
export const monitorStateSchema = z.object({
  format: z.literal("rlops.recovery.monitor"),
  version: z.literal(STATE_VERSION),
  config: z.unknown(),
  detector: detectorStateSchema,
  /** With `steps.duplicates: "last"`: the detector state before the last step (to replace it). */
  undo: detectorStateSchema.nullable().default(null),
  ledger: ledgerSchema,
  stats: statsSchema,
});
/** See {@link monitorStateSchema}. */
export type MonitorState = z.output<typeof monitorStateSchema>;
