/**
 * `@rlops/recovery/node` — file sources, `watch`, resume planning on disk and crash-safe recovery setup.
 * @packageDocumentation
 */

export type {
  CheckpointListingLike,
  DiskResumePlan,
  ListCheckpointsFn,
  PlanResumeOptions,
  RecoveryManifest,
  SetupOptions,
  SetupResult,
  SetupStep,
} from "./node-plan.js";
/** Resume planning on disk and crash-safe recovery-folder setup. */
export {
  defaultTarget,
  manifestSchema,
  planResume,
  readRecoveryManifest,
  setupRecovery,
  writeJsonAtomic,
} from "./node-plan.js";
export type { CheckOptions, CheckResult, ReadOptions, WatchOptions } from "./node-sources.js";
/** Metric file sources, replay and watch. */
export {
  checkMetrics,
  detectFormat,
  forEachMetricRecord,
  metricsOf,
  readMetricRecords,
  watchMetrics,
} from "./node-sources.js";
