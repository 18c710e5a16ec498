import type { MetricRecord } from "./monitor.js";

/** Metric file formats understood by the sources. */
export type MetricFormat =
  | "jsonl"
  | "tinker"
  | "trainer-state"
  | "responses"
  | "tensorboard"
  | "lightning-csv";

/** How records are read from JSON objects. */
export interface RecordOptions {
  /** Key of the step field. Default: the first of `step`, `global_step`, `_step`, `iteration` present. */
  stepKey?: string | undefined;
  /** Key of the problem id (goal rules). Default `problem_id`, then `problem`. */
  problemKey?: string | undefined;
  /**
   * Only read these metrics (faster): each is looked up directly, then as a `/`-separated path
   * into nested objects. Default: every numeric/boolean field, nested objects flattened with `/`.
   */
  metrics?: readonly string[] | undefined;
}

/** A line (or entry) a source could not use; sources never throw on these. */
export interface SourceDiagnostic {
  code:
    | "INVALID_JSON"
    | "NO_STEP"
    | "NOT_AN_OBJECT"
    | "TORN_LINE"
    | "LINE_TOO_LONG"
    | "TORN_RECORD"
    | "INVALID_ROW"
    | "SOURCE_RESET"
    | "RUN_RESTARTED";
  message: string;
  /** 1-based line (JSONL) or entry index (log_history). */
  line?: number;
  file?: string;
}

/** Result of parsing one line: a record, nothing (blank line), or a diagnostic. */
export type LineResult = { record: MetricRecord } | { diagnostic: SourceDiagnostic } | null;

// The parts: ./sources/json.ts (non-finite JSON), records.ts (objects and lines → records),
// batch.ts (batched JSONL lines), logs.ts (trainer_state.json, response logs), lines.ts (splitter).
export {
  type BatchText,
  type MetricFieldSink,
  type MetricLineSink,
  parseMetricLines,
} from "./sources/batch.js";
export { NONFINITE_TEXT, parseJsonWithNonFinite } from "./sources/json.js";
export { LineSplitter } from "./sources/lines.js";
export { recordFromResponseLog, recordsFromTrainerState } from "./sources/logs.js";
export { parseMetricLine, recordFromObject } from "./sources/records.js";
