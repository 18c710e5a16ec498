import * as z from "zod";
import type { ExtractOptions } from "../extract/types.js";
import { checkGrid, type Grid } from "../grid.js";
import { type CompareOptions, scoreResponse } from "../metrics.js";
import type { Task } from "../task.js";
import type { ResponseCandidate, ResponseLog } from "./schema.js";

/**
 * zod schema of {@link scoreResponseLog}'s result: one step of a response log, scored. The report's ARC
 * step, the breaker's metric record ({@link responseLogMetrics}) and the summary are all built from it.
 */
export const responseLogScoreSchema = z.object({
  step: z.number(),
  problemId: z.string().nullable(),
  /**
   * `"rescored"`: every candidate's text was re-extracted and compared with the target (the logged
   * verdicts are not trusted); `"logged"`: there was no usable target, so the trainer's own
   * `has_grid` / `correct_size` / `perfect_match` / `accuracy` are reported (see `basisReason`).
   */
  basis: z.enum(["rescored", "logged"]),
  /** Why the basis is `"logged"` (`null` when rescored). */
  basisReason: z.string().nullable(),
  candidates: z.number().int().nonnegative(),
  /** Candidates whose text held a grid. */
  withGrid: z.number().int().nonnegative(),
  /** Candidates whose grid had the target's size. */
  sizeMatch: z.number().int().nonnegative(),
  /** Candidates that reproduced the target exactly. */
  perfect: z.number().int().nonnegative(),
  /** Id of the candidate with the highest pixel accuracy (first wins), `null` when none had a grid. */
  bestCandidateId: z.number().nullable(),
  bestPixelAccuracy: z.number(),
  /** Mean over every candidate (a candidate without a grid counts 0). */
  meanPixelAccuracy: z.number(),
  /** `best_accuracy` as the trainer logged it, for comparison. */
  loggedBestAccuracy: z.number().nullable(),
});
/** One scored response log (see {@link responseLogScoreSchema}). */
export type ResponseLogScore = z.infer<typeof responseLogScoreSchema>;

/** zod schema of {@link summarizeResponseLogs}'s result. */
export const responseLogSummarySchema = z.object({
  /** Every scored step, ascending by step. */
  steps: z.array(responseLogScoreSchema),
  totals: z.object({
    steps: z.number().int().nonnegative(),
    candidates: z.number().int().nonnegative(),
    withGrid: z.number().int().nonnegative(),
    /** Steps with at least one perfect candidate. */
    perfectSteps: z.number().int().nonnegative(),
    /** Problem ids solved at least once, sorted. */
    perfectProblems: z.array(z.string()),
    meanBestPixelAccuracy: z.number(),
    /** Rescored steps whose best accuracy differs from the logged one by more than 1e-3 (logs round). */
    loggedDisagreements: z.number().int().nonnegative(),
  }),
});
/** Totals over scored response logs (see {@link responseLogSummarySchema}). */
export type ResponseLogSummary = z.infer<typeof responseLogSummarySchema>;

/** Options of {@link scoreResponseLog}. */
export interface ScoreResponseLogOptions {
  /** Which test pair of `task` holds the target. Default 0. */
  testIndex?: number;
  /** Grid extraction options; `harmony` defaults to `"final-only"` (see below). */
  extract?: ExtractOptions;
  /** Comparison options (e.g. `sizeMismatch`). */
  compare?: CompareOptions;
}

/** Largest difference between a logged and a rescored best accuracy that is rounding, not disagreement. */
const LOGGED_TOLERANCE = 1e-3;

function targetOf(
  log: ResponseLog,
  task: Task | undefined,
  testIndex: number,
): { grid: Grid } | { reason: string } {
  const fromTask = task?.test[testIndex]?.output;
  if (fromTask) return { grid: fromTask };
  if (log.target_grid === undefined)
    return {
      reason: task ? `task has no output for test ${testIndex} and the log no target_grid` : "no target_grid",
    };
  const problem = checkGrid(log.target_grid);
  return problem ? { reason: `target_grid is not a grid (${problem.message})` } : { grid: log.target_grid };
}

interface Verdict {
  hasGrid: boolean;
  sizeMatch: boolean;
  perfect: boolean;
  pixelAccuracy: number;
}

// A logged perfect match implies a grid of the right size, whether or not the trainer logged those flags.
function loggedVerdict(c: ResponseCandidate): Verdict {
  const accuracy = typeof c.accuracy === "number" && Number.isFinite(c.accuracy) ? c.accuracy : 0;
  const perfect = c.perfect_match === true;
  return {
    hasGrid: c.has_grid === true || perfect || (c.has_grid === undefined && Array.isArray(c.predicted_grid)),
    sizeMatch: c.correct_size === true || perfect,
    perfect,
    pixelAccuracy: accuracy,
  };
}

/**
 * Scores one step of a response log. With a target (the `task`'s test output when given, else the log's
 * `target_grid`), every candidate is re-scored from its text: the harmony `final` channel when the text
 * has harmony markers (an analysis-only completion has no answer), else the whole text; then the last
 * grid in it ({@link extractGrid}) is compared with the target ({@link compareGrids}). Without a usable
 * target, the trainer's logged verdicts are used and `basis` says so. Never throws.
 *
 * @example
 * ```ts
 * const score = scoreResponseLog(parseResponseLog(text));
 * score.perfect; // candidates that reproduced the target
 * ```
 */
export function scoreResponseLog(
  log: ResponseLog,
  task?: Task,
  options: ScoreResponseLogOptions = {},
): ResponseLogScore {
  const target = targetOf(log, task, options.testIndex ?? 0);
  const extract: ExtractOptions = { harmony: "final-only", ...options.extract };
  let withGrid = 0;
  let sizeMatch = 0;
  let perfect = 0;
  let bestId: number | null = null;
  let best = 0;
  let sum = 0;
  log.candidates.forEach((candidate, index) => {
    const v =
      "grid" in target
        ? scoreResponse(candidate.response_text ?? "", target.grid, { ...extract, ...options.compare })
        : loggedVerdict(candidate);
    if (!v.hasGrid) return;
    withGrid++;
    if (v.sizeMatch) sizeMatch++;
    if (v.perfect) perfect++;
    sum += v.pixelAccuracy;
    if (bestId === null || v.pixelAccuracy > best) {
      best = v.pixelAccuracy;
      bestId = candidate.candidate_id ?? index + 1;
    }
  });
  const logged = log.best_accuracy;
  return {
    step: log.step,
    problemId: log.problem_id ?? null,
    basis: "grid" in target ? "rescored" : "logged",
    basisReason: "grid" in target ? null : target.reason,
    candidates: log.candidates.length,
    withGrid,
    sizeMatch,
    perfect,
    bestCandidateId: bestId,
    bestPixelAccuracy: best,
    meanPixelAccuracy: log.candidates.length === 0 ? 0 : sum / log.candidates.length,
    loggedBestAccuracy: typeof logged === "number" && Number.isFinite(logged) ? logged : null,
  };
}

/**
 * The metric values one scored step contributes to a metrics series or a breaker record, under the
 * names breaker configs use: `perfect` (1 when any candidate is perfect, else 0), `perfect_count`,
 * `candidates`, `best_accuracy`, `mean_accuracy`, `has_grid_rate`, `correct_size_rate`. Accuracies and
 * rates are absent for a step without candidates (`best_accuracy` then falls back to the logged one).
 */
export function responseLogMetrics(score: ResponseLogScore): Record<string, number> {
  const metrics: Record<string, number> = {
    perfect: score.perfect > 0 ? 1 : 0,
    perfect_count: score.perfect,
    candidates: score.candidates,
  };
  if (score.candidates > 0) {
    metrics.best_accuracy = score.bestPixelAccuracy;
    metrics.mean_accuracy = score.meanPixelAccuracy;
    metrics.has_grid_rate = score.withGrid / score.candidates;
    metrics.correct_size_rate = score.sizeMatch / score.candidates;
  } else if (score.loggedBestAccuracy !== null) metrics.best_accuracy = score.loggedBestAccuracy;
  return metrics;
}

function isScore(value: ResponseLog | ResponseLogScore): value is ResponseLogScore {
  return typeof (value as Partial<ResponseLogScore>).basis === "string";
}

/**
 * Totals over many steps: logs are scored with {@link scoreResponseLog} (no task), already scored
 * steps are taken as they are (so a caller that streams files keeps only the scores). Steps are sorted
 * ascending; `perfectProblems` lists each solved problem id once.
 */
export function summarizeResponseLogs(items: Iterable<ResponseLog | ResponseLogScore>): ResponseLogSummary {
  const steps: ResponseLogScore[] = [];
  for (const item of items) steps.push(isScore(item) ? item : scoreResponseLog(item));
  steps.sort((a, b) => a.step - b.step);
  const perfectProblems = new Set<string>();
  let candidates = 0;
  let withGrid = 0;
  let perfectSteps = 0;
  let bestSum = 0;
  let disagreements = 0;
  for (const step of steps) {
    candidates += step.candidates;
    withGrid += step.withGrid;
    bestSum += step.bestPixelAccuracy;
    if (step.perfect > 0) {
      perfectSteps++;
      if (step.problemId !== null) perfectProblems.add(step.problemId);
    }
    if (
      step.basis === "rescored" &&
      step.loggedBestAccuracy !== null &&
      Math.abs(step.loggedBestAccuracy - step.bestPixelAccuracy) > LOGGED_TOLERANCE
    )
      disagreements++;
  }
  return {
    steps,
    totals: {
      steps: steps.length,
      candidates,
      withGrid,
      perfectSteps,
      perfectProblems: [...perfectProblems].sort(),
      meanBestPixelAccuracy: steps.length === 0 ? 0 : bestSum / steps.length,
      loggedDisagreements: disagreements,
    },
  };
}
