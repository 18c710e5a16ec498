/**
 * @packageDocumentation
 * One model of every checkpoint layout RL trainers write (HF Trainer/TRL/Unsloth, AReaL, staged
 * trainers, Tinker, step folders, Lightning, DeepSpeed, DCP), with completeness and integrity
 * checks and retention planning. Browser-safe: all file access goes through a {@link Storage}.
 */

export type { ListOptions, StepBound, StorageOptions } from "./api.js";
export {
  /** Detects the layout of a run directory. */
  detectLayout,
  /** Applies `beforeStep` / `maxStep` / `include` filters to a list of checkpoints. */
  filterCheckpoints,
  /** Lists every checkpoint of a run directory. */
  listCheckpoints,
  /** Writes an `rlops-manifest.json` sha256 manifest into a checkpoint folder. */
  writeManifest,
} from "./api.js";
export type { CheckpointErrorCode } from "./errors.js";
/** The package's error class (stable `code`, `cause` kept). */
export { CheckpointError } from "./errors.js";
export type { VerifyLevel } from "./folder.js";
export type {
  HashedManifest,
  Manifest,
  ManifestEntry,
  SafetensorsReport,
  SafetensorsTensor,
  ZipReport,
} from "./integrity.js";
export {
  /** Checks a safetensors file's header and length exactly like the Rust reader. */
  checkSafetensors,
  /** Checks a torch zip archive: end record, CRC-32 of entries, pickle STOP of `data.pkl`. */
  checkTorchZip,
  /** Name of the manifest file. */
  MANIFEST_NAME,
  /** zod schema of one manifest file entry (`{path, size, sha256}`). */
  manifestEntrySchema,
  /** zod schema of the one manifest (`rlops-manifest.json`); other manifests extend it. */
  manifestSchema,
  /** Bits per element of each safetensors dtype. */
  SAFETENSORS_DTYPE_BITS,
} from "./integrity.js";
export type { LenientJson, LenientJsonOptions } from "./json.js";
/** JSON parser accepting `NaN`/`Infinity` and returning big integers as `bigint`. */
export { parseLenientJson } from "./json.js";
export type { LatestOptions, LatestResult } from "./latest.js";
/** Newest checkpoint that really qualifies for resume or inference (read lazily), with rejected candidates. */
export { latestCheckpoint } from "./latest.js";
export type { LayoutCandidate, LayoutDetection, ProgressCallback, TinkerRemoteInfo } from "./layouts.js";
/** Parsers of layout-specific names (AReaL folders, Lightning files). */
export { parseArealName, parseLightningName } from "./layouts.js";
export type {
  Checkpoint,
  CheckpointListing,
  CheckpointProblem,
  CheckpointProblemCode,
  CheckpointRole,
  IgnoredEntry,
  Layout,
} from "./model.js";
export {
  /** zod schema of every stable problem code (the union `CheckpointProblemCode`). */
  checkpointProblemCodeSchema,
  /** zod schema of one problem of a checkpoint (`{code, message, file?, severity}`). */
  checkpointProblemSchema,
  /** zod schema of a checkpoint's role in its run (`intermediate`, `best`, `final`, `recover`). */
  checkpointRoleSchema,
  /** zod schema of one checkpoint, the same for every layout (`Checkpoint` is inferred from it). */
  checkpointSchema,
  /** Orders checkpoints oldest → newest (numeric steps, exact for huge ones). */
  compareCheckpoints,
  /** Compares two decimal digit strings numerically. */
  compareStepText,
  /** zod schema of an ignored directory entry. */
  ignoredEntrySchema,
  /** Every layout name. */
  LAYOUTS,
  /** zod schema of a layout name. */
  layoutSchema,
} from "./model.js";
export type { DcpMetadata, LightningCheckpointMeta, TrainingArgs } from "./pickle/meta.js";
export {
  /** zod schema of the byte ranges a DCP `.metadata` names. */
  dcpMetadataSchema,
  /** zod schema of a Lightning `.ckpt`'s top-level facts and callback states. */
  lightningCheckpointMetaSchema,
  /** Parses a torch.distributed.checkpoint `.metadata` pickle (bytes). */
  parseDcpMetadata,
  /** Reads a DCP `.metadata` file: every data file and byte range it names. */
  readDcpMetadata,
  /** Reads `epoch`, `global_step`, ModelCheckpoint / EarlyStopping state from a Lightning `.ckpt` (no Python). */
  readLightningCheckpointMeta,
  /** Reads HF `training_args.bin` (`save_total_limit`, `save_steps`, `max_steps`, best-model settings; no Python). */
  readTrainingArgs,
  /** zod schema of what {@link readTrainingArgs} returns. */
  trainingArgsSchema,
} from "./pickle/meta.js";
export type { PickleLimits } from "./pickle/reader.js";
/** Safe pickle reader: nothing executed, classes recorded by name, bounded, typed errors. */
export { readPickle } from "./pickle/reader.js";
export type {
  PickleDict,
  PickleGlobal,
  PickleObject,
  PicklePersistent,
  PickleSet,
  PickleTuple,
  PickleValue,
} from "./pickle/types.js";
/** Pickle value helpers: dict lookup, object state, conversion to plain JSON-like data. */
export { dictGet, objectState, toPlain } from "./pickle/values.js";
export type { PlanOptions, RetentionCandidate } from "./retention.js";
export {
  /** HF's `.*checkpoint-([0-9]+)` number of a path. */
  hfCheckpointNumber,
  /** Pure, dry-run retention plan (HF `save_total_limit` v4/v5 or the safe policy), safety set always kept. */
  planRetention,
} from "./retention.js";
export type {
  ApplyOptions,
  PlanDifference,
  PlanRunOptions,
  RetentionResult,
} from "./retention-apply.js";
export {
  /** Deletes what a plan lists, re-validating the kept set and each folder's content identity first. */
  applyRetention,
  /** Compares a dry-run plan with a fresh plan of the same run. */
  diffPlans,
  /** Content identity (names, sizes, mtimes) of a folder. */
  fingerprintFolder,
  /** `best_model_checkpoint` of an HF run's newest `trainer_state.json`. */
  hfBestModelCheckpoint,
  /** Lists a run and plans its retention with fingerprints (what `rlops ckpt prune` runs). */
  planRunRetention,
} from "./retention-apply.js";
export type {
  FolderFingerprint,
  HfRetentionPolicy,
  ParsedRetentionPlan,
  RetentionDecision,
  RetentionGuard,
  RetentionOverride,
  RetentionPlan,
  RetentionPolicy,
  RetentionProtect,
  SafeRetentionPolicy,
} from "./retention-schema.js";
export {
  /** zod schemas of retention policies, decisions and plans (`rlops ckpt prune --json`). */
  retentionPlanSchema,
  retentionPolicySchema,
} from "./retention-schema.js";
export type {
  AdapterConfig,
  CheckpointRecord,
  FinalCheckpointInfo,
  FreqCtlInfo,
  JsonlProblem,
  MetricsFile,
  StatsLoggerInfo,
  StepInfo,
  TrainerState,
  TrainingConfig,
  TrainingInfo,
} from "./schemas.js";
export {
  /** zod schema of PEFT `adapter_config.json`. */
  adapterConfigSchema,
  /** The AReaL `recover_info/` JSON files and their schemas. */
  arealRecoverInfoFiles,
  /** zod schema of a `checkpoints.jsonl` record. */
  checkpointRecordSchema,
  /** zod schema of `final_checkpoint_info.json`. */
  finalCheckpointInfoSchema,
  /** zod schema of AReaL saver/evaluator/checkpoint info. */
  freqCtlInfoSchema,
  /** zod schema of staged `metrics.json`. */
  metricsFileSchema,
  /** Parses `checkpoints.jsonl`, reporting torn/blank lines. */
  parseCheckpointsJsonl,
  /** Parses `trainer_state.json` (NaN/Infinity/big ints accepted). */
  parseTrainerState,
  /** zod schema of AReaL `stats_logger_info.json`. */
  statsLoggerInfoSchema,
  /** zod schema of AReaL `step_info.json`. */
  stepInfoSchema,
  /** zod schema of `trainer_state.json`. */
  trainerStateSchema,
  /** zod schema of staged `training_config.json`. */
  trainingConfigSchema,
  /** zod schema of `training_info.json`. */
  trainingInfoSchema,
} from "./schemas.js";
export type { CheckpointUse, RejectedCandidate, Selection, SelectOptions } from "./select.js";
export {
  /** zod schema of a rejected candidate (`{name, location, step, reasons}`). */
  rejectedCandidateSchema,
  /** The one checkpoint selector over a listing (pure). */
  selectCheckpoint,
} from "./select.js";
export type { DirEntry, EntryType, IncrementalHash, MemoryFile, StatInfo, Storage } from "./storage.js";
/** In-memory storage for tests and browsers. */
export { createMemoryStorage } from "./storage.js";
export type { TinkerPath } from "./tinker.js";
/** Parses `tinker://<run>/<weights|sampler_weights>/<name>` like the Tinker SDK. */
export { parseTinkerPath } from "./tinker.js";
export type { ValidateOptions, ValidationReport } from "./validate-checkpoint.js";
/** Validates one checkpoint (shallow or deep) without Python. */
export { validateCheckpoint } from "./validate-checkpoint.js";
export type { PathValidation, RunValidationReport } from "./validate-run.js";
export {
  /** Validates a run directory (every checkpoint) or one checkpoint, whichever `path` is. */
  validatePath,
  /** Validates every checkpoint of a run directory. */
  validateRun,
} from "./validate-run.js";
