import { type ResponseLogScore, type ResponseLogSummary, responseLogSummarySchema } from "@rlops/arc-eval";
import * as z from "zod";

/** A checkpoint as listed by `@rlops/checkpoint-layout`, with the fields the report relies on. */
export const reportCheckpointSchema = z.looseObject({
  layout: z.string(),
  location: z.string(),
  name: z.string(),
  /** Step as a number; `null` for checkpoints without one (`best/`, `final/`). */
  step: z.number().nullable(),
  epoch: z.number().nullable().optional(),
  role: z.enum(["intermediate", "best", "final", "recover"]),
  capabilities: z.object({ resume: z.boolean(), inference: z.boolean() }),
  complete: z.boolean(),
  problems: z.array(
    z.object({
      code: z.string(),
      message: z.string(),
      file: z.string().optional(),
      severity: z.enum(["error", "warning"]).optional(),
    }),
  ),
  bytes: z.number(),
});
/** A checkpoint row of the report. */
export type ReportCheckpoint = z.infer<typeof reportCheckpointSchema>;

/** A metrics file the report read. */
export const metricSourceSchema = z.object({
  kind: z.enum(["trainer_state", "jsonl", "response_logs", "stage_metrics", "tensorboard", "lightning_csv"]),
  path: z.string(),
  records: z.number().int().nonnegative(),
  problems: z.array(z.string()),
});
/** A metrics file the report read. */
export type MetricSource = z.infer<typeof metricSourceSchema>;

/** One metric over steps; `null` values are non-finite (NaN/Infinity) observations. */
export const metricSeriesSchema = z.object({
  name: z.string(),
  points: z.array(z.tuple([z.number(), z.number().nullable()])),
});
/** One metric over steps. */
export type MetricSeries = z.infer<typeof metricSeriesSchema>;

/** A non-`continue` decision of the breaker (`@rlops/recovery` decision shape). */
export const reportDecisionSchema = z.looseObject({
  action: z.enum(["continue", "save", "stop", "rollback"]),
  rule: z.string().nullable(),
  step: z.number(),
  firstBadStep: z.number().nullable().optional(),
  reason: z.string(),
});
/** A breaker decision in the report. */
export type ReportDecision = z.infer<typeof reportDecisionSchema>;

/** ARC results of one step, recomputed from the response log's candidate texts (`@rlops/arc-eval`). */
export type ArcStep = ResponseLogScore;
/** ARC summary over every response log (`@rlops/arc-eval`). */
export type ArcSummary = ResponseLogSummary;

/** The single next action the report recommends, with its exact command. */
export const nextActionSchema = z.object({
  kind: z.enum(["resume", "prune", "investigate", "finish", "continue", "none"]),
  title: z.string(),
  reason: z.string(),
  /** Shell-quoted command line, or `null` when there is nothing to run. */
  command: z.string().nullable(),
  /** The same command as an argv array. */
  argv: z.array(z.string()).nullable(),
  /** The checkpoint the action is about, if any. */
  checkpoint: z.string().nullable(),
  /**
   * For `resume`: the trainer's resume command from `@rlops/recovery` `planResume`. When `complete` is
   * false it is only the arguments to add to the original command (pass `--command` to get the full one).
   */
  resume: z
    .object({
      trainer: z.string(),
      command: z.string(),
      argv: z.array(z.string()),
      complete: z.boolean(),
      code: z.string().optional(),
      notes: z.array(z.string()),
    })
    .nullable(),
  /**
   * For `resume`: the one resume story of `@rlops/recovery` (the same steps `rlops recover plan` and
   * `recover setup` print): build the recovery folder, then resume the trainer from it. Empty otherwise.
   */
  steps: z.array(
    z.object({
      kind: z.enum(["setup", "resume"]),
      title: z.string(),
      command: z.string(),
      argv: z.array(z.string()),
      complete: z.boolean(),
      done: z.boolean(),
      code: z.string().optional(),
    }),
  ),
  /** For `resume`: the folder the trainer resumes from (inside the recovery folder); else `null`. */
  resumeFrom: z.string().nullable(),
  /** How to run the suggested command for real, when it is a dry run (`prune`: add `--apply`). */
  apply: z.string().nullable(),
});
/** The next action. */
export type NextAction = z.infer<typeof nextActionSchema>;

/** A note about something the report could not do or found odd. */
export const reportNoteSchema = z.object({ level: z.enum(["info", "warn"]), message: z.string() });
/** A note of the report. */
export type ReportNote = z.infer<typeof reportNoteSchema>;

/** One harmony message of a sample completion (`channel` null for text without harmony tokens). */
export const sampleMessageSchema = z.object({
  role: z.string(),
  channel: z.string().nullable(),
  content: z.string(),
  /** The content was cut to the report's bound (the response log has the full text). */
  truncated: z.boolean(),
});
/** A message of a sample completion. */
export type SampleMessage = z.infer<typeof sampleMessageSchema>;

/** A completion from the response logs, shown at the best step and at the collapse. */
export const sampleCompletionSchema = z.object({
  label: z.enum(["best", "collapse"]),
  step: z.number(),
  /** The response log, relative to the run root. */
  file: z.string(),
  problemId: z.string().nullable(),
  candidateId: z.number().nullable(),
  /** Re-scored best pixel accuracy of the step. */
  pixelAccuracy: z.number().nullable(),
  messages: z.array(sampleMessageSchema),
  /** Diagnostics of the tolerant harmony parser (malformed tokens, unterminated messages). */
  parseDiagnostics: z.number().int().nonnegative(),
});
/** A sample completion of the report. */
export type SampleCompletion = z.infer<typeof sampleCompletionSchema>;

/** The full structured run report (`rlops report --json`). */
export const reportSchema = z.object({
  schemaVersion: z.literal(1),
  tool: z.object({ name: z.literal("rlops"), version: z.string() }),
  /** When the report was made (ISO 8601, UTC). */
  generatedAt: z.string().optional(),
  root: z.string(),
  layout: z.string().nullable(),
  checkpoints: z.object({
    items: z.array(reportCheckpointSchema),
    ignored: z.array(z.object({ path: z.string(), reason: z.string() })),
    count: z.number().int().nonnegative(),
    complete: z.number().int().nonnegative(),
    resumable: z.number().int().nonnegative(),
    latestResumable: z.string().nullable(),
    best: z.string().nullable(),
    final: z.string().nullable(),
  }),
  metrics: z.object({
    sources: z.array(metricSourceSchema),
    firstStep: z.number().nullable(),
    lastStep: z.number().nullable(),
    steps: z.number().int().nonnegative(),
    rewardMetric: z.string().nullable(),
    series: z.array(metricSeriesSchema),
  }),
  breaker: z.object({
    status: z.enum(["ok", "tripped", "not-run"]),
    /** `"default"` or the path of the `--breaker` config. */
    config: z.string(),
    rules: z.array(z.string()),
    decisions: z.array(reportDecisionSchema),
    trip: reportDecisionSchema.nullable(),
  }),
  arc: responseLogSummarySchema.nullable(),
  disk: z.object({
    totalBytes: z.number().nonnegative(),
    checkpointBytes: z.number().nonnegative(),
    files: z.number().int().nonnegative(),
    reclaimableBytes: z.number().nonnegative(),
  }),
  retention: z
    .object({
      policy: z.string(),
      delete: z.array(z.object({ name: z.string(), reason: z.string(), bytes: z.number() })),
    })
    .nullable(),
  nextAction: nextActionSchema,
  notes: z.array(reportNoteSchema),
  /** Completions at the best step and at the collapse, from the response logs. */
  samples: z.array(sampleCompletionSchema).optional(),
});
/** The full structured run report. */
export type Report = z.infer<typeof reportSchema>;
