import { fromZodError, type Result, safely } from "@rlops/errors";
import * as z from "zod";
import { ArcError } from "../errors.js";
import { parseJsonText } from "../task.js";

/** A number as a Python trainer logs it: finite, or `NaN` (`json.dump` writes bare `NaN`). */
const loggedNumber = z.union([z.number(), z.nan()]);
/** Rows of numbers; not required to be a valid ARC grid (a trainer may log a ragged prediction). */
const loggedGrid = z.array(z.array(z.number()));

/**
 * zod schema of one candidate of a trainer response log: the completion text and the trainer's own
 * verdict on it (`accuracy`, `has_grid`, `correct_size`, `perfect_match`). Only the text is needed to
 * re-score; every field is optional because trainers differ, and unknown keys are kept.
 */
export const responseCandidateSchema = z.looseObject({
  /** 1-based id; when absent the candidate's position + 1 is used. */
  candidate_id: z.number().int().optional(),
  /** The completion (harmony text or plain text). */
  response_text: z.string().optional(),
  /** The grid the trainer extracted, or `null` when it found none. */
  predicted_grid: loggedGrid.nullable().optional(),
  /** Pixel accuracy as the trainer computed it. */
  accuracy: loggedNumber.nullable().optional(),
  has_grid: z.boolean().optional(),
  correct_size: z.boolean().optional(),
  perfect_match: z.boolean().optional(),
});
/** One candidate of a {@link ResponseLog}. */
export type ResponseCandidate = z.infer<typeof responseCandidateSchema>;

/**
 * zod schema of a trainer response log `logs/responses/step_NNN.json` (the staged ARC/DAPO trainer's
 * format, also written by `rlops example`): the step, the problem, the target grid and every candidate
 * completion. `step` and `candidates` are required; the rest is optional; unknown keys are kept.
 */
export const responseLogSchema = z.looseObject({
  /** Training step (non-negative integer). */
  step: z.number().int().nonnegative(),
  /** ARC task id; a number is read as its decimal text. */
  problem_id: z
    .union([z.string(), z.number()])
    .transform((id) => String(id))
    .optional(),
  /** The prompt the candidates answered. */
  prompt: z.string().optional(),
  /** The expected output grid. */
  target_grid: loggedGrid.optional(),
  candidates: z.array(responseCandidateSchema),
  best_candidate_id: z.number().int().nullable().optional(),
  /** Best pixel accuracy as the trainer computed it. */
  best_accuracy: loggedNumber.nullable().optional(),
  /** ISO time of the step, as the trainer wrote it. */
  timestamp: z.string().optional(),
});
/** A parsed trainer response log (see {@link responseLogSchema}). */
export type ResponseLog = z.infer<typeof responseLogSchema>;

/** Options of {@link parseResponseLog}. */
export interface ParseResponseLogOptions {
  /** Where the log came from (a file path), used in error messages. Default `"response log"`. */
  source?: string;
  /**
   * Step to use when the log has no `step` (e.g. from the file name, see {@link responseLogFileStep}).
   * A `step` in the log always wins.
   */
  step?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses a trainer response log: JSON text (standard JSON; parse Python's bare `NaN` with a tolerant
 * parser first and pass the value) or an already parsed value. Throws `ArcError` `INVALID_JSON` when
 * the text is not JSON and `INVALID_RESPONSE_LOG` naming the source and the first bad field
 * (`step_007.json: candidates[2].accuracy: …`) otherwise.
 *
 * @example
 * ```ts
 * const log = parseResponseLog(await readFile(file, "utf8"), { source: file, step: responseLogFileStep(file) ?? undefined });
 * ```
 */
export function parseResponseLog(input: unknown, options: ParseResponseLogOptions = {}): ResponseLog {
  const source = options.source ?? "response log";
  let value = typeof input === "string" ? parseJsonText(input, source) : input;
  if (isRecord(value) && value.step === undefined && options.step !== undefined)
    value = { ...value, step: options.step };
  const parsed = responseLogSchema.safeParse(value);
  if (!parsed.success)
    throw fromZodError(ArcError, "INVALID_RESPONSE_LOG", parsed.error, {
      where: source,
      details: { source },
    });
  return parsed.data;
}

/** {@link parseResponseLog} returning a `Result` instead of throwing. */
export function safeParseResponseLog(
  input: unknown,
  options: ParseResponseLogOptions = {},
): Result<ResponseLog, ArcError> {
  return safely(() => parseResponseLog(input, options)) as Result<ResponseLog, ArcError>;
}

const DIGITS_MAX = 15; // below 2^53: every such decimal is an exact safe integer

/**
 * The step in a response log's file name: `step_007.json` → 7 (a path is fine; only the last segment
 * is read). `null` for any other name. The one rule for naming response logs.
 */
export function responseLogFileStep(path: string): number | null {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const name = path.slice(slash + 1);
  if (!name.startsWith("step_") || !name.endsWith(".json")) return null;
  const digits = name.slice(5, -5);
  if (digits.length === 0 || digits.length > DIGITS_MAX) return null;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(digits);
}
