import { shellJoin } from "@rlops/recovery";
import type { NextAction, Report, ReportCheckpoint } from "./schema.js";

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
  return { kind, title, reason, command: argv ? shellJoin(argv) : null, argv, checkpoint, resume: null };
}

/** What {@link decideNextAction} needs beyond the report sections. */
export interface NextActionContext {
  /** The newest complete, resumable checkpoint before the breaker's first bad step, if any. */
  resumeFrom?: ReportCheckpoint | null;
  /** The trainer's resume command (from `@rlops/recovery` `planResume`), if known. */
  resume?: NextAction["resume"];
  /** The breaker config path given to the report, passed on to the commands shown. */
  breakerConfig?: string;
  /** Names of the breaker's goal rules: a stop from one of them is success, not a failure. */
  goalRules?: readonly string[];
}

/**
 * The single next action of a report, in priority order:
 * 1. a breaker trip (stop/rollback) → resume from the newest resumable checkpoint before the first bad
 *    step (the trainer's resume command when known, else `rlops recover setup`), or investigate if none;
 * 2. a goal reached → finish, using the checkpoint for inference;
 * 3. checkpoints the safe retention plan would delete → prune them;
 * 4. a finished run → nothing to do; otherwise → keep watching with the breaker.
 */
export function decideNextAction(
  report: Omit<Report, "nextAction">,
  context: NextActionContext = {},
): NextAction {
  const root = report.root;
  const trip = report.breaker.trip;
  if (trip && (trip.action === "stop" || trip.action === "rollback")) {
    const firstBad = typeof trip.firstBadStep === "number" ? trip.firstBadStep : trip.step;
    const isGoal =
      trip.action === "stop" && trip.rule !== null && (context.goalRules ?? []).includes(trip.rule);
    if (isGoal) {
      return action(
        "finish",
        `Goal reached at step ${trip.step}`,
        trip.reason,
        ["rlops", "ckpt", "latest", root, "--for", "inference"],
        report.checkpoints.final ?? report.checkpoints.best,
      );
    }
    const from = context.resumeFrom;
    if (from) {
      const reason =
        `breaker rule "${trip.rule}" tripped at step ${trip.step} (first bad step ${firstBad}); ` +
        `${from.name} (step ${from.step}) is the newest complete, resumable checkpoint before it`;
      const resume = context.resume ?? null;
      // A complete trainer command (built from the original command line) is the exact next step;
      // otherwise rlops recover setup builds the recovery folder and prints the trainer's command.
      const next = resume?.complete
        ? {
            ...action("resume", `Resume from ${from.name}`, reason, resume.argv, from.name),
            command: resume.command,
          }
        : action(
            "resume",
            `Resume from ${from.name}`,
            resume ? `${reason}; then resume the trainer with: ${resume.command}` : reason,
            ["rlops", "recover", "setup", root, "--before-step", String(firstBad)],
            from.name,
          );
      return { ...next, resume };
    }
    return action(
      "investigate",
      "No checkpoint to resume from",
      `breaker rule "${trip.rule}" tripped at step ${trip.step} (first bad step ${firstBad}) and no complete, ` +
        "resumable checkpoint exists before it",
      ["rlops", "ckpt", "list", root, "--before-step", String(firstBad)],
    );
  }
  const deletions = report.retention?.delete ?? [];
  if (deletions.length > 0) {
    const bytes = deletions.reduce((sum, d) => sum + d.bytes, 0);
    return action(
      "prune",
      `Prune ${deletions.length} checkpoint${deletions.length === 1 ? "" : "s"}`,
      `${deletions.map((d) => `${d.name} (${d.reason})`).join("; ")}; frees ${bytes} bytes`,
      ["rlops", "ckpt", "prune", root, "--keep-last", "2", "--keep-best", "--policy", "safe", "--apply"],
      deletions[0]?.name ?? null,
    );
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
