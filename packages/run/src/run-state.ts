import * as z from "zod";

/**
 * How a run ended, as the trainer itself recorded it (HF/TRL `trainer_state.json`): the step it
 * reached, its `max_steps`, HF's control flags and the `EarlyStoppingCallback` state.
 */
export const runEndStateSchema = z.object({
  /** The `trainer_state.json` this was read from (relative to the run root). */
  source: z.string(),
  globalStep: z.number().int().nonnegative().nullable(),
  /** `max_steps` (`-1`/absent → `null`). */
  maxSteps: z.number().int().positive().nullable(),
  /** `stateful_callbacks.TrainerControl.args.should_training_stop`. */
  shouldTrainingStop: z.boolean(),
  /** `EarlyStoppingCallback` patience and counter, when the run used it. */
  earlyStopping: z
    .object({ patience: z.number().int().nonnegative(), counter: z.number().int().nonnegative() })
    .nullable(),
  /** `best_model_checkpoint` (the folder name), when HF tracked a best model. */
  bestCheckpoint: z.string().nullable(),
  /**
   * The last step the run's metric logs (TensorBoard, JSONL) reached, when known: HF's train-end
   * clean-up (`save_total_limit=1` with a best model) can leave only an older checkpoint's
   * `trainer_state.json`, while the logs show the run reached `max_steps`.
   */
  loggedStep: z.number().int().nonnegative().nullable(),
});
/** See {@link runEndStateSchema}. */
export type RunEndState = z.infer<typeof runEndStateSchema>;

/** Why a run counts as finished, or `null` while it is not. */
export interface FinishedBy {
  kind: "max_steps" | "early_stopping" | "should_training_stop";
  reason: string;
}

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

const int = (value: unknown): number | null =>
  typeof value === "number" && Number.isSafeInteger(value) ? value : null;

function baseName(path: string): string {
  const parts = path.replace(/[\\/]+$/, "").split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/**
 * Reads the end state from a parsed `trainer_state.json` object (pure; unknown fields ignored,
 * wrong types treated as absent). `EarlyStoppingCallback` state lives in `stateful_callbacks`
 * (`args.early_stopping_patience`, `attributes.early_stopping_patience_counter`).
 */
export function runEndStateOf(state: unknown, source: string): RunEndState | null {
  const s = record(state);
  if (!s) return null;
  const callbacks = record(s.stateful_callbacks) ?? {};
  const control = record(record(callbacks.TrainerControl)?.args);
  const early = record(callbacks.EarlyStoppingCallback);
  const patience = int(record(early?.args)?.early_stopping_patience);
  const counter = int(record(early?.attributes)?.early_stopping_patience_counter);
  const globalStep = int(s.global_step);
  const maxSteps = int(s.max_steps);
  return {
    source,
    globalStep: globalStep !== null && globalStep >= 0 ? globalStep : null,
    maxSteps: maxSteps !== null && maxSteps > 0 ? maxSteps : null,
    shouldTrainingStop: control?.should_training_stop === true,
    earlyStopping:
      patience !== null && counter !== null && patience >= 0 && counter >= 0 ? { patience, counter } : null,
    bestCheckpoint: typeof s.best_model_checkpoint === "string" ? baseName(s.best_model_checkpoint) : null,
    loggedStep: null,
  };
}

/** What the metric logs and the run's arguments say about its progress, for {@link withLoggedSteps}. */
export interface LoggedProgress {
  /** Last step of the merged metric logs. */
  lastStep: number | null;
  /** `max_steps` from the run's arguments (HF `training_args.bin`). */
  maxSteps: number | null;
  /** Where `maxSteps` was read (relative to the run root). */
  source: string;
}

/**
 * Completes an end state with the metric logs' last step and the arguments' `max_steps` (kept when
 * `trainer_state.json` has its own); without a `trainer_state.json`, an end state of the logs alone
 * when `max_steps` is known.
 */
export function withLoggedSteps(state: RunEndState | null, logged: LoggedProgress): RunEndState | null {
  const loggedStep = logged.lastStep !== null && logged.lastStep >= 0 ? logged.lastStep : null;
  const maxSteps = logged.maxSteps !== null && logged.maxSteps > 0 ? logged.maxSteps : null;
  if (state) return { ...state, maxSteps: state.maxSteps ?? maxSteps, loggedStep };
  if (maxSteps === null || loggedStep === null) return null;
  return {
    source: logged.source,
    globalStep: null,
    maxSteps,
    shouldTrainingStop: false,
    earlyStopping: null,
    bestCheckpoint: null,
    loggedStep,
  };
}

/**
 * Whether the trainer finished: `global_step >= max_steps` (or the metric logs reached `max_steps`),
 * the early-stopping counter reached its patience, or a callback set `should_training_stop` (HF sets
 * it too when max_steps is reached).
 */
export function finishedBy(state: RunEndState | null): FinishedBy | null {
  if (!state) return null;
  if (state.maxSteps !== null && state.globalStep !== null && state.globalStep >= state.maxSteps)
    return {
      kind: "max_steps",
      reason: `the trainer reached max_steps ${state.maxSteps} (global_step ${state.globalStep} in ${state.source})`,
    };
  if (state.maxSteps !== null && state.loggedStep !== null && state.loggedStep >= state.maxSteps)
    return {
      kind: "max_steps",
      reason: `the trainer reached max_steps ${state.maxSteps} (its metric logs reach step ${state.loggedStep})`,
    };
  if (
    state.earlyStopping &&
    state.earlyStopping.patience > 0 &&
    state.earlyStopping.counter >= state.earlyStopping.patience
  )
    return {
      kind: "early_stopping",
      reason: `EarlyStoppingCallback stopped the run at step ${state.globalStep ?? "?"}: ${state.earlyStopping.counter} evaluations without improvement (patience ${state.earlyStopping.patience}, ${state.source})`,
    };
  if (state.shouldTrainingStop)
    return {
      kind: "should_training_stop",
      reason: `the trainer set should_training_stop at step ${state.globalStep ?? "?"} (${state.source}): a callback or goal ended training`,
    };
  return null;
}
