import { resolve } from "node:path";
import type { Layout } from "@rlops/checkpoint-layout";
import {
  type Decision,
  formatResumeStory,
  RecoveryError,
  type ResumeStory,
  type Trainer,
} from "@rlops/recovery";
import { type DiskResumePlan, planResume, setupRecovery } from "@rlops/recovery/node";
import type { Command } from "commander";
import { action, EXIT, examples, intOption, layoutOption, printJson } from "../cli-kit.js";
import { CliError } from "../errors.js";
import { readDecisionFile } from "./ckpt-decision.js";
import { trainerOption } from "./trainer-option.js";

interface PlanOptions {
  beforeStep?: number;
  from?: string;
  trainer?: Trainer;
  command?: string;
  layout?: Layout;
  target?: string;
  keepLast?: number;
  maxSteps?: number;
  margin?: number;
  weightsOnly?: boolean;
  experimentName?: string;
  trialName?: string;
  json?: boolean;
}

async function readDecision(path: string): Promise<Decision> {
  const decision = await readDecisionFile(path, "--from");
  if (decision === null)
    throw new CliError({
      code: "BAD_DECISION",
      message: `--from ${path}: the check found nothing to recover from (verdict null)`,
    });
  return decision;
}

async function makePlan(runDir: string, options: PlanOptions): Promise<DiskResumePlan> {
  if (options.beforeStep === undefined && options.from === undefined)
    throw new CliError({
      code: "MISSING_ARGUMENT",
      message: "give --before-step <N> or --from <decision.json>",
    });
  const fromDecision = options.from === undefined ? undefined : await readDecision(options.from);
  // absolute paths: the plan, the setup and the report spell the same folders the same way
  return await planResume(resolve(runDir), {
    beforeStep: options.beforeStep,
    fromDecision,
    trainer: options.trainer,
    command: options.command,
    layout: options.layout,
    retention: options.keepLast === undefined ? undefined : { keepLast: options.keepLast },
    maxSteps: options.maxSteps,
    margin: options.margin,
    allowWeightsOnly: options.weightsOnly,
    experimentName: options.experimentName,
    trialName: options.trialName,
    target: options.target,
  }).catch((error: unknown) => {
    // no checkpoint qualifies: exit 1 (LIBRARY_EXIT), with a pointer to the reasons
    if (RecoveryError.isInstance(error) && error.code === "NO_CHECKPOINT")
      error.details.hint ??= "see --json for every rejected candidate";
    throw error;
  });
}

function withPlanOptions(command: Command): Command {
  return command
    .argument("<run-dir>", "the run's output directory")
    .option("--before-step <N>", "pick a checkpoint with step < N", intOption("--before-step"))
    .option(
      "--from <decision.json>",
      "a decision (or `rlops breaker check --json` output): before its first bad step",
    )
    .addOption(trainerOption("resume command flavour; default from the layout"))
    .option(
      "--command <original>",
      "the original training command line (flags are replaced, launcher flags kept)",
    )
    .addOption(layoutOption("force a checkpoint layout instead of detecting it"))
    .option(
      "--target <dir>",
      "recovery folder (default <run>-recover-step<K>; AReaL: a new trial next to the old one)",
    )
    .option(
      "--keep-last <k>",
      "retention keeps the newest k checkpoints (warns if the chosen one is at risk)",
      intOption("--keep-last"),
    )
    .option(
      "--max-steps <N>",
      "the run's max_steps (warns when the resume would train 0 steps)",
      intOption("--max-steps"),
    )
    .option("--margin <steps>", "extra safety margin subtracted from the bound", intOption("--margin"))
    .option("--weights-only", "accept weights-only checkpoints when nothing resumable exists")
    .option("--experiment-name <name>", "AReaL experiment name (default from the path)")
    .option("--trial-name <name>", "AReaL trial name (default from the path)")
    .option("--json", "print JSON");
}

/** The choice, its reasons and warnings (the same header for `plan` and `setup`). */
function choiceLines(plan: DiskResumePlan): string[] {
  const lines = [
    `layout: ${plan.layout}   trainer: ${plan.trainer}   before step: ${plan.beforeStep}`,
    `chosen: ${plan.chosen.name} (step ${plan.chosen.step}) -> resumes at step ${plan.nextStep}`,
    `        ${plan.chosen.location}`,
  ];
  for (const r of plan.rejected) lines.push(`rejected: ${r.name}: ${r.reasons.join("; ")}`);
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  return lines;
}

/** The one resume story, once (shared by `plan`, `setup` and the report). */
function storyLines(story: ResumeStory, notes: readonly string[]): string[] {
  return [`resume from: ${story.resumeFrom}`, ...formatResumeStory(story), ...notes.map((n) => `note: ${n}`)];
}

/** The text `rlops recover plan` prints for a plan (also sent by `rlops bridge` as `recover.plan`'s `text`). */
export function formatPlan(plan: DiskResumePlan): string {
  return `${[...choiceLines(plan), ...storyLines(plan.story, plan.resume.notes)].join("\n")}\n`;
}

function printChoice(plan: DiskResumePlan): void {
  process.stdout.write(`${choiceLines(plan).join("\n")}\n`);
}

function printStory(story: ResumeStory, notes: readonly string[]): void {
  process.stdout.write(`${storyLines(story, notes).join("\n")}\n`);
}

/** Registers `rlops recover plan|setup`. */
export function register(program: Command): void {
  const recover = program
    .command("recover")
    .description(
      "Pick the newest valid checkpoint before a bad step, build a recovery folder safely, print the resume command.",
    );

  const plan = withPlanOptions(recover.command("plan").description("Plan a resume (read-only)."));
  plan.action(
    action(async (runDir: string, options: PlanOptions) => {
      const result = await makePlan(runDir, options);
      if (options.json) printJson(result);
      else {
        printChoice(result);
        printStory(result.story, result.resume.notes);
      }
      return EXIT.OK;
    }),
  );
  examples(plan, [
    "rlops recover plan /runs/grpo --before-step 188",
    'rlops recover plan /runs/grpo --from decision.json --command "torchrun --nproc_per_node=2 train.py --output_dir /runs/grpo"',
  ]);

  const setup = withPlanOptions(
    recover
      .command("setup")
      .description(
        "Build the recovery folder (temp sibling, verify, manifest, rename); never touches the source run.",
      ),
  )
    .option("--root <dir>", "every path must stay inside this folder (default the run's parent)")
    .option("--hardlink", "hard-link files instead of copying")
    .option("--no-checksums", "skip sha256 (sizes are still verified)")
    .option("--dry-run", "print what would be done; touch nothing");
  setup.action(
    action(
      async (
        runDir: string,
        options: PlanOptions & {
          root?: string;
          hardlink?: boolean;
          checksums: boolean;
          dryRun?: boolean;
        },
      ) => {
        const planned = await makePlan(runDir, options);
        const result = await setupRecovery(planned, {
          dryRun: options.dryRun,
          target: options.target,
          root: options.root,
          mode: options.hardlink ? "hardlink" : "copy",
          checksums: options.checksums,
        });
        if (options.json) printJson({ plan: planned, setup: result });
        else {
          printChoice(planned);
          process.stdout.write(`${options.dryRun ? "would do" : "done"}:\n`);
          for (const a of result.actions) process.stdout.write(`  ${a}\n`);
          printStory(result.story, result.resume.notes);
        }
        return EXIT.OK;
      },
    ),
  );
  examples(setup, [
    "rlops recover setup /runs/grpo --before-step 188 --dry-run",
    "rlops recover setup /runs/grpo --from decision.json --target /runs/grpo-recovered",
  ]);
}
