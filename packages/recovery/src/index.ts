/**
 * `@rlops/recovery` — circuit breakers and early stopping decided by step, resume commands, save
 * cadence and resume planning. Browser-safe; file sources, `watch`, `planResume` and `setupRecovery`
 * live in `@rlops/recovery/node`.
 * @packageDocumentation
 */

export type { CadenceTick, FrequencyControlState, SaveCadence, SaveCadenceConfig } from "./cadence.js";
/** Save cadence (AReaL `freq_epochs`/`freq_steps`/`freq_secs`): controller, step-only variant, warnings. */
export {
  cadenceWarnings,
  createSaveCadence,
  FrequencyControl,
  saveCadenceSchema,
  saveSteps,
} from "./cadence.js";
export type { ResumeCommand, ResumeCommandOptions, Trainer } from "./command.js";
/** Resume commands: exact per-trainer command lines, POSIX quoting and command-line parsing. */
export { buildResumeCommand, parseCommandLine, shellJoin, shellQuote, trainerSchema } from "./command.js";
export type {
  BestRule,
  BreakerConfig,
  BreakerConfigInput,
  EarlyStoppingRule,
  GoalRule,
  Rule,
  Trigger,
} from "./config.js";
/** Breaker config schemas and the loader (YAML or JSON text, or an object). */
export {
  bestSchema,
  breakerConfigSchema,
  earlyStoppingSchema,
  goalSchema,
  loadBreakerConfig,
  ruleSchema,
  triggerSchema,
} from "./config.js";
export type { DefaultBreakerInput } from "./default-breaker.js";
/** The default breaker: the config `rlops report` runs and the commented `breaker.yaml` `rlops init` writes. */
export {
  DEFAULT_RULES,
  defaultBreakerConfig,
  PERFECT_METRIC,
  renderDefaultBreakerYaml,
} from "./default-breaker.js";
export type { RecoveryErrorCode } from "./errors.js";
/** The package's error class (stable `code`, see the README's Errors table). */
export { RecoveryError } from "./errors.js";
export { LightningCsvDecoder } from "./lightning-csv.js";
/** The one rule for records at the same step, a streaming merger and a step-keyed table. */
export { mergeRecordInto, StepMerger, StepTable } from "./merge.js";
export type {
  ConfigChange,
  CreateMonitorOptions,
  MetricRecord,
  Monitor,
  RestoreReport,
  RollbackOptions,
} from "./monitor.js";
/** The monitor: `createMonitor(config).observe(record)` → decision; snapshots, restore, rollback. */
export { createMonitor, diffConfigs, parseMonitorState, robustZ } from "./monitor.js";
export type {
  CheckpointLike,
  PlanCommandOptions,
  RejectedCandidate,
  ResumePlan,
  Selection,
  SelectOptions,
} from "./plan.js";
/** Resume planning without I/O: choose a checkpoint before a step, build the plan. */
export { planFromSelection, resolveBeforeStep, selectResumeCheckpoint, sourceRunOf } from "./plan.js";
export type { ObservedMetrics } from "./seen.js";
/** The "did the breaker watch anything" decision: `NO_RECORDS` / `METRIC_NEVER_SEEN`. */
export { assertMetricsSeen } from "./seen.js";
export type { LineResult, MetricFormat, RecordOptions, SourceDiagnostic } from "./sources.js";
/** Metric parsing from text: JSONL lines (NaN-tolerant), trainer_state log_history, ARC response logs. */
export {
  LineSplitter,
  parseJsonWithNonFinite,
  parseMetricLine,
  recordFromObject,
  recordFromResponseLog,
  recordsFromTrainerState,
} from "./sources.js";
export type { Action, Decision, DetectorState, Ledger, MonitorState, MonitorStats } from "./state.js";
/** Decision, metric record and state schemas (versioned JSON). */
export {
  actionSchema,
  decisionSchema,
  ledgerSchema,
  metricRecordSchema,
  monitorStateSchema,
  STATE_VERSION,
} from "./state.js";
export type {
  RecoveryFolder,
  RecoveryResumeInput,
  ResumeStep,
  ResumeStory,
  ResumeStoryInput,
} from "./story.js";
/** The one resume story (recovery folder, then the trainer's resume command) every command prints. */
export { buildRecoveryResume, formatResumeStory, recoveryFolderOf, resumeStory } from "./story.js";
export { crc32c, maskedCrc32c } from "./tensorboard/crc32c.js";
export type { TensorBoardOptions } from "./tensorboard/source.js";
/** TensorBoard events (TFRecord + Event protos, CRC-32C checked) and Lightning `metrics.csv`, from bytes/lines. */
export { hfLogName, TensorBoardDecoder } from "./tensorboard/source.js";
