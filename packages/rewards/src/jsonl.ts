import { RewardsError } from "./errors.js";
import { jsonlOptionsSchema, parseOptions } from "./limits.js";
import type { ScoredSample, Scorer } from "./scorer.js";

/** Options of {@link scoreJsonl}. */
export interface ScoreJsonlOptions {
  /** Consecutive records per group (advantages, filter). Overrides the spec's `group.size`. */
  groupSize?: number;
  /** Records scored together when there is no grouping (the batch batch-level kinds see). Default 256. */
  batchSize?: number;
  /** Longest accepted line in bytes (default 16 MiB). */
  maxLineBytes?: number;
}

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

/** Splits a byte/string stream into lines with a bound on line length (constant memory). */
export async function* readLines(
  input: AsyncIterable<string | Uint8Array>,
  maxLineBytes = 16 * 1024 * 1024,
): AsyncGenerator<{ line: string; number: number }> {
  const decoder = new TextDecoder();
  let pending = "";
  let number = 0;
  for await (const chunk of input) {
    pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf("\n");
    while (nl >= 0) {
      number++;
      yield { line: pending.slice(0, nl), number };
      pending = pending.slice(nl + 1);
      nl = pending.indexOf("\n");
    }
    if (pending.length > maxLineBytes)
      throw new RewardsError({
        code: "INPUT_TOO_LARGE",
        message: `line ${number + 1}: longer than ${maxLineBytes} bytes`,
        details: { line: number + 1, limit: maxLineBytes },
      });
  }
  pending += decoder.decode();
  if (pending.length > 0) yield { line: pending, number: number + 1 };
}

function toResult(s: ScoredSample, fallbackId: number): JsonlResult {
  const out: JsonlResult = { id: s.id ?? fallbackId, reward: s.reward, components: s.components };
  if (Object.keys(s.breakdown).length > 0) out.breakdown = s.breakdown;
  if (s.advantage !== undefined) out.advantage = s.advantage;
  if (s.kept !== undefined) out.kept = s.kept;
  if (s.diagnostics.length > 0) out.diagnostics = s.diagnostics;
  return out;
}

/**
 * Streams JSONL records (`{id?, prompt?, completion | completion_ids, answer?, …}`) through a scorer and
 * yields one result per record, in order. Memory is bounded by one group (or `batchSize` records).
 * Grouping: `groupSize` (or the spec's `group.size`) consecutive records, else consecutive records with
 * the same `group` field. Blank lines are skipped. Throws `JSONL_INVALID` naming the line.
 */
export async function* scoreJsonl(
  scorer: Scorer,
  input: AsyncIterable<string | Uint8Array>,
  rawOptions: ScoreJsonlOptions = {},
): AsyncGenerator<JsonlResult> {
  const options: ScoreJsonlOptions = parseOptions(jsonlOptionsSchema, rawOptions, "scoreJsonl options");
  const size = options.groupSize ?? scorer.spec.group?.size;
  const grouped = scorer.spec.group !== undefined || options.groupSize !== undefined;
  const batchSize = options.batchSize ?? 256;
  let buffer: unknown[] = [];
  let firstIndex = 0;
  let index = 0;
  let currentKey: unknown;

  const flush = function* (): Generator<JsonlResult> {
    if (buffer.length === 0) return;
    const result = scorer.score(buffer, size !== undefined ? { groupSize: size } : {});
    for (let k = 0; k < result.samples.length; k++) yield toResult(result.samples[k]!, firstIndex + k);
    firstIndex += buffer.length;
    buffer = [];
  };

  for await (const { line, number } of readLines(input, options.maxLineBytes)) {
    if (line.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (cause) {
      throw new RewardsError({
        code: "JSONL_INVALID",
        message: `line ${number}: not valid JSON (${(cause as Error).message})`,
        details: { line: number },
        cause,
      });
    }
    if (grouped && size === undefined) {
      const key = (record as { group?: unknown })?.group;
      if (buffer.length > 0 && key !== currentKey) yield* flush();
      currentKey = key;
    }
    buffer.push(record);
    index++;
    if (size !== undefined ? buffer.length === size : !grouped && buffer.length >= batchSize) yield* flush();
  }
  if (size !== undefined && buffer.length > 0)
    throw new RewardsError({
      code: "GROUP_INVALID",
      message: `input ended with ${buffer.length} record(s), not a full group of ${size} (${index} records in all)`,
      details: { records: index, size },
    });
  yield* flush();
}
