import type { MetricRecord } from "../monitor.js";
import type { LineResult, RecordOptions, SourceDiagnostic } from "../sources.js";
import { NONFINITE_TEXT, parseNonFinite } from "./json.js";

// Records from parsed JSON objects: step, problem and metric fields, and one JSONL line.

const DEFAULT_STEP_KEYS = ["step", "global_step", "_step", "iteration"];

/** A metric value of a parsed field: numbers, booleans (1/0), null, non-finite text ("NaN", "inf"), else undefined. */
function toMetric(value: unknown): number | null | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value === null) return null;
  if (typeof value === "string") {
    const nf = NONFINITE_TEXT[value];
    if (nf !== undefined) return nf;
  }
  return undefined;
}

function flattenInto(
  obj: Record<string, unknown>,
  prefix: string,
  out: Record<string, number | null>,
  depth: number,
): void {
  for (const key in obj) {
    const value = obj[key];
    const name = prefix === "" ? key : `${prefix}/${key}`;
    const metric = toMetric(value);
    if (metric !== undefined) out[name] = metric;
    else if (depth < 4 && value !== null && typeof value === "object" && !Array.isArray(value))
      flattenInto(value as Record<string, unknown>, name, out, depth + 1);
  }
}

function nested(obj: Record<string, unknown>, path: string): unknown {
  let current: unknown = obj;
  for (const part of path.split("/")) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

const STEP_TEXT = /^\d{1,15}$/;

function stepValue(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === "string" && STEP_TEXT.test(value)) return Number(value);
  return undefined;
}

/** The step of a parsed object as {@link recordFromObject} reads it, or undefined. */
export function readStep(obj: Record<string, unknown>, stepKey: string | undefined): number | undefined {
  if (stepKey !== undefined) return stepValue(obj[stepKey]);
  const step = stepValue(obj.step); // DEFAULT_STEP_KEYS[0], read by name (faster)
  if (step !== undefined) return step;
  for (let i = 1; i < DEFAULT_STEP_KEYS.length; i++) {
    const step = stepValue(obj[DEFAULT_STEP_KEYS[i]!]);
    if (step !== undefined) return step;
  }
  return undefined;
}

/** The default step key {@link readStep} took the step from. */
function usedStepKey(obj: Record<string, unknown>): string {
  for (const key of DEFAULT_STEP_KEYS) if (stepValue(obj[key]) !== undefined) return key;
  return DEFAULT_STEP_KEYS[0]!;
}

function problemValue(value: unknown): string | undefined {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

/** The problem id of a parsed object as {@link recordFromObject} reads it, or undefined. */
export function readProblem(
  obj: Record<string, unknown>,
  problemKey: string | undefined,
): string | undefined {
  return problemKey === undefined
    ? (problemValue(obj.problem_id) ?? problemValue(obj.problem))
    : problemValue(obj[problemKey]);
}

/** Metric `key` of a parsed object as {@link recordFromObject} reads it with `options.metrics`. */
export function readMetric(obj: Record<string, unknown>, key: string): number | null | undefined {
  const metric = toMetric(obj[key]);
  return metric === undefined && key.includes("/") ? toMetric(nested(obj, key)) : metric;
}

/**
 * Turns one JSON object into a record: the step from `stepKey`, every numeric/boolean field (nested
 * objects flattened with `/`) as a metric, and the problem id. Returns null when there is no step.
 */
export function recordFromObject(value: unknown, options: RecordOptions = {}): MetricRecord | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const obj = value as Record<string, unknown>;
  const step = readStep(obj, options.stepKey);
  if (step === undefined) return null;
  const metrics: Record<string, number | null> = {};
  const keys = options.metrics;
  if (keys === undefined) {
    flattenInto(obj, "", metrics, 0);
    // The step is the record's key, not a metric series of its own.
    delete metrics[options.stepKey ?? usedStepKey(obj)];
  } else
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const metric = readMetric(obj, key);
      if (metric !== undefined) metrics[key] = metric;
    }
  const record: MetricRecord = { step, metrics };
  const problem = readProblem(obj, options.problemKey);
  if (problem !== undefined) record.problem = problem;
  return record;
}

/** Parses one JSONL line (tolerant: bad lines become diagnostics, never throws). */
export function parseMetricLine(line: string, options: RecordOptions = {}, lineNumber?: number): LineResult {
  let text = line;
  if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
  if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === "")) return null;
  let value: unknown;
  try {
    value = parseNonFinite(text);
  } catch {
    return {
      diagnostic: {
        code: "INVALID_JSON",
        message: `line ${lineNumber ?? "?"}: not valid JSON`,
        ...(lineNumber === undefined ? {} : { line: lineNumber }),
      },
    };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return {
      diagnostic: {
        code: "NOT_AN_OBJECT",
        message: `line ${lineNumber ?? "?"}: not a JSON object`,
        ...(lineNumber === undefined ? {} : { line: lineNumber }),
      },
    };
  const record = recordFromObject(value, options);
  if (record === null) return { diagnostic: noStepDiagnostic(options, lineNumber) };
  return { record };
}

/** The `NO_STEP` diagnostic of a line. */
export function noStepDiagnostic(options: RecordOptions, lineNumber: number | undefined): SourceDiagnostic {
  return {
    code: "NO_STEP",
    message: `line ${lineNumber ?? "?"}: no step field (${options.stepKey ?? DEFAULT_STEP_KEYS.join("/")})`,
    ...(lineNumber === undefined ? {} : { line: lineNumber }),
  };
}
