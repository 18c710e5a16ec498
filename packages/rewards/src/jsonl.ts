import * as z from "zod";
import { batchResult } from "./batch.js";
import { RewardsError } from "./errors.js";
import { boundedCount, groupSizeSchema, MAX_BATCH_SIZE, MAX_LINE_BYTES, parseOptions } from "./limits.js";
import { type Line, LineSplitter } from "./lines.js";
import { BATCH_KINDS, type ScoredSample, type ScoreResult, type Scorer } from "./scorer.js";
import { type BatchSummary, summarizeBatch } from "./summary.js";

/**
 * Bound on one batch when `batchSize` is not given and the spec has a batch-level kind (`length.kimi`,
 * `open_r1.len_reward`), whose records must all be held: 256 MiB of JSONL (parsed records take about
 * 2–3× the bytes). Beyond it {@link scoreJsonl} fails with `INPUT_TOO_LARGE` and asks for `batchSize`.
 */
export const DEFAULT_MAX_BATCH_BYTES = 256 * 1024 * 1024;

/**
 * Bound on one batch when `batchSize` is not given and no kind is batch-level: records are scored in
 * chunks as they arrive and only their results (a few hundred bytes each) wait for the batch's group
 * statistics, so up to 1,000,000 records. Beyond it, `INPUT_TOO_LARGE` asks for `batchSize`.
 */
export const DEFAULT_MAX_BATCH_RECORDS = 1_000_000;

/** Records scored per call while a batch streams in (results are identical for any chunking). */
const CHUNK = 256;

/** Options of {@link scoreJsonl} and of `rlops rewards score`: every number bounded (the one JSONL options schema). */
export const scoreJsonlOptionsSchema = z.strictObject({
  /** Consecutive records per group (advantages, filter). Overrides the spec's `group.size`. */
  groupSize: groupSizeSchema.optional(),
  /**
   * Records per optimizer batch: group statistics (`group.scale: batch`, whitening, filters), batch-level
   * kinds and the summary see one batch. A multiple of the group size; when grouping by the `group` field,
   * a batch ends at the first group boundary at or after `batchSize` records. Default: the whole input,
   * up to `maxBatchBytes`.
   */
  batchSize: boundedCount(MAX_BATCH_SIZE).optional(),
  /** Bound on one batch's JSONL bytes when `batchSize` is not given (default {@link DEFAULT_MAX_BATCH_BYTES}). */
  maxBatchBytes: boundedCount(Number.MAX_SAFE_INTEGER).optional(),
  /** Bound on one batch's records when `batchSize` is not given (default `DEFAULT_MAX_BATCH_RECORDS`, 1,000,000). */
  maxBatchRecords: boundedCount(Number.MAX_SAFE_INTEGER).optional(),
  /** Longest accepted line in bytes (default 16 MiB, at most {@link MAX_LINE_BYTES}). */
  maxLineBytes: boundedCount(MAX_LINE_BYTES).optional(),
  /** Called with each batch's summary once the batch's results have been yielded. */
  onSummary: z.custom<(summary: BatchSummary) => void>((v) => typeof v === "function").optional(),
});

/** Options of {@link scoreJsonl}. */
export type ScoreJsonlOptions = z.input<typeof scoreJsonlOptionsSchema>;

/** One output record of the JSONL bridge. */
export interface JsonlResult {
  id: string | number;
  reward: number | null;
  components: Record<string, number | null>;
  breakdown?: Record<string, number>;
  advantage?: number;
  kept?: boolean;
  diagnostics?: ScoredSample["diagnostics"];
}

function toResult(s: ScoredSample, fallbackId: number): JsonlResult {
  const out: JsonlResult = { id: s.id ?? fallbackId, reward: s.reward, components: s.components };
  for (const _ in s.breakdown) {
    out.breakdown = s.breakdown;
    break;
  }
  if (s.advantage !== undefined) out.advantage = s.advantage;
  if (s.kept !== undefined) out.kept = s.kept;
  if (s.diagnostics.length > 0) out.diagnostics = s.diagnostics;
  return out;
}

function parseRecord({ line, number }: Line): unknown {
  try {
    return JSON.parse(line);
  } catch (cause) {
    throw new RewardsError({
      code: "JSONL_INVALID",
      message: `line ${number}: not valid JSON (${(cause as Error).message})`,
      details: { line: number },
      cause,
    });
  }
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10 && c !== 0xfeff) return false;
  }
  return true;
}

/**
 * Streams JSONL records (`{id?, prompt?, completion | completion_ids, answer?, …}`) through a scorer and
 * yields one result per record, in order. Records are scored one optimizer batch at a time (see
 * `batchSize`), so group statistics equal those of {@link Scorer.score} on the same batch; memory is
 * bounded by one batch's results (its records too when a kind is batch-level). Grouping: `groupSize` (or the spec's `group.size`) consecutive records, else the
 * records' `group` field. Blank lines are skipped. Throws `JSONL_INVALID` naming the line,
 * `GROUP_INVALID` when the input ends inside a group, `INPUT_TOO_LARGE` for a line over `maxLineBytes`
 * or, without `batchSize`, an input over `maxBatchRecords` (`maxBatchBytes` with a batch-level kind),
 * and `INVALID_OPTIONS`.
 */
export async function* scoreJsonl(
  scorer: Scorer,
  input: AsyncIterable<string | Uint8Array>,
  options: ScoreJsonlOptions = {},
): AsyncGenerator<JsonlResult> {
  const opts = parseOptions(scoreJsonlOptionsSchema, options, "scoreJsonl options");
  const size = opts.groupSize ?? scorer.spec.group?.size;
  const grouped = scorer.spec.group !== undefined || opts.groupSize !== undefined;
  const byKey = grouped && size === undefined;
  const batchSize = opts.batchSize;
  const maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  if (batchSize !== undefined && size !== undefined && batchSize % size !== 0)
    throw new RewardsError({
      code: "INVALID_OPTIONS",
      message: `batch size ${batchSize} is not a multiple of the group size ${size}`,
      details: { batchSize, groupSize: size },
    });
  const scoreOptions = size !== undefined ? { groupSize: size } : {};
  // Batch-level kinds need every record of the batch at once; otherwise records are scored in chunks
  // as they arrive and only their results wait for the batch's group statistics.
  const holdRecords = scorer.spec.rewards.some((r) => BATCH_KINDS.has(r.kind));
  const maxBatchRecords = opts.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS;
  let records: unknown[] = [];
  let scored: ScoredSample[] = [];
  let keys: (string | number | undefined)[] = [];
  let batchRecords = 0;
  let bufferBytes = 0;
  let firstIndex = 0;
  let batch = 0;
  let currentKey: unknown;

  const scoreChunk = (): void => {
    if (records.length === 0) return;
    const result = scorer.score(records, { groups: false });
    for (let k = 0; k < records.length; k++) {
      scored.push(result.samples[k]!);
      keys.push((records[k] as { group?: string | number }).group);
    }
    records = [];
  };

  const flush = function* (): Generator<JsonlResult> {
    if (batchRecords === 0) return;
    let result: ScoreResult;
    if (holdRecords) result = scorer.score(records, scoreOptions);
    else {
      scoreChunk();
      result = batchResult(scorer.spec, scored, keys, scoreOptions);
    }
    const first = firstIndex;
    firstIndex += batchRecords;
    records = [];
    scored = [];
    keys = [];
    batchRecords = 0;
    bufferBytes = 0;
    for (let k = 0; k < result.samples.length; k++) yield toResult(result.samples[k]!, first + k);
    opts.onSummary?.(summarizeBatch(result, batch++, first));
  };

  const tooLarge = (line: Line, what: string): RewardsError =>
    new RewardsError({
      code: "INPUT_TOO_LARGE",
      message: `line ${line.number}: the input is larger than ${what}, the bound for scoring it as one optimizer batch; pass a batch size (records per optimizer batch, --batch-size in the CLI)`,
      details: { line: line.number, records: firstIndex + batchRecords },
    });

  const take = function* (line: Line): Generator<JsonlResult> {
    if (isBlank(line.line)) return;
    const record = parseRecord(line);
    if (batchSize !== undefined) {
      if (byKey) {
        const key = (record as { group?: unknown } | null)?.group;
        if (batchRecords >= batchSize && key !== currentKey) yield* flush();
        currentKey = key;
      }
    } else if (holdRecords ? bufferBytes + line.bytes > maxBatchBytes : batchRecords >= maxBatchRecords)
      throw tooLarge(line, holdRecords ? `${maxBatchBytes} bytes` : `${maxBatchRecords} records`);
    records.push(record);
    batchRecords++;
    bufferBytes += line.bytes;
    if (!holdRecords && records.length >= CHUNK) scoreChunk();
    if (batchSize !== undefined && !byKey && batchRecords === batchSize) yield* flush();
  };

  const splitter = new LineSplitter(opts.maxLineBytes ?? 16 * 1024 * 1024);
  const lines: Line[] = [];
  for await (const chunk of input) {
    splitter.push(chunk, lines);
    for (const line of lines) yield* take(line);
    lines.length = 0;
  }
  const last = splitter.end();
  if (last !== undefined) yield* take(last);
  if (size !== undefined && batchRecords % size !== 0)
    throw new RewardsError({
      code: "GROUP_INVALID",
      message: `input ended with ${batchRecords % size} record(s), not a full group of ${size} (${firstIndex + batchRecords} records in all)`,
      details: { records: firstIndex + batchRecords, size },
    });
  yield* flush();
}
