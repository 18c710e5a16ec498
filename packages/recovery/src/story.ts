import { buildResumeCommand, type ResumeCommand, shellJoin, type Trainer } from "./command.js";
import type { CheckpointLike } from "./plan.js";

/**
 * Where a resume reads its checkpoint and writes its new ones: the recovery folder that
 * `setupRecovery` builds (a verified copy of the chosen checkpoint next to the run), never the
 * original run folder (it holds the post-collapse checkpoints and stays untouched).
 */
export interface RecoveryFolder {
  /** The recovery folder (`<run>-recover-step<K>`; AReaL: a new trial next to the old one). */
  target: string;
  /** The checkpoint inside it: what the trainer resumes from. */
  checkpointPath: string;
}

/** One step of the resume story, in the order to run them. */
export interface ResumeStep {
  /** `setup`: build the recovery folder; `resume`: run the trainer from it. */
  kind: "setup" | "resume";
  /** One line: what the step does and where. */
  title: string;
  /** The command as argv. For `resume` without the original command: only the flags to add. */
  argv: string[];
  /** `argv` shell-quoted. */
  command: string;
  /** False when `argv` holds only the flags to add to the original training command. */
  complete: boolean;
  /** True when the step has already been done (printed by `recover setup` after it built the folder). */
  done: boolean;
  /** Python to run instead of / with the command (Tinker `load_state`, the staged trainer). */
  code?: string;
}

/** The one resume story that `report`, `recover plan` and `recover setup` all print. */
export interface ResumeStory {
  /** The checkpoint the run resumes from (in the source run). */
  checkpoint: { name: string; step: number; location: string };
  /** First step the resumed run trains. */
  nextStep: number;
  /** The recovery folder, or `null` when none is built (Tinker: the state lives on the service). */
  recovery: RecoveryFolder | null;
  /** What the trainer resumes from: the checkpoint inside the recovery folder (or the Tinker URI). */
  resumeFrom: string;
  /** The steps, in order. */
  steps: ResumeStep[];
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/[\\/]+$/, "") : path;
}

function baseName(path: string): string {
  const parts = trimSlash(path).split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/**
 * The folder that is "the run" of a checkpoint for recovery purposes: the location minus the
 * checkpoint's relative name (for AReaL the trial folder that holds `recover_info/`).
 */
export function sourceRunOf(runDir: string, checkpoint: CheckpointLike): string {
  const loc = checkpoint.location.replaceAll("\\", "/");
  const name = checkpoint.name.replaceAll("\\", "/");
  if (!loc.startsWith("tinker://") && name !== "" && loc.endsWith(`/${name}`))
    return loc.slice(0, -(name.length + 1));
  return runDir;
}

/** Whether a trainer's checkpoints are remote (no folder to copy). */
export function isRemote(trainer: Trainer, checkpoint: CheckpointLike): boolean {
  return trainer === "tinker" || checkpoint.location.startsWith("tinker://");
}

/**
 * The default recovery folder of a checkpoint and the checkpoint's path inside it (pure path
 * arithmetic; `setupRecovery` resolves symlinks and refuses unsafe targets). `target` overrides the
 * folder; the checkpoint keeps its path relative to the run (AReaL: `<model>/recover_checkpoint`).
 */
export function recoveryFolderOf(
  runDir: string,
  checkpoint: CheckpointLike,
  trainer: Trainer,
  target?: string,
): RecoveryFolder {
  const step = checkpoint.step as number;
  const run = trimSlash(trainer === "areal" ? sourceRunOf(runDir, checkpoint) : runDir);
  const folder = trimSlash(target ?? `${run}-recover-step${step}`);
  const location = trimSlash(checkpoint.location).replaceAll("\\", "/");
  const prefix = `${run.replaceAll("\\", "/")}/`;
  let rel = location.startsWith(prefix)
    ? location.slice(prefix.length)
    : checkpoint.name || baseName(location);
  if (trainer === "areal") {
    const slash = rel.indexOf("/");
    rel = `${slash > 0 ? rel.slice(0, slash) : "default"}/recover_checkpoint`;
  }
  return { target: folder, checkpointPath: `${folder}/${rel}` };
}

/** What {@link buildRecoveryResume} needs. */
export interface RecoveryResumeInput {
  trainer: Trainer;
  checkpoint: CheckpointLike;
  /** The recovery folder, or `null` to resume from the checkpoint where it is (Tinker). */
  recovery: RecoveryFolder | null;
  /** The original training command (argv). */
  command?: readonly string[] | undefined;
  experimentName?: string | undefined;
  trialName?: string | undefined;
  resumeFlag?: string | undefined;
  /** Megatron `--load` when resuming in place. */
  loadDir?: string | undefined;
}

/**
 * The trainer's resume command into the recovery folder: the checkpoint flag points at the copy,
 * the output folder (HF `--output_dir`, Megatron `--load`, AReaL `trial_name`) at the recovery folder.
 */
export function buildRecoveryResume(input: RecoveryResumeInput): ResumeCommand {
  const { checkpoint, recovery, trainer } = input;
  const step = checkpoint.step as number;
  const remoteState =
    trainer === "tinker" ? (checkpoint.uris?.state ?? checkpoint.location) : checkpoint.location;
  return buildResumeCommand({
    trainer,
    checkpoint: recovery?.checkpointPath ?? remoteState,
    step,
    command: input.command,
    experimentName: input.experimentName,
    trialName: trainer === "areal" && recovery ? baseName(recovery.target) : input.trialName,
    resumeFlag: input.resumeFlag,
    loadDir: recovery?.target ?? input.loadDir,
    outputDir: recovery?.target,
  });
}

/** What {@link resumeStory} needs: a plan's choice, its recovery folder and resume command. */
export interface ResumeStoryInput {
  runDir: string;
  checkpoint: CheckpointLike;
  recovery: RecoveryFolder | null;
  resume: ResumeCommand;
  /** Flags after `rlops recover setup <run>` that rebuild the same plan (`--before-step N`, …). */
  setupFlags: readonly string[];
  /** True once the recovery folder has been built (`recover setup` after it ran). */
  setupDone?: boolean | undefined;
}

/**
 * The one resume story: 1. build the recovery folder (`rlops recover setup …`), 2. run the trainer
 * from the checkpoint inside it. Every caller (`recover plan`, `recover setup`, the report's next
 * action) prints these steps, so they never disagree about what to run or where the run resumes.
 */
export function resumeStory(input: ResumeStoryInput): ResumeStory {
  const { checkpoint, recovery, resume } = input;
  const step = checkpoint.step as number;
  const steps: ResumeStep[] = [];
  if (recovery) {
    const argv = ["rlops", "recover", "setup", input.runDir, ...input.setupFlags];
    steps.push({
      kind: "setup",
      title: `build the recovery folder ${recovery.target}: a verified copy of ${checkpoint.name} (step ${step}); ${input.runDir} is not modified`,
      argv,
      command: shellJoin(argv),
      complete: true,
      done: input.setupDone ?? false,
    });
  }
  const from = recovery?.checkpointPath ?? resume.argv[resume.argv.length - 1] ?? checkpoint.location;
  const where = recovery ? `${recovery.checkpointPath}, writing new checkpoints to ${recovery.target}` : from;
  const step2: ResumeStep = {
    kind: "resume",
    title: resume.complete
      ? `resume the trainer from ${where}`
      : `resume the trainer from ${where}: add these flags to your training command`,
    argv: resume.argv,
    command: resume.command,
    complete: resume.complete,
    done: false,
  };
  if (resume.code !== undefined) step2.code = resume.code;
  steps.push(step2);
  return {
    checkpoint: { name: checkpoint.name, step, location: checkpoint.location },
    nextStep: step + 1,
    recovery,
    resumeFrom: recovery?.checkpointPath ?? checkpoint.uris?.state ?? checkpoint.location,
    steps,
  };
}

/** The story as text lines (`1. …`, `   $ command`), the same in every command. */
export function formatResumeStory(story: ResumeStory): string[] {
  const lines: string[] = [];
  story.steps.forEach((s, i) => {
    lines.push(`${i + 1}. ${s.done ? "done: " : ""}${s.title}`);
    if (!s.done || s.kind !== "setup") lines.push(`   $ ${s.command}`);
    if (s.code !== undefined) for (const line of s.code.split("\n")) lines.push(`   >>> ${line}`);
  });
  return lines;
}
