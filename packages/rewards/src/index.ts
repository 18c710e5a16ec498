export type { TrlRewardArgs } from "./adapters.js";
/** Calling-convention adapters (TRL, verl, OpenRLHF, AReaL, verifiers) over one scorer. */
export {
  toArealRewardFn,
  toOpenRlhfRewardFunc,
  toTrlRewardFunc,
  toVerifiersRewardFunc,
  toVerlComputeScore,
} from "./adapters.js";
export type { RewardsErrorCode } from "./errors.js";
export { RewardsError } from "./errors.js";
export type {
  AdvantageOptions,
  GroupStats,
  PreferencePair,
} from "./group.js";
export {
  /** GRPO-family advantages (TRL, verl, OpenRLHF, AReaL, RLOO) with NaN = unscorable → 0. */
  computeAdvantages,
  /** DAPO dynamic-sampling filters (verl, slime, OpenRLHF, Tinker, band). */
  filterGroups,
  /** TRL `frac_reward_zero_std`. */
  fracRewardZeroStd,
  /** Per-group mean/std/zero-std. */
  groupStats,
  /** NaN-aware mean. */
  nanMean,
  /** NaN-aware std (Bessel or population). */
  nanStd,
  /** GDPO normalize-then-sum. */
  normalizeThenSum,
  /** Best/worst pair of a group weighted by the reward difference. */
  preferencePair,
} from "./group.js";
export { KIND_NAMES } from "./kinds/index.js";
export {
  /** A positive integer ≤ max with the shared messages (every bounded count of every path). */
  boundedCount,
  /** A group size: positive integer ≤ `MAX_GROUP_SIZE` (the one schema of spec, library, HTTP and CLI). */
  groupSizeSchema,
  /** Largest `batchSize` of the JSONL bridge. */
  MAX_BATCH_SIZE,
  /** Largest group size accepted on any path. */
  MAX_GROUP_SIZE,
  /** Largest `maxLineBytes` of the JSONL bridge. */
  MAX_LINE_BYTES,
  /** Validates options with a schema; throws `INVALID_OPTIONS` naming the field. */
  parseOptions,
  /** Options of `Scorer.score` (groupSize, groups). */
  scoreOptionsSchema,
} from "./limits.js";
export type { Diagnostic, Sample } from "./sample.js";
export { normalizeSample, sampleSchema } from "./sample.js";
export type {
  ScoredGroup,
  ScoredGroupStats,
  ScoredSample,
  ScoreMetrics,
  ScoreOptions,
  ScoreResult,
  Scorer,
} from "./scorer.js";
export { createScorer } from "./scorer.js";
export type { GroupConfig, GroupFilter, RewardEntry, RewardSpec, RewardSpecInput } from "./spec.js";
export {
  loadRewardSpec,
  MAX_SPEC_ALIASES,
  MAX_SPEC_BYTES,
  MAX_SPEC_DEPTH,
  rewardSpecJsonSchema,
  rewardSpecSchema,
} from "./spec.js";
export type { BatchSummary, SummaryRecord } from "./summary.js";
/** The batch summary record of the JSONL bridge (TRL metric names), and its flattening of metrics. */
export { batchSummarySchema, summarizeBatch, summaryRecordSchema, trlMetrics } from "./summary.js";
