import { RecoveryError } from "../errors.js";
import type { MetricRecord } from "../monitor.js";
import type { SourceDiagnostic } from "../sources.js";
import { parseJsonWithNonFinite } from "./json.js";
import { readStep, recordFromObject, toMetric } from "./records.js";

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
 * Reads one ARC trainer response log (`logs/responses/step_NNN.json`): `best_accuracy`, `mean_accuracy`,
 * `perfect` (1 when any candidate is a perfect match), `perfect_count`, `candidates`, `has_grid_rate`,
 * `correct_size_rate`; `problem` is `problem_id`. `fallbackStep` is used when the JSON has no `step`.
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
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new RecoveryError({ code: "INVALID_RECORD", message: `${file}: not a JSON object` });
  const obj = value as Record<string, unknown>;
  const step = readStep(obj, "step") ?? fallbackStep;
  if (step === undefined) throw new RecoveryError({ code: "INVALID_RECORD", message: `${file}: no step` });
  const candidates = Array.isArray(obj.candidates) ? (obj.candidates as Record<string, unknown>[]) : [];
  let perfectCount = 0;
  let hasGrid = 0;
  let correctSize = 0;
  let accSum = 0;
  let accN = 0;
  for (const c of candidates) {
    if (c === null || typeof c !== "object") continue;
    if (c.perfect_match === true) perfectCount++;
    if (c.has_grid === true) hasGrid++;
    if (c.correct_size === true) correctSize++;
    if (typeof c.accuracy === "number") {
      accSum += c.accuracy;
      accN++;
    }
  }
  const metrics: Record<string, number | null> = {
    perfect: perfectCount > 0 ? 1 : 0,
    perfect_count: perfectCount,
    candidates: candidates.length,
  };
  const best = toMetric(obj.best_accuracy);
  if (best !== undefined) metrics.best_accuracy = best;
  if (accN > 0) metrics.mean_accuracy = accSum / accN;
  if (candidates.length > 0) {
    metrics.has_grid_rate = hasGrid / candidates.length;
    metrics.correct_size_rate = correctSize / candidates.length;
  }
  const record: MetricRecord = { step, metrics };
  if (typeof obj.problem_id === "string" || typeof obj.problem_id === "number")
    record.problem = String(obj.problem_id);
  return record;
}
