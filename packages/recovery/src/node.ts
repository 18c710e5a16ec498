/**
 * `@rlops/recovery/node` — file sources, `watch`, resume planning on disk and crash-safe recovery setup.
 * @packageDocumentation
 */

export type { CheckOptions, CheckResult, ReadOptions, WatchOptions } from "./node-sources.js";
/** Metric file sources, replay and watch. */
export { checkMetrics, detectFormat, readMetricRecords, watchMetrics } from "./node-sources.js";
