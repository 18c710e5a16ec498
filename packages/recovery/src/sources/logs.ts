import { responseLogMetrics, scoreResponseLog } from "@rlops/arc-eval";
import { safeParseResponseLog } from "@rlops/arc-eval/response-log";
import { RecoveryError } from "../errors.js";
import type { MetricRecord } from "../monitor.js";
import type { SourceDiagnostic } from "../sources.js";
import { parseJsonWithNonFinite } from "./json.js";
import { recordFromObject } from "./records.js";

// Trainer logs that are not JSONL: HF trainer_state.json log_history and ARC response logs.

/**
 * Reads HF `trainer_state.json` text (or its parsed object): one record per step of `log_history`,
 * entries logged at the same step (train + eval) merged, in log order.
 */
export function recordsFromTrainerState(
  input: string | unknown,
  options: { file?: string } = {},
): { records: MetricRecord[]; diagnostics: SourceDiagnostic[] } {
  let value: unknown = input;
  const where = options.file ?? "trainer_state.json";
  if (typeof input === "string") {
    try {
      value = parseJsonWithNonFinite(input);
    } catch (cause) {
      throw new RecoveryError({ code: "INVALID_RECORD", message: `${where}: not valid JSON`, cause });
    }
  }
  const history = (value as { log_history?: unknown } | null)?.log_history;
  if (!Array.isArray(history))
    throw new RecoveryError({ code: "INVALID_RECORD", message: `${where}: log_history is not an array` });
  const records: MetricRecord[] = [];
  const diagnostics: SourceDiagnostic[] = [];
  const byStep = new Map<number, MetricRecord>();
  history.forEach((entry, index) => {
    const record = recordFromObject(entry, { stepKey: "step" });
    if (record === null) {
      diagnostics.push({
        code: "NO_STEP",
        message: `${where}: log_history[${index}] has no step`,
        line: index,
      });
      return;
    }
    const existing = byStep.get(record.step);
    if (existing && records.at(-1) === existing) Object.assign(existing.metrics, record.metrics);
    else {
      byStep.set(record.step, record);
      records.push(record);
    }
  });
  return { records, diagnostics };
}

/**
 * Reads one ARC trainer response log (`logs/responses/step_NNN.json`) into a metric record with
 * `@rlops/arc-eval`'s one response-log model: the candidates are re-scored (`scoreResponseLog`) and the
 * record holds `responseLogMetrics` (`perfect` 1 when any candidate is a perfect match, `perfect_count`,
 * `candidates`, `best_accuracy`, `mean_accuracy`, `has_grid_rate`, `correct_size_rate`) — the values
 * `rlops report` shows for the same log. `problem` is `problem_id`; `fallbackStep` is used when the JSON
 * has no `step`. A log that is not one is `INVALID_RECORD`.
 */
export function recordFromResponseLog(
  input: string | unknown,
  fallbackStep?: number,
  file = "response log",
): MetricRecord {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = parseJsonWithNonFinite(input);
    } catch (cause) {
      throw new RecoveryError({ code: "INVALID_RECORD", message: `${file}: not valid JSON`, cause });
    }
  }
  const parsed = safeParseResponseLog(value, { source: file, step: fallbackStep });
  if (!parsed.ok)
    throw new RecoveryError({ code: "INVALID_RECORD", message: parsed.error.message, cause: parsed.error });
  const score = scoreResponseLog(parsed.value);
  const record: MetricRecord = { step: score.step, metrics: responseLogMetrics(score) };
  if (score.problemId !== null) record.problem = score.problemId;
  return record;
}
