import type { ArcStep, ArcSummary } from "./schema.js";

/** A response-log candidate (seed 004 schema), as far as the report reads it. */
export interface ResponseCandidate {
  candidate_id?: number;
  response_text?: string;
  accuracy?: number;
}

/** A per-step response log `logs/responses/step_NNN.json` (seed 004 schema). */
export interface ResponseLog {
  step: number;
  problem_id?: string;
  target_grid?: number[][];
  candidates: ResponseCandidate[];
  best_candidate_id?: number;
  best_accuracy?: number;
}

/** The scoring functions the ARC summary composes (from `@rlops/harmony-format` and `@rlops/arc-eval`). */
export interface ArcScorer {
  /** Final-channel text of a harmony completion, or `null` when there is none. */
  extractFinalText(text: string): string | null;
  /** The grid in a free-text answer. */
  extractGrid(text: string): { ok: true; grid: number[][] } | { ok: false; reason: string };
  /** Grid comparison. */
  compareGrids(
    pred: number[][],
    target: number[][],
  ): { sizeMatch: boolean; pixelAccuracy: number; perfect: boolean };
}

/**
 * Re-scores one step's candidates from their texts: the harmony final channel (or the whole text when the
 * completion has no channels, the seed's "simplified format"), the grid in it, and pixel accuracy against
 * the target. The logged `accuracy` values are not trusted; `loggedBestAccuracy` keeps them for comparison.
 */
export function scoreResponseLog(log: ResponseLog, scorer: ArcScorer): ArcStep {
  let withGrid = 0;
  let sizeMatch = 0;
  let perfect = 0;
  let bestId: number | null = null;
  let best = 0;
  let sum = 0;
  const target = log.target_grid;
  log.candidates.forEach((candidate, index) => {
    const text = typeof candidate.response_text === "string" ? candidate.response_text : "";
    const hasChannels = text.includes("<|channel|>");
    const answer = hasChannels ? scorer.extractFinalText(text) : text;
    if (answer === null) return;
    const extracted = scorer.extractGrid(answer);
    if (!extracted.ok) return;
    withGrid++;
    if (!target) return;
    const comparison = scorer.compareGrids(extracted.grid, target);
    if (comparison.sizeMatch) sizeMatch++;
    if (comparison.perfect) perfect++;
    sum += comparison.pixelAccuracy;
    const id = candidate.candidate_id ?? index + 1;
    if (bestId === null || comparison.pixelAccuracy > best) {
      best = comparison.pixelAccuracy;
      bestId = id;
    }
  });
  return {
    step: log.step,
    problemId: log.problem_id ?? null,
    candidates: log.candidates.length,
    withGrid,
    sizeMatch,
    perfect,
    bestCandidateId: bestId,
    bestPixelAccuracy: best,
    meanPixelAccuracy: log.candidates.length === 0 ? 0 : sum / log.candidates.length,
    loggedBestAccuracy: typeof log.best_accuracy === "number" ? log.best_accuracy : null,
  };
}

/** Totals over scored steps (ascending by step). */
export function summarizeArc(steps: ArcStep[]): ArcSummary {
  const sorted = [...steps].sort((a, b) => a.step - b.step);
  const perfectProblems = new Set<string>();
  let candidates = 0;
  let withGrid = 0;
  let perfectSteps = 0;
  let bestSum = 0;
  let disagreements = 0;
  for (const step of sorted) {
    candidates += step.candidates;
    withGrid += step.withGrid;
    bestSum += step.bestPixelAccuracy;
    if (step.perfect > 0) {
      perfectSteps++;
      if (step.problemId !== null) perfectProblems.add(step.problemId);
    }
    if (step.loggedBestAccuracy !== null && Math.abs(step.loggedBestAccuracy - step.bestPixelAccuracy) > 1e-3)
      disagreements++;
  }
  return {
    steps: sorted,
    totals: {
      steps: sorted.length,
      candidates,
      withGrid,
      perfectSteps,
      perfectProblems: [...perfectProblems].sort(),
      meanBestPixelAccuracy: sorted.length === 0 ? 0 : bestSum / sorted.length,
      loggedDisagreements: disagreements,
    },
  };
}

/** Metric values an ARC step contributes to the report's series and the breaker records. */
export function arcStepValues(step: ArcStep): Record<string, number> {
  return {
    "arc/best_pixel_accuracy": step.bestPixelAccuracy,
    "arc/mean_pixel_accuracy": step.meanPixelAccuracy,
    "arc/grid_rate": step.candidates === 0 ? 0 : step.withGrid / step.candidates,
    "arc/perfect": step.perfect,
  };
}
