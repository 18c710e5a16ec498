import { type ResumeStory, shellJoin } from "@rlops/recovery";
import { finishedBy, type RunEndState } from "./run-state.js";
import type { NextAction, Report, ReportDecision } from "./schema.js";

/** Joins a root and a relative path with `/` (browser-safe; absolute `rel` is returned as is). */
function joinPath(root: string, rel: string): string {
  if (rel.startsWith("/") || /^[A-Za-z]:[\\/]/.test(rel)) return rel;
  return `${root.replace(/[\\/]+$/, "")}/${rel}`;
}

function action(
  kind: NextAction["kind"],
  title: string,
  reason: string,
  argv: string[] | null,
  checkpoint: string | null = null,
): NextAction {
  return {
    kind,
    title,
    reason,
    command: argv ? shellJoin(argv) : null,
    argv,
    checkpoint,
    resume: null,
    steps: [],
    resumeFrom: null,
    apply: null,
  };
}

/** The resume plan of `@rlops/recovery` `planResume`, as the next action uses it. */
export interface NextActionResumePlan {
  /** The chosen checkpoint's name. */
  checkpoint: string;
  /** The one resume story (setup, then the trainer's command). */
  story: ResumeStory;
  /** The trainer's resume command. */
  resume: NonNullable<NextAction["resume"]>;
}

/** What {@link decideNextAction} needs beyond the report sections. */
export interface NextActionContext {
  /**
   * The resume plan for a breaker trip or a crash, from `@rlops/recovery` `planResume` (the report
   * never picks a resume target itself); `null` when planning found no checkpoint.
   */
  resumePlan?: NextActionResumePlan | null;
  /** Why planning found no checkpoint (the `NO_CHECKPOINT` message), shown with `investigate`. */
  resumeProblem?: string;
  /** The breaker config path given to the report, passed on to the commands shown. */
  breakerConfig?: string;
  /** Names of the breaker's goal rules: a stop from one of them is success, not a failure. */
  goalRules?: readonly string[];
  /** Names of the breaker's early-stopping entries: a stop from one of them finishes the run. */
  earlyStoppingRules?: readonly string[];
  /** How the trainer recorded its end (`trainer_state.json`), when known. */
  endState?: RunEndState | null;
  /**
   * The run's own retention, when known (HF `save_total_limit` from `training_args.bin`): the prune
   * advice keeps that many newest checkpoints instead of 2.
   */
  saveTotalLimit?: number | null;
}

/** The parts of a report the resume decision reads. */
export interface ResumeNeedView {
  breaker: Pick<Report["breaker"], "trip">;
  checkpoints: Pick<Report["checkpoints"], "items">;
}

/** A breaker trip that asks to go back (not a goal, not early stopping). */
function failureTrip(report: ResumeNeedView, context: NextActionContext): ReportDecision | null {
  const trip = report.breaker.trip;
  if (!trip || (trip.action !== "stop" && trip.action !== "rollback")) return null;
  if (trip.action === "stop" && trip.rule !== null) {
    if ((context.goalRules ?? []).includes(trip.rule)) return null;
    if ((context.earlyStoppingRules ?? []).includes(trip.rule)) return null;
  }
  return trip;
}

/** The newest checkpoint by step, when it is incomplete (a crash inside a save, or a save in progress). */
function brokenNewest(report: ResumeNeedView): Report["checkpoints"]["items"][number] | null {
  let newest: Report["checkpoints"]["items"][number] | null = null;
  for (const c of report.checkpoints.items)
    if (c.step !== null && c.role !== "final" && (newest === null || c.step > (newest.step as number)))
      newest = c;
  return newest && !newest.complete ? newest : null;
}

/** Why the run is finished (trainer end state, a goal, an early-stopping rule), or `null`. */
function finishReason(report: ResumeNeedView, context: NextActionContext): string | null {
  const trip = report.breaker.trip;
  if (trip && trip.action === "stop" && trip.rule !== null) {
    if ((context.goalRules ?? []).includes(trip.rule))
      return `goal "${trip.rule}" reached at step ${trip.step}: ${trip.reason}`;
    if ((context.earlyStoppingRules ?? []).includes(trip.rule))
      return `early stopping "${trip.rule}" at step ${trip.step}: ${trip.reason}`;
  }
  return finishedBy(context.endState ?? null)?.reason ?? null;
}

/**
 * Which resume plan the report must ask `planResume` for, if any (one decision, used by `buildReport`):
 * a failure trip → before its first bad step; else a crash (newest checkpoint broken, run not finished)
 * → before the broken checkpoint's step.
 */
export function resumeNeed(
  report: ResumeNeedView,
  context: Pick<NextActionContext, "goalRules" | "earlyStoppingRules" | "endState">,
): { fromDecision: ReportDecision } | { beforeStep: number; broken: string } | null {
  const trip = failureTrip(report, context);
  if (trip) return { fromDecision: trip };
  if (finishReason(report, context) !== null) return null;
  const broken = brokenNewest(report);
  return broken ? { beforeStep: broken.step as number, broken: broken.name } : null;
}

/** The checkpoint to use for inference: the best when known, else the final one, else the newest complete. */
function inferenceCheckpoint(report: Omit<Report, "nextAction">, context: NextActionContext): string | null {
  const names = new Set(report.checkpoints.items.map((c) => c.name));
  const hfBest = context.endState?.bestCheckpoint ?? null;
  if (report.checkpoints.best) return report.checkpoints.best;
  if (hfBest !== null && names.has(hfBest)) return hfBest;
  if (report.checkpoints.final) return report.checkpoints.final;
  const complete = report.checkpoints.items.filter((c) => c.complete && c.capabilities.inference);
  return complete[complete.length - 1]?.name ?? null;
}

function resumeAction(plan: NextActionResumePlan, title: string, why: string): NextAction {
  const first = plan.story.steps[0]!;
  const how =
    first.kind === "setup"
      ? `the trainer resumes from its copy ${plan.story.resumeFrom} once \`rlops recover setup\` has built the recovery folder (steps below)`
      : `the trainer resumes from ${plan.story.resumeFrom}`;
  return {
    ...action("resume", title, `${why}; ${how}`, first.argv, plan.checkpoint),
    command: first.command,
    resume: plan.resume,
    steps: plan.story.steps,
    resumeFrom: plan.story.resumeFrom,
  };
}

/**
 * The single next action of a report, in priority order:
 * 1. a breaker trip (stop/rollback, not a goal or early stopping) → the resume story of `planResume`
 *    (build the recovery folder, resume the trainer from it), or investigate if no checkpoint qualifies;
 * 2. a finished run (max_steps reached, early stopping, `should_training_stop`, a goal) → finish, with the
 *    checkpoint to use for inference (the best if known, else the final one);
 * 3. a crash (the newest checkpoint is broken) → resume from the newest complete one (the same story);
 * 4. checkpoints the safe retention plan would delete → prune (a dry run; the text says how to apply);
 * 5. a final checkpoint → nothing to do; otherwise → keep watching with the breaker.
 */
export function decideNextAction(
  report: Omit<Report, "nextAction">,
  context: NextActionContext = {},
): NextAction {
  const root = report.root;
  const trip = failureTrip(report, context);
  if (trip) {
    const firstBad = typeof trip.firstBadStep === "number" ? trip.firstBadStep : trip.step;
    const why = `breaker rule "${trip.rule}" tripped at step ${trip.step} (first bad step ${firstBad})`;
    const plan = context.resumePlan;
    if (plan)
      return resumeAction(
        plan,
        `Resume from ${plan.checkpoint}`,
        `${why}; ${plan.checkpoint} (step ${plan.story.checkpoint.step}) is the newest complete, resumable checkpoint before it`,
      );
    return action(
      "investigate",
      "No checkpoint to resume from",
      `${why} and no complete, resumable checkpoint exists before it${context.resumeProblem ? ` (${context.resumeProblem})` : ""}`,
      ["rlops", "ckpt", "list", root, "--before-step", String(firstBad)],
    );
  }
  const finished = finishReason(report, context);
  if (finished !== null) {
    const use = inferenceCheckpoint(report, context);
    return action(
      "finish",
      use ? `Run finished: use ${use}` : "Run finished",
      `${finished}${use ? `; ${use} is the checkpoint to use for inference` : ""}`,
      ["rlops", "ckpt", "latest", root, "--for", "inference"],
      use,
    );
  }
  const broken = brokenNewest(report);
  if (broken) {
    const why = `the newest checkpoint ${broken.name} is incomplete (${
      broken.problems
        .filter((p) => p.severity !== "warning")
        .map((p) => p.code)
        .join(", ") || "broken"
    }): if the trainer is not running, it crashed while saving`;
    const plan = context.resumePlan;
    if (plan)
      return resumeAction(
        plan,
        `Resume from ${plan.checkpoint}`,
        `${why}; ${plan.checkpoint} (step ${plan.story.checkpoint.step}) is the newest complete, resumable checkpoint`,
      );
    return action(
      "investigate",
      "No checkpoint to resume from",
      `${why}, and no complete, resumable checkpoint is older${context.resumeProblem ? ` (${context.resumeProblem})` : ""}`,
      ["rlops", "ckpt", "list", root],
    );
  }
  const deletions = report.retention?.delete ?? [];
  if (deletions.length > 0) {
    const bytes = deletions.reduce((sum, d) => sum + d.bytes, 0);
    const keep = context.saveTotalLimit ?? 2;
    const argv = [
      "rlops",
      "ckpt",
      "prune",
      root,
      "--keep-last",
      String(keep),
      "--keep-best",
      "--policy",
      "safe",
    ];
    return {
      ...action(
        "prune",
        `Prune ${deletions.length} checkpoint${deletions.length === 1 ? "" : "s"}`,
        `${deletions.map((d) => `${d.name} (${d.reason})`).join("; ")}; frees ${bytes} bytes` +
          (context.saveTotalLimit ? ` (keeps the run's save_total_limit ${context.saveTotalLimit})` : ""),
        argv,
        deletions[0]?.name ?? null,
      ),
      apply: `the command is a dry run: check its plan, then run it again with --apply to delete`,
    };
  }
  if (report.checkpoints.final) {
    return action(
      "none",
      "Run finished",
      `final checkpoint ${report.checkpoints.final} is present and the breaker found nothing`,
      null,
      report.checkpoints.final,
    );
  }
  if (report.metrics.steps === 0 && report.checkpoints.count === 0)
    return action("none", "Nothing to do", "no checkpoints and no metrics were found", null);
  const metricsFile = report.metrics.sources.find((s) => s.kind === "jsonl");
  const watch =
    context.breakerConfig && metricsFile
      ? ["rlops", "breaker", "watch", "--config", context.breakerConfig, joinPath(root, metricsFile.path)]
      : ["rlops", "report", root, "--fail-on-trip"];
  return action(
    "continue",
    "Keep training",
    `the breaker found nothing up to step ${report.metrics.lastStep ?? "?"}` +
      (report.checkpoints.latestResumable
        ? `; latest resumable checkpoint is ${report.checkpoints.latestResumable}`
        : ""),
    watch,
    report.checkpoints.latestResumable,
  );
}
