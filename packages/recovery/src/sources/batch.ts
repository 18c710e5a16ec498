import type { MetricRecord } from "../monitor.js";
import type { RecordOptions, SourceDiagnostic } from "../sources.js";
import {
  noStepDiagnostic,
  parseMetricLine,
  readMetric,
  readProblem,
  readStep,
  recordFromObject,
} from "./records.js";

// Many JSONL lines at once: runs of flat lines parsed with one JSON.parse per batch.

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
