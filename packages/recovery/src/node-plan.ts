import { readFile, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Checkpoint, Layout } from "@rlops/checkpoint-layout";
import { listCheckpoints } from "@rlops/checkpoint-layout/node";
import { isRlopsError, messageOf } from "@rlops/errors";
import { shellJoin, type Trainer } from "./command.js";
import { RecoveryError } from "./errors.js";
import {
  type CheckpointLike,
  type PlanCommandOptions,
  planFromSelection,
  type ResumePlan,
  type SelectOptions,
  selectResumeCheckpoint,
  sourceRunOf,
} from "./plan.js";
import { parseJsonWithNonFinite } from "./sources.js";

/** A checkpoint listing as returned by `@rlops/checkpoint-layout/node` `listCheckpoints`. */
export interface CheckpointListingLike {
  layout: string;
  root?: string;
  checkpoints: Checkpoint[];
}

/** Lists the checkpoints of a run directory. */
export type ListCheckpointsFn = (dir: string, options: { layout?: string }) => Promise<CheckpointListingLike>;

const LAYOUT_TRAINER: Record<string, Trainer> = {
  hf: "hf",
  areal: "areal",
  staged: "staged",
  tinker: "tinker",
  "step-folders": "step-folder",
  lightning: "lightning",
  deepspeed: "hf",
};

const defaultList: ListCheckpointsFn = (dir, options) =>
  listCheckpoints(dir, options.layout === undefined ? {} : { layout: options.layout as Layout });

/** `max_steps` from an HF checkpoint's `trainer_state.json`, when there is one. */
async function trainerStateMaxSteps(checkpoint: CheckpointLike): Promise<number | undefined> {
  if (checkpoint.location.startsWith("tinker://")) return undefined;
  try {
    const path = join(checkpoint.location, "trainer_state.json");
    const info = await stat(path);
    if (!info.isFile() || info.size > 64 * 1024 * 1024) return undefined;
    const value = parseJsonWithNonFinite(await readFile(path, "utf8")) as { max_steps?: unknown } | null;
    if (value === null || typeof value !== "object") return undefined;
    return typeof value.max_steps === "number" && value.max_steps > 0 ? value.max_steps : undefined;
  } catch {
    return undefined;
  }
}

/** Options of {@link planResume}. */
export interface PlanResumeOptions extends SelectOptions, Omit<PlanCommandOptions, "trainer"> {
  /** Trainer for the resume command; default from the detected layout. */
  trainer?: Trainer | undefined;
  /** Force a checkpoint layout (checkpoint-layout names: hf, areal, staged, tinker, step-folders, …). */
  layout?: string | undefined;
  /** Checkpoint lister; default `@rlops/checkpoint-layout/node` `listCheckpoints`. */
  list?: ListCheckpointsFn | undefined;
}

/** A resume plan on disk: {@link ResumePlan} plus the detected layout. */
export interface DiskResumePlan extends ResumePlan {
  layout: string;
}

/**
 * Plans a resume: lists the run's checkpoints (checkpoint-layout), picks the newest complete,
 * resumable one before `beforeStep` (or the decision's first bad step), explains every rejection,
 * warns about retention, and builds the resume story: the recovery folder, the exact resume command
 * into it, and the `rlops recover setup` command that builds it. Listing errors of
 * `@rlops/checkpoint-layout` (`NOT_FOUND`, `LAYOUT_UNKNOWN`, …) propagate with their own code.
 */
export async function planResume(runDir: string, options: PlanResumeOptions): Promise<DiskResumePlan> {
  const list = options.list ?? defaultList;
  let listing: CheckpointListingLike;
  try {
    listing = await list(runDir, options.layout === undefined ? {} : { layout: options.layout });
  } catch (cause) {
    // typed listing errors (no such folder, unknown layout, …) keep their own code
    if (isRlopsError(cause)) throw cause;
    throw new RecoveryError({
      code: "SOURCE_ERROR",
      message: `${runDir}: cannot list checkpoints: ${messageOf(cause)}`,
      cause,
      details: { path: runDir },
    });
  }
  const selection = selectResumeCheckpoint(listing.checkpoints, options);
  if (options.maxSteps === undefined) {
    const maxSteps = await trainerStateMaxSteps(selection.chosen);
    if (maxSteps !== undefined && (selection.chosen.step as number) >= maxSteps)
      selection.warnings.push(
        `${selection.chosen.name} is at step ${selection.chosen.step} >= max_steps ${maxSteps} (trainer_state.json): the resume would train 0 steps — raise --max_steps`,
      );
  }
  const trainer = options.trainer ?? LAYOUT_TRAINER[listing.layout] ?? "hf";
  let { experimentName, trialName } = options;
  if (trainer === "areal" && (experimentName === undefined || trialName === undefined)) {
    const trialDir = resolve(sourceRunOf(runDir, selection.chosen));
    trialName ??= basename(trialDir);
    experimentName ??= basename(dirname(trialDir));
  }
  const plan = planFromSelection(runDir, selection, {
    ...options,
    trainer,
    experimentName,
    trialName,
    setupFlags: setupFlagsOf(selection.beforeStep, options),
  });
  return { ...plan, layout: listing.layout };
}

/** The flags of `rlops recover setup <run>` that rebuild the same plan. */
function setupFlagsOf(beforeStep: number, options: PlanResumeOptions): string[] {
  const flags = ["--before-step", String(beforeStep)];
  const add = (flag: string, value: string | undefined) => {
    if (value !== undefined) flags.push(flag, value);
  };
  add("--layout", options.layout);
  add("--trainer", options.trainer);
  add("--target", options.target);
  add("--experiment-name", options.experimentName);
  add("--trial-name", options.trialName);
  if (options.allowWeightsOnly) flags.push("--weights-only");
  add(
    "--command",
    typeof options.command === "string" || options.command === undefined
      ? options.command
      : shellJoin(options.command),
  );
  return flags;
}
