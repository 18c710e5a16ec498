/**
 * `@rlops/recovery/node` — file sources, `watch`, resume planning on disk and crash-safe recovery setup.
 * @packageDocumentation
 */

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
export type { SetupOptions, SetupResult, SetupStep } from "./node-setup.js";
/** Crash-safe recovery-folder setup. */
export { defaultTarget, setupRecovery } from "./node-setup.js";
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
