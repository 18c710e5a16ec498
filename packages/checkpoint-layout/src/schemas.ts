import { formatIssuePath } from "@rlops/errors";
import * as z from "zod";
import { CheckpointError } from "./errors.js";
import { type LenientJson, parseLenientJson } from "./json.js";

/** Any JSON number as Python writes it: finite, `NaN`, `±Infinity`, or a `bigint` for huge integers. */
const num = z.union([
  z.number().or(z.nan()),
  z.custom<number>((v) => v === Infinity || v === -Infinity),
  z.bigint(),
]);
/** A non-negative integer, possibly a `bigint` beyond 2^53. */
const int = z.union([z.number().int().nonnegative(), z.bigint().nonnegative()]);
const signedInt = z.union([z.number().int(), z.bigint()]);

/** One `log_history` entry of `trainer_state.json` (`{**logs, "step": N}`). */
const logHistoryEntrySchema = z.looseObject({ step: signedInt.optional(), epoch: num.optional() });

/**
 * `trainer_state.json` written by `transformers.Trainer` (`TrainerState.save_to_json`). Everything but
 * `global_step` is optional because older files lack many fields; unknown keys are kept.
 */
export const trainerStateSchema = z.looseObject({
  global_step: int,
  log_history: z.array(logHistoryEntrySchema).default([]),
  epoch: num.nullish(),
  max_steps: signedInt.nullish(),
  logging_steps: num.nullish(),
  eval_steps: num.nullish(),
  save_steps: num.nullish(),
  train_batch_size: signedInt.nullish(),
  num_train_epochs: num.nullish(),
  num_input_tokens_seen: signedInt.nullish(),
  total_flos: num.nullish(),
  best_metric: num.nullish(),
  best_global_step: signedInt.nullish(),
  best_model_checkpoint: z.string().nullish(),
  is_local_process_zero: z.boolean().nullish(),
  is_world_process_zero: z.boolean().nullish(),
  is_hyper_param_search: z.boolean().nullish(),
  trial_name: z.string().nullish(),
  trial_params: z.record(z.string(), z.unknown()).nullish(),
  stateful_callbacks: z.unknown().optional(),
});
/** Parsed `trainer_state.json`. */
export type TrainerState = z.infer<typeof trainerStateSchema>;

/** `training_info.json` next to a `final_checkpoint/` (free-form training metadata; all optional). */
export const trainingInfoSchema = z.looseObject({
  model_name: z.string().nullish(),
  global_step: int.nullish(),
  max_steps: signedInt.nullish(),
  learning_rate: num.nullish(),
  timestamp: z.string().nullish(),
});
/** Parsed `training_info.json`. */
export type TrainingInfo = z.infer<typeof trainingInfoSchema>;

/** PEFT `adapter_config.json` (unknown keys accepted; `target_modules` compared as a set). */
export const adapterConfigSchema = z.looseObject({
  peft_type: z.string().nullish(),
  task_type: z.string().nullish(),
  base_model_name_or_path: z.string().nullish(),
  r: signedInt.nullish(),
  lora_alpha: num.nullish(),
  lora_dropout: num.nullish(),
  target_modules: z.union([z.array(z.string()), z.string()]).nullish(),
  inference_mode: z.boolean().nullish(),
  peft_version: z.string().nullish(),
});
/** Parsed `adapter_config.json`. */
export type AdapterConfig = z.infer<typeof adapterConfigSchema>;

/** Staged trainer `metrics.json` (nested objects of numbers, e.g. `{"generator": {"avg_reward": 0.4}}`). */
export const metricsFileSchema = z.record(z.string(), z.unknown());
/** Parsed `metrics.json`. */
export type MetricsFile = z.infer<typeof metricsFileSchema>;

/** Staged trainer `training_config.json` (free-form object). */
export const trainingConfigSchema = z.record(z.string(), z.unknown());
/** Parsed `training_config.json`. */
export type TrainingConfig = z.infer<typeof trainingConfigSchema>;

/** One line of tinker-cookbook `checkpoints.jsonl` (`CheckpointRecord.to_dict()`); extra keys kept. */
export const checkpointRecordSchema = z.looseObject({
  name: z.string(),
  batch: signedInt.nullish(),
  epoch: signedInt.nullish(),
  final: z.boolean().nullish(),
  state_path: z.string().nullish(),
  sampler_path: z.string().nullish(),
  rolling: z.boolean().nullish(),
  expires_at: z.string().nullish(),
});
/** One parsed `checkpoints.jsonl` record. */
export type CheckpointRecord = z.infer<typeof checkpointRecordSchema>;

/** `final_checkpoint_info.json` written next to a Tinker run's local metadata. */
export const finalCheckpointInfoSchema = z.looseObject({
  model_id: z.string().nullish(),
  base_model: z.string().nullish(),
  lora_rank: signedInt.nullish(),
  checkpoints: z.looseObject({
    final_state: z.string().nullish(),
    sampler_weights: z.string().nullish(),
  }),
  usage: z.record(z.string(), z.unknown()).nullish(),
});
/** Parsed `final_checkpoint_info.json`. */
export type FinalCheckpointInfo = z.infer<typeof finalCheckpointInfoSchema>;

/** AReaL `recover_info/step_info.json` (`StepInfo`). */
export const stepInfoSchema = z.looseObject({
  epoch: signedInt,
  epoch_step: signedInt,
  global_step: signedInt,
  steps_per_epoch: signedInt,
});
/** Parsed AReaL `StepInfo`. */
export type StepInfo = z.infer<typeof stepInfoSchema>;

/** One AReaL `FrequencyControl.state_dict()`. */
const frequencyControlSchema = z.looseObject({
  frequence_seconds: num.nullable(),
  frequency_steps: signedInt.nullable(),
  start_time: num,
  steps: signedInt,
  last_time: num,
  last_steps: signedInt,
  interval_steps: signedInt.optional(),
  interval_seconds: num.optional(),
  initial_value: z.boolean().optional(),
});

/** AReaL `saver_info.json` / `checkpoint_info.json` / `evaluator_info.json` (`EpochStepTimeFreqCtl`). */
export const freqCtlInfoSchema = z.looseObject({
  epoch: frequencyControlSchema,
  step: frequencyControlSchema,
  time: frequencyControlSchema,
});
/** Parsed AReaL frequency-controller state. */
export type FreqCtlInfo = z.infer<typeof freqCtlInfoSchema>;

/** AReaL `stats_logger_info.json`. */
export const statsLoggerInfoSchema = z.looseObject({ last_commit_step: signedInt });
/** Parsed AReaL stats-logger state. */
export type StatsLoggerInfo = z.infer<typeof statsLoggerInfoSchema>;

/** The JSON files of AReaL `recover_info/` and the schema each must match (plus `dataloader_info.pkl`). */
export const arealRecoverInfoFiles = {
  "step_info.json": stepInfoSchema,
  "saver_info.json": freqCtlInfoSchema,
  "evaluator_info.json": freqCtlInfoSchema,
  "stats_logger_info.json": statsLoggerInfoSchema,
  "checkpoint_info.json": freqCtlInfoSchema,
} as const;

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = formatIssuePath(issue.path);
  return `${path}: ${issue.message}`;
}

/**
 * Parses lenient JSON text and validates it against `schema`; throws `JSON_INVALID` or
 * `METADATA_INVALID` naming `source` and the failing field.
 */
export function parseWithSchema<S extends z.ZodType>(schema: S, text: string, source: string): z.infer<S> {
  const value: LenientJson = parseLenientJson(text, { source });
  return validateWithSchema(schema, value, source);
}

/** Validates an already parsed value; throws `METADATA_INVALID` naming `source` and the field. */
export function validateWithSchema<S extends z.ZodType>(
  schema: S,
  value: unknown,
  source: string,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new CheckpointError({
      code: "METADATA_INVALID",
      message: `${source}: ${first ? formatIssue(first) : "invalid"}`,
      cause: result.error,
      details: { source, issues: result.error.issues.map(formatIssue) },
    });
  }
  return result.data;
}

/** Parses `trainer_state.json` text (accepts `NaN`/`Infinity` and big integers). */
export function parseTrainerState(text: string, source = "trainer_state.json"): TrainerState {
  return parseWithSchema(trainerStateSchema, text, source);
}

/** A line of `checkpoints.jsonl` that could not be used. */
export interface JsonlProblem {
  /** 1-based line number. */
  line: number;
  code: "TORN_LINE" | "BAD_LINE" | "BLANK_LINE";
  message: string;
}

/** At most this many `checkpoints.jsonl` problems are kept; the rest are counted in `omittedProblems`. */
const MAX_JSONL_PROBLEMS = 1000;

/**
 * Parses tinker-cookbook `checkpoints.jsonl`. A torn last line (crash mid-append), blank lines and
 * malformed lines are reported in `problems` instead of throwing: the first 1000,
 * with the number of the others in `omittedProblems` (memory stays bounded on hostile files).
 */
export function parseCheckpointsJsonl(
  text: string,
  source = "checkpoints.jsonl",
): {
  records: Array<CheckpointRecord & { line: number }>;
  problems: JsonlProblem[];
  omittedProblems: number;
} {
  const records: Array<CheckpointRecord & { line: number }> = [];
  const problems: JsonlProblem[] = [];
  let omittedProblems = 0;
  const report = (problem: JsonlProblem): void => {
    if (problems.length < MAX_JSONL_PROBLEMS) problems.push(problem);
    else omittedProblems++;
  };
  const lines = text.split("\n");
  const endsWithNewline = text.endsWith("\n");
  for (let k = 0; k < lines.length; k++) {
    const raw = lines[k]!;
    const lineNo = k + 1;
    const isLast = k === lines.length - 1;
    if (isLast && raw === "" && endsWithNewline) break;
    if (raw.trim() === "") {
      report({ line: lineNo, code: "BLANK_LINE", message: `${source}:${lineNo}: blank line skipped` });
      continue;
    }
    try {
      const rec = parseWithSchema(checkpointRecordSchema, raw, `${source}:${lineNo}`);
      records.push({ ...rec, line: lineNo });
    } catch (error) {
      const torn = isLast && !endsWithNewline;
      const why = error instanceof Error ? error.message : String(error);
      report({
        line: lineNo,
        code: torn ? "TORN_LINE" : "BAD_LINE",
        message: torn ? `${source}:${lineNo}: torn last line (crash mid-append?): ${why}` : why,
      });
    }
  }
  return { records, problems, omittedProblems };
}
