/** Shell quoting used in every printed command (re-exported from `@rlops/recovery`). */
export { shellJoin, shellQuote } from "@rlops/recovery";
export type { CliErrorCode, CliErrorOptions, ExitCode } from "./errors.js";
export { CLI_ERROR_CODES, CliError, EXIT, LIBRARY_EXIT } from "./errors.js";
export type { ArcScorer, ResponseCandidate, ResponseLog } from "./report/arc.js";
export { scoreResponseLog, summarizeArc } from "./report/arc.js";
export type { DefaultBreakerInput } from "./report/default-breaker.js";
export { DEFAULT_RULES, defaultBreakerConfig } from "./report/default-breaker.js";
export type { HtmlOptions } from "./report/html.js";
export { renderComparisonHtml, renderReportHtml } from "./report/html.js";
export type { NextActionContext } from "./report/next-action.js";
export { decideNextAction } from "./report/next-action.js";
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
} from "./report/schema.js";
export { reportSchema } from "./report/schema.js";
export type { TextOptions } from "./report/text.js";
export { renderReportText } from "./report/text.js";
export { VERSION } from "./version.js";
