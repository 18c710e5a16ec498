import type { ResponseLogScore } from "@rlops/arc-eval";

/**
 * The report's `arc/*` display series of one scored step (scoring and the breaker's metric names are
 * `@rlops/arc-eval`'s `scoreResponseLog` and `responseLogMetrics`).
 */
export function arcStepValues(step: ResponseLogScore): Record<string, number> {
  return {
    "arc/best_pixel_accuracy": step.bestPixelAccuracy,
    "arc/mean_pixel_accuracy": step.meanPixelAccuracy,
    "arc/grid_rate": step.candidates === 0 ? 0 : step.withGrid / step.candidates,
    "arc/perfect": step.perfect,
  };
}
