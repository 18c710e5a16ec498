import {
  type Checkpoint,
  type Selection as CheckpointSelection,
  type RejectedCandidate,
  selectCheckpoint,
} from "@rlops/checkpoint-layout";
import { fromZodError } from "@rlops/errors";
import { parseCommandLine, type ResumeCommand, type Trainer } from "./command.js";
import { RecoveryError } from "./errors.js";
import { type Decision, decisionSchema } from "./state.js";
import {
  buildRecoveryResume,
  isRemote,
  type RecoveryFolder,
  type ResumeStory,
  recoveryFolderOf,
  resumeStory,
} from "./story.js";

export type { RejectedCandidate } from "@rlops/checkpoint-layout";

/**
 * The part of `@rlops/checkpoint-layout`'s `Checkpoint` that the resume story reads
 * (structurally compatible with it).
 */
export interface CheckpointLike {
  layout?: string;
  location: string;
  name: string;
  step: number | null | undefined;
  epoch?: number | null | undefined;
  role?: "intermediate" | "best" | "final" | "recover" | string;
  capabilities?: { resume: boolean; inference: boolean };
  complete: boolean;
  problems?: { code: string; message: string; file?: string; severity?: "error" | "warning" | string }[];
  files?: readonly string[];
  bytes?: number | null;
  /** Tinker: the resumable (`state`) and inference (`sampler`) URIs. */
  uris?: { state?: string; sampler?: string };
}

/** Options of {@link selectResumeCheckpoint}. */
export interface SelectOptions {
  /** Pick a checkpoint with step strictly below this. */
  beforeStep?: number | undefined;
  /** Derive `beforeStep` from a decision (its `evidence.resume.beforeStep`, else `firstBadStep`, else `step`). */
  fromDecision?: Decision | unknown;
  /** Subtract a safety margin from `beforeStep` (default 0). */
  margin?: number | undefined;
  /** Retention that will keep only the newest `keepLast` checkpoints (HF `save_total_limit`, `keep_latest_k`). */
  retention?: { keepLast?: number | undefined } | undefined;
  /** Run's `max_steps`: a resume at or past it would train 0 steps. */
  maxSteps?: number | undefined;
  /** Accept weights-only checkpoints (inference capability) when nothing resumable exists; warns. */
  allowWeightsOnly?: boolean | undefined;
}

/** The outcome of choosing a checkpoint. */
export interface Selection {
  beforeStep: number;
  chosen: Checkpoint;
  rejected: RejectedCandidate[];
  /** Older usable candidates at lower steps (fallbacks for an escalation), newest first. */
  fallbacks: { name: string; location: string; step: number }[];
  warnings: string[];
  decision: Decision | null;
}

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new RecoveryError({ code: "NO_CHECKPOINT", message, details });
}

/** Resolves the step a resume must come before, from `beforeStep` or a decision. */
export function resolveBeforeStep(options: SelectOptions): { beforeStep: number; decision: Decision | null } {
  let decision: Decision | null = null;
  if (options.fromDecision !== undefined) {
    const parsed = decisionSchema.safeParse(options.fromDecision);
    if (!parsed.success)
      throw fromZodError(RecoveryError, "INVALID_INPUT", parsed.error, {
        where: "fromDecision: not a decision",
      });
    decision = parsed.data;
  }
  let before = options.beforeStep;
  if (before === undefined && decision) {
    const resume = (decision.evidence.resume ?? null) as { beforeStep?: unknown } | null;
    before =
      resume && typeof resume.beforeStep === "number"
        ? resume.beforeStep
        : (decision.firstBadStep ?? decision.step);
  }
  if (before === undefined || !Number.isInteger(before) || before < 0)
    throw new RecoveryError({
      code: "INVALID_INPUT",
      message: "resume planning needs beforeStep (a non-negative integer) or fromDecision",
    });
  const margin = options.margin ?? 0;
  if (!Number.isInteger(margin) || margin < 0)
    throw new RecoveryError({ code: "INVALID_INPUT", message: "margin must be a non-negative integer" });
  return { beforeStep: before - margin, decision };
}

/** The newest checkpoint below `beforeStep` for resuming (else, when allowed, weights only). */
function pick(
  checkpoints: readonly Checkpoint[],
  beforeStep: number,
  allowWeightsOnly: boolean,
): { resume: CheckpointSelection; chosen: Checkpoint | null; weightsOnly: boolean } {
  const resume = selectCheckpoint({ checkpoints }, { require: "resume", beforeStep });
  if (resume.checkpoint !== null || !allowWeightsOnly)
    return { resume, chosen: resume.checkpoint, weightsOnly: false };
  const weights = selectCheckpoint({ checkpoints }, { require: "inference", beforeStep }).checkpoint;
  return { resume, chosen: weights, weightsOnly: weights !== null };
}

/** Older usable checkpoints below `chosen` (each below the previous one's step), newest first. */
function fallbacksOf(
  checkpoints: readonly Checkpoint[],
  chosen: Checkpoint,
  allowWeightsOnly: boolean,
): Selection["fallbacks"] {
  const out: Selection["fallbacks"] = [];
  let below = chosen.step;
  while (below !== null && below > 0) {
    const resume = selectCheckpoint({ checkpoints }, { require: "resume", beforeStep: below }).checkpoint;
    const weights = allowWeightsOnly
      ? selectCheckpoint({ checkpoints }, { require: "inference", beforeStep: below }).checkpoint
      : null;
    const next =
      weights !== null && (resume === null || (weights.step ?? -1) > (resume.step ?? -1)) ? weights : resume;
    if (next === null || next.step === null) break;
    out.push({ name: next.name, location: next.location, step: next.step });
    below = next.step;
  }
  return out;
}

/**
 * Picks the newest checkpoint that checkpoint-layout's `selectCheckpoint` finds resumable with
 * step < beforeStep (the one selector; `allowWeightsOnly` falls back to its inference pick), with
 * the newer candidates it passed over and why; warns about retention, 0-step resumes, skipped bad
 * windows and stop decisions. `NO_CHECKPOINT` (with `details.rejected`) when nothing qualifies.
 */
export function selectResumeCheckpoint(
  checkpoints: readonly Checkpoint[],
  options: SelectOptions,
): Selection {
  const { beforeStep, decision } = resolveBeforeStep(options);
  const allowWeightsOnly = options.allowWeightsOnly ?? false;
  const { resume, chosen, weightsOnly } = pick(checkpoints, beforeStep, allowWeightsOnly);
  if (chosen === null)
    fail(
      checkpoints.length === 0
        ? `no checkpoints found (needed one before step ${beforeStep})`
        : `no complete, resumable checkpoint before step ${beforeStep} (${resume.rejected.length} rejected)`,
      { beforeStep, rejected: resume.rejected },
    );
  // the resumable candidates passed over before the chosen one (all of them when it is weights only)
  const at = resume.rejected.findIndex((r) => r.name === chosen.name && r.location === chosen.location);
  const rejected = at === -1 ? resume.rejected : resume.rejected.slice(0, at);
  const fallbacks = fallbacksOf(checkpoints, chosen, allowWeightsOnly);
  const warnings: string[] = [];
  const chosenStep = chosen.step as number;
  if (decision) {
    if (decision.action === "stop")
      warnings.push(
        `the decision was "stop" (${decision.reason}): the run was stopped on purpose; resuming it may repeat the stop`,
      );
    const firstBad = decision.firstBadStep;
    if (firstBad !== null) {
      const inWindow = checkpoints.filter(
        (c) => c !== chosen && c.step !== null && c.step >= firstBad && c.step <= decision.step,
      ).length;
      if (inWindow > 0)
        warnings.push(
          `${inWindow} checkpoint(s) inside the bad window ${firstBad}..${decision.step} were skipped`,
        );
    }
  }
  if (weightsOnly)
    warnings.push(
      `${chosen.name} holds weights only: optimizer, scheduler and data position restart fresh (allowWeightsOnly)`,
    );
  const keepLast = options.retention?.keepLast;
  if (keepLast !== undefined) {
    const newer = checkpoints.filter((c) => c.step !== null && c.step > chosenStep).length;
    if (newer + 1 >= keepLast)
      warnings.push(
        `retention keeps the newest ${keepLast} checkpoints and ${newer} are newer than ${chosen.name}: the next save can delete it — set up the recovery folder before resuming`,
      );
  }
  if (options.maxSteps !== undefined && chosenStep >= options.maxSteps)
    warnings.push(
      `${chosen.name} is at step ${chosenStep} >= max_steps ${options.maxSteps}: the resume would train 0 steps`,
    );
  if (fallbacks.length === 0) warnings.push("no older valid checkpoint remains for a further rollback");
  return { beforeStep, chosen, rejected, fallbacks, warnings, decision };
}

/**
 * A resume plan: the chosen checkpoint, rejections, warnings, the recovery folder, the trainer's
 * resume command into it, and the ordered {@link ResumeStory} every command prints.
 */
export interface ResumePlan extends Selection {
  runDir: string;
  trainer: Trainer;
  /** First step the resumed run trains. */
  nextStep: number;
  /**
   * Where the run resumes: the recovery folder `setupRecovery` builds by default and the checkpoint
   * inside it; `null` for remote (Tinker) checkpoints.
   */
  recovery: RecoveryFolder | null;
  /** The trainer's resume command, reading the checkpoint from the recovery folder. */
  resume: ResumeCommand;
  /** What to run, in order: build the recovery folder, then resume the trainer from it. */
  story: ResumeStory;
  /** The original training command (argv), when given: setup rebuilds the resume command from it. */
  command: string[] | null;
  /** AReaL names and the resume flag override the plan was built with. */
  names: {
    experimentName?: string | undefined;
    trialName?: string | undefined;
    resumeFlag?: string | undefined;
  };
}

/** Options for turning a selection into a plan. */
export interface PlanCommandOptions {
  trainer: Trainer;
  command?: string | readonly string[] | undefined;
  experimentName?: string | undefined;
  trialName?: string | undefined;
  resumeFlag?: string | undefined;
  /** The recovery folder; default `<run>-recover-step<K>` (AReaL: a new trial next to the old one). */
  target?: string | undefined;
  /** Where the resumed run reads the checkpoint inside the recovery folder; default the checkpoint's path relative to the run. */
  checkpointPath?: string | undefined;
  /** @deprecated the resumed run always writes into the recovery folder; ignored. */
  outputDir?: string | undefined;
  /** Flags after `rlops recover setup <run>` that rebuild this plan; default `--before-step <N>`. */
  setupFlags?: readonly string[] | undefined;
}

export { sourceRunOf } from "./story.js";

/**
 * Builds a {@link ResumePlan} from a selection (pure; `/node` `planResume` lists the checkpoints):
 * the recovery folder, the resume command into it, and the story.
 */
export function planFromSelection(
  runDir: string,
  selection: Selection,
  options: PlanCommandOptions,
): ResumePlan {
  const step = selection.chosen.step as number;
  const chosen = selection.chosen;
  const command =
    options.command === undefined
      ? null
      : typeof options.command === "string"
        ? parseCommandLine(options.command)
        : [...options.command];
  let recovery = isRemote(options.trainer, chosen)
    ? null
    : recoveryFolderOf(runDir, chosen, options.trainer, options.target);
  if (recovery && options.checkpointPath !== undefined)
    recovery = { ...recovery, checkpointPath: options.checkpointPath };
  const names = {
    experimentName: options.experimentName,
    trialName: options.trialName,
    resumeFlag: options.resumeFlag,
  };
  const resume = buildRecoveryResume({
    trainer: options.trainer,
    checkpoint: chosen,
    recovery,
    command: command ?? undefined,
    ...names,
    loadDir: runDir,
  });
  const weightsOnly = chosen.capabilities !== undefined && !chosen.capabilities.resume;
  const setupFlags = options.setupFlags ?? [
    "--before-step",
    String(selection.beforeStep),
    ...(weightsOnly ? ["--weights-only"] : []),
  ];
  const story = resumeStory({ runDir, checkpoint: chosen, recovery, resume, setupFlags });
  return {
    ...selection,
    runDir,
    trainer: options.trainer,
    nextStep: step + 1,
    recovery,
    resume,
    story,
    command,
    names,
  };
}
