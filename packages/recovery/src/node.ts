/**
 * `@rlops/recovery/node` — file sources, `watch`, resume planning on disk and crash-safe recovery setup.
 * @packageDocumentation
 */

export type {
  CollectedSource,
  CollectOptions,
  DiscoverOptions,
  MetricSourceRef,
  RunRoot,
} from "./node-discovery.js";
/** The one metric discovery of a run folder (report, breaker check/watch) and run roots of a folder. */
export {
  collectRunMetrics,
  discoverMetricSources,
  findRunRoots,
  listRunFiles,
  SKIP_DIRS,
} from "./node-discovery.js";
/** Leases of setup's temporary folders: a heartbeat mtime instead of a PID check. */
export { LEASE_HEARTBEAT_MS, LEASE_STALE_MS } from "./node-lease.js";
export type { RecoveryManifest } from "./node-manifest.js";
/** The recovery manifest and atomic JSON writes. */
export { manifestSchema, readRecoveryManifest, writeJsonAtomic } from "./node-manifest.js";
export type {
  CheckpointListingLike,
  DiskResumePlan,
  ListCheckpointsFn,
  PlanResumeOptions,
} from "./node-plan.js";
/** Resume planning on disk. */
export { planResume } from "./node-plan.js";
export type { MetricTarget, ReplayOptions, RunCheckResult } from "./node-run.js";
/** Replaying a run's merged metrics (report, `breaker check <run-dir>`), one run per folder. */
export { assertOneRun, checkRun, metricTarget, replayTable } from "./node-run.js";
export type { SetupOptions, SetupResult, SetupStep } from "./node-setup.js";
/** Crash-safe recovery-folder setup. */
export { defaultTarget, setupRecovery } from "./node-setup.js";
export type { CheckOptions, CheckResult, ReadOptions } from "./node-sources.js";
/** Metric file sources and replay. */
export {
  checkMetrics,
  detectFormat,
  forEachMetricRecord,
  metricsOf,
  readMetricRecords,
} from "./node-sources.js";
export type { WatchEvent, WatchOptions } from "./node-watch.js";
/** Following a live run: decisions as records arrive, truncation/replacement detected by identity. */
export { chooseWatchSource, watchMetrics } from "./node-watch.js";
