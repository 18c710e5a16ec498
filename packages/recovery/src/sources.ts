import { RecoveryError } from "./errors.js";
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

const DEFAULT_STEP_KEYS = ["step", "global_step", "_step", "iteration"];
/** Non-finite tokens Python, JSON5 and Python's csv module write. */
export const NONFINITE_TEXT: Record<string, number> = {
  NaN: Number.NaN,
  nan: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  inf: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
  "-inf": Number.NEGATIVE_INFINITY,
};
const SENTINEL = "\u0000rlops-nonfinite:";

/**
 * Parses JSON text that may contain Python's bare `NaN`, `Infinity` and `-Infinity` tokens
 * (what `json.dumps` writes by default). Linear time; throws `RecoveryError` `INVALID_RECORD` on
 * invalid JSON (the `SyntaxError` is its `cause`). `source` names the text in the message.
 */
export function parseJsonWithNonFinite(text: string, source = "JSON text"): unknown {
  try {
    return parseNonFinite(text);
  } catch (cause) {
    throw new RecoveryError({
      code: "INVALID_RECORD",
      message: `${source}: not valid JSON (${(cause as Error).message.split("\n")[0]})`,
      cause,
    });
  }
}

/** {@link parseJsonWithNonFinite}, throwing the parser's own `SyntaxError` (hot path: no wrapping). */
function parseNonFinite(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
  }
  let out = "";
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    let token: string | null = null;
    if (c === 78 && text.startsWith("NaN", i)) token = "NaN";
    else if (c === 73 && text.startsWith("Infinity", i)) token = "Infinity";
    else if (c === 45 && text.startsWith("-Infinity", i)) token = "-Infinity";
    if (token !== null) {
      out += `${text.slice(last, i)}"\\u0000rlops-nonfinite:${token}"`;
      i += token.length - 1;
      last = i + 1;
    }
  }
  out += text.slice(last);
  return JSON.parse(out, (_key, value) =>
    typeof value === "string" && value.startsWith(SENTINEL)
      ? NONFINITE_TEXT[value.slice(SENTINEL.length)]
      : value,
  );
}

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

/** Result of parsing one line: a record, nothing (blank line), or a diagnostic. */
export type LineResult = { record: MetricRecord } | { diagnostic: SourceDiagnostic } | null;

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

function noStepDiagnostic(options: RecordOptions, lineNumber: number | undefined): SourceDiagnostic {
  return {
    code: "NO_STEP",
    message: `line ${lineNumber ?? "?"}: no step field (${options.stepKey ?? DEFAULT_STEP_KEYS.join("/")})`,
    ...(lineNumber === undefined ? {} : { line: lineNumber }),
  };
}

/** Receives what {@link parseMetricLines} reads; `record` returning `false` stops the parse. */
export interface MetricLineSink {
  record(record: MetricRecord): boolean | undefined;
  diagnostic(diagnostic: SourceDiagnostic): void;
  /**
   * With `options.metrics`: batched lines are delivered as fields instead of records (no record
   * built): `metric(i, value)` for every `options.metrics[i]` (undefined: the record would not hold
   * it), then `record(step, problem)`. Lines parsed one by one still go to `record`.
   */
  fields?: MetricFieldSink | undefined;
}

/** See {@link MetricLineSink.fields}. */
export interface MetricFieldSink {
  metric(index: number, value: number | null | undefined): void;
  record(step: number, problem: string | undefined): boolean | undefined;
}

/** Most lines (and characters) parsed by one `JSON.parse` call. */
const BATCH_LINES = 256;
const BATCH_CHARS = 64 * 1024;
/** A failed batch of at most this many lines is parsed line by line (larger ones are halved first). */
const BATCH_SPLIT_MIN = 16;

function indexOrEnd(text: string, search: string, from: number): number {
  const i = text.indexOf(search, from);
  return i === -1 ? text.length : i;
}

/**
 * Parses complete JSONL lines: `text` holds lines separated by `\n` (no trailing newline; its
 * first line is `firstLine`). Gives exactly what {@link parseMetricLine} gives line by line, in
 * order, but parses runs of flat lines (`{` … `}` with no other `{` or `[` and no `NaN` /
 * `Infinity`) with one `JSON.parse` of `[line,line,…]` — a raw newline never occurs inside a JSON
 * token, so such a run parses to exactly one object per line, aligned. A batch that fails (or has
 * the wrong length) is halved, then parsed line by line. Returns the number of lines, or -1 when
 * `sink.record` returned `false`. `batchText` may build the batch text faster (see {@link BatchText}).
 */
export function parseMetricLines(
  text: string,
  firstLine: number,
  options: RecordOptions,
  sink: MetricLineSink,
  batchText?: BatchText,
): number {
  const n = text.length;
  // Next occurrence of each marker at or after the current line (amortised: never rescans).
  let nextBrace = -1;
  let nextBracket = -1;
  let nextNaN = -1;
  let nextInfinity = -1;
  let batchStart = 0;
  let batchEnd = 0;
  let batchFirst = 0;
  let batchLines = 0;
  const batchEnds = new Int32Array(BATCH_LINES);
  let line = firstLine;
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    const end = nl === -1 ? n : nl;
    let flat = false;
    if (text.charCodeAt(start) === 123) {
      let last = end - 1;
      if (text.charCodeAt(last) === 13) last--;
      if (last > start && text.charCodeAt(last) === 125) {
        if (nextBrace <= start) nextBrace = indexOrEnd(text, "{", start + 1);
        if (nextBrace >= end) {
          if (nextBracket < start) nextBracket = indexOrEnd(text, "[", start);
          if (nextNaN < start) nextNaN = indexOrEnd(text, "NaN", start);
          if (nextInfinity < start) nextInfinity = indexOrEnd(text, "Infinity", start);
          flat = nextBracket >= end && nextNaN >= end && nextInfinity >= end;
        }
      }
    }
    if (flat) {
      if (batchLines === 0) {
        batchStart = start;
        batchFirst = line;
      }
      batchEnd = end;
      batchEnds[batchLines++] = end;
      if (batchLines >= BATCH_LINES || batchEnd - batchStart >= BATCH_CHARS) {
        const json = batchJson(text, batchStart, batchEnd, batchEnds, batchLines, batchText);
        if (!parseBatch(json, text, batchStart, batchEnd, batchFirst, batchLines, options, sink)) return -1;
        batchLines = 0;
      }
    } else {
      if (batchLines > 0) {
        const json = batchJson(text, batchStart, batchEnd, batchEnds, batchLines, batchText);
        if (!parseBatch(json, text, batchStart, batchEnd, batchFirst, batchLines, options, sink)) return -1;
        batchLines = 0;
      }
      if (!parseOne(text.slice(start, end), line, options, sink)) return -1;
    }
    line++;
    if (nl === -1) break;
    start = nl + 1;
  }
  if (batchLines > 0) {
    const json = batchJson(text, batchStart, batchEnd, batchEnds, batchLines, batchText);
    if (!parseBatch(json, text, batchStart, batchEnd, batchFirst, batchLines, options, sink)) return -1;
  }
  return line - firstLine;
}

/**
 * Builds the JSON array of lines `text[from, to)`: `[` + those lines joined by `,` + `]`, i.e. the
 * slice with every `\n` replaced by `,`. `ends` holds the end (index of the `\n`, or `to`) of each
 * of the `count` lines. parseMetricLines' default uses `replaceAll`; a byte-level source can copy.
 */
export type BatchText = (from: number, to: number, ends: Int32Array, count: number) => string;

/** The JSON array text of the lines in `text[from, to)`: `[` + the lines joined by `,` + `]`. */
function linesArray(text: string, from: number, to: number): string {
  return `[${text.slice(from, to).replaceAll("\n", ",")}]`;
}

function batchJson(
  text: string,
  from: number,
  to: number,
  ends: Int32Array,
  count: number,
  batchText: BatchText | undefined,
): string {
  return batchText === undefined ? linesArray(text, from, to) : batchText(from, to, ends, count);
}

function parseOne(line: string, lineNumber: number, options: RecordOptions, sink: MetricLineSink): boolean {
  const result = parseMetricLine(line, options, lineNumber);
  if (result === null) return true;
  if ("record" in result) return sink.record(result.record) !== false;
  sink.diagnostic(result.diagnostic);
  return true;
}

/** Lines `firstLine …` held in `text[from, to)`, `count` of them, all flat (see parseMetricLines); `json` is their batch text. */
function parseBatch(
  json: string,
  text: string,
  from: number,
  to: number,
  firstLine: number,
  count: number,
  options: RecordOptions,
  sink: MetricLineSink,
): boolean {
  let values: unknown = null;
  try {
    values = JSON.parse(json);
  } catch {
    values = null;
  }
  if (Array.isArray(values) && values.length === count) {
    const fields = sink.fields;
    const keys = options.metrics;
    if (fields !== undefined && keys !== undefined) {
      for (let i = 0; i < count; i++) {
        const obj = values[i] as Record<string, unknown>;
        // Always an object here (every line starts with "{"); kept as recordFromObject checks it.
        const step = typeof obj === "object" && obj !== null ? readStep(obj, options.stepKey) : undefined;
        if (step === undefined) {
          sink.diagnostic(noStepDiagnostic(options, firstLine + i));
          continue;
        }
        for (let k = 0; k < keys.length; k++) fields.metric(k, readMetric(obj, keys[k]!));
        if (fields.record(step, readProblem(obj, options.problemKey)) === false) return false;
      }
      return true;
    }
    for (let i = 0; i < count; i++) {
      const record = recordFromObject(values[i], options);
      if (record === null) sink.diagnostic(noStepDiagnostic(options, firstLine + i));
      else if (sink.record(record) === false) return false;
    }
    return true;
  }
  if (count > BATCH_SPLIT_MIN) {
    const half = count >> 1;
    let mid = from - 1;
    for (let i = 0; i < half; i++) mid = text.indexOf("\n", mid + 1);
    const head = linesArray(text, from, mid);
    if (!parseBatch(head, text, from, mid, firstLine, half, options, sink)) return false;
    const rest = linesArray(text, mid + 1, to);
    return parseBatch(rest, text, mid + 1, to, firstLine + half, count - half, options, sink);
  }
  let start = from;
  for (let i = 0; i < count; i++) {
    const nl = text.indexOf("\n", start);
    const end = nl === -1 || nl > to ? to : nl;
    if (!parseOne(text.slice(start, end), firstLine + i, options, sink)) return false;
    start = end + 1;
  }
  return true;
}

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

/**
 * Splits streamed text chunks into lines with bounded memory: a line longer than `maxLineBytes`
 * is dropped (reported) instead of buffered. The trailing partial line is kept until `end()`.
 */
export class LineSplitter {
  private buffer = "";
  private skipping = false;
  private lineNo = 0;
  constructor(private readonly maxLineLength = 16 * 1024 * 1024) {}

  /** Number of complete lines emitted so far. */
  get lines(): number {
    return this.lineNo;
  }

  /** Feeds a chunk; calls `onLine(line, lineNumber)` per complete line; `onTooLong` per dropped line. */
  push(
    chunk: string,
    onLine: (line: string, lineNumber: number) => void,
    onTooLong?: (lineNumber: number) => void,
  ): void {
    let start = 0;
    let nl = chunk.indexOf("\n");
    while (nl !== -1) {
      this.lineNo++;
      if (this.skipping) {
        this.skipping = false;
        this.buffer = "";
        onTooLong?.(this.lineNo);
      } else {
        const line = this.buffer === "" ? chunk.slice(start, nl) : this.buffer + chunk.slice(start, nl);
        this.buffer = "";
        onLine(line, this.lineNo);
      }
      start = nl + 1;
      nl = chunk.indexOf("\n", start);
    }
    if (start < chunk.length && !this.skipping) {
      this.buffer += chunk.slice(start);
      if (this.buffer.length > this.maxLineLength) {
        this.skipping = true;
        this.buffer = "";
      }
    }
  }

  /** The pending partial line (no trailing newline yet), or null. */
  pending(): string | null {
    return this.skipping || this.buffer === "" ? null : this.buffer;
  }

  /** Drops buffered text (after rotation). */
  reset(): void {
    this.buffer = "";
    this.skipping = false;
  }
}
