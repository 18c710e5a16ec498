/**
 * `@rlops/run`: run composition. The report schema (zod, types inferred), the single next-action
 * decision, the run's end state and the renderers (terminal text, run comparison, live watch view,
 * self-contained HTML). Browser-safe: building a report from a run folder is `@rlops/run/node`.
 */
export type { CheckpointFacts, WeightsKind } from "./ckpt-usage.js";
export {
  /** The Python that loads a checkpoint for inference, per layout (`null` when there is none). */
  inferenceCode,
  /** A ready-to-run `inference.py` for a checkpoint (`null` when it cannot be loaded for inference). */
  inferenceScript,
  /** The Python (or command) that resumes training from a checkpoint, per layout. */
  resumeCode,
} from "./ckpt-usage.js";
export type { ComparisonTextOptions } from "./compare-text.js";
export {
  /** Terminal text comparing several runs (metrics aligned by step, one row per run). */
  renderComparisonText,
} from "./compare-text.js";
export type { RunErrorCode } from "./errors.js";
export { RunError } from "./errors.js";
export type { HtmlOptions } from "./html.js";
export {
  /** One self-contained HTML page overlaying several runs. */
  renderComparisonHtml,
  /** One self-contained HTML page of a run (interactive charts, static SVG fallback). */
  renderReportHtml,
} from "./html.js";
export type { NextActionContext, NextActionResumePlan } from "./next-action.js";
export {
  /** The single next action of a report: finish, resume, stop, prune or keep training. */
  decideNextAction,
} from "./next-action.js";
export type { FinishedBy, LoggedProgress, RunEndState } from "./run-state.js";
export {
  /** How a run ended (`max_steps` reached, trainer stop flag), or `null` when it did not. */
  finishedBy,
  /** The end state read from a parsed `trainer_state.json` (`null` when it is not one). */
  runEndStateOf,
  /** zod schema of {@link RunEndState}. */
  runEndStateSchema,
  /** Completes an end state with the metric logs' last step and the run's `max_steps`. */
  withLoggedSteps,
} from "./run-state.js";
export type {
  ArcStep,
  ArcSummary,
  MetricSeries,
  MetricSource,
  NextAction,
  Report,
  ReportCheckpoint,
  ReportDecision,
  ReportNote,
  SampleCompletion,
  SampleMessage,
} from "./schema.js";
export {
  /** zod schema of one metric series. */
  metricSeriesSchema,
  /** zod schema of one metric source. */
  metricSourceSchema,
  /** zod schema of the next action. */
  nextActionSchema,
  /** zod schema of a report checkpoint row. */
  reportCheckpointSchema,
  /** zod schema of a breaker decision in the report. */
  reportDecisionSchema,
  /** zod schema of a report note. */
  reportNoteSchema,
  /** zod schema of the whole report (`rlops report --json`). */
  reportSchema,
  /** zod schema of a sample completion. */
  sampleCompletionSchema,
  /** zod schema of one message of a sample completion. */
  sampleMessageSchema,
} from "./schema.js";
export type { TextOptions } from "./text.js";
export {
  /** The terminal report of one run, fitted to `options.width`. */
  renderReportText,
} from "./text.js";
export type { DiskProjection, DiskProjectionInput, ProgressSample, WatchState } from "./watch-view.js";
export {
  /** Human duration (`3h 20m`, `45s`). */
  formatDuration,
  /** Whether and at which step the disk fills before the run ends. */
  projectDisk,
  /** The live watch view (one frame), fitted to the width. */
  renderWatchView,
  /** Steps per minute over a recent window of samples (`null` with too few). */
  stepRate,
  /** The state the watch view shows, from a report and the progress samples. */
  watchState,
} from "./watch-view.js";
export {
  /** Fits every line of a text to `width` columns. */
  fitToWidth,
  /** The width terminal output must fit, from a stream's TTY facts and the environment. */
  terminalWidth,
} from "./width.js";
