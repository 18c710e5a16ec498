import { lstat, readdir, readFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { compareGrids, extractGrid } from "@rlops/arc-eval";
import { type Checkpoint, type Layout, planRetention } from "@rlops/checkpoint-layout";
import { listCheckpoints } from "@rlops/checkpoint-layout/node";
import { isRlopsError } from "@rlops/errors";
import { extractFinalText } from "@rlops/harmony-format";
import { defaultBreakerConfig, loadBreakerConfig, PERFECT_METRIC, type Trainer } from "@rlops/recovery";
import {
  collectRunMetrics,
  discoverMetricSources,
  type MetricSourceRef,
  planResume,
  replayTable,
  SKIP_DIRS,
} from "@rlops/recovery/node";
import { CliError } from "../errors.js";
import { VERSION } from "../version.js";
import { type ArcScorer, arcStepValues, type ResponseLog, scoreResponseLog, summarizeArc } from "./arc.js";
import { detectLossMetric, detectRewardMetric, SeriesCollector, type StepRecord } from "./metrics.js";
import { decideNextAction, type NextActionContext, resumeNeed } from "./next-action.js";
import { readRunEndState } from "./run-state-node.js";
import { collectSamples } from "./samples.js";
import type { ArcStep, MetricSource, Report, ReportCheckpoint, ReportNote } from "./schema.js";

/** Progress of a report scan, for progress bars. */
export interface ReportProgress {
  phase: "scan" | "checkpoints" | "metrics" | "responses" | "breaker";
  done: number;
  total: number | null;
}

/** Options of {@link buildReport}. */
export interface BuildReportOptions {
  /** Breaker config: YAML/JSON text or object, plus where it came from (shown in the report). */
  breaker?: { config: string | Record<string, unknown>; source: string };
  /** Force a layout instead of detecting it (`@rlops/checkpoint-layout` names). */
  layout?: Layout;
  /** Original training command line, used for the exact resume command. */
  command?: string;
  /** Trainer for the resume command (`@rlops/recovery` trainer names); defaults from the layout. */
  trainer?: Trainer;
  /**
   * The run's own retention (HF `save_total_limit`, e.g. from `training_args.bin`), when known: the
   * retention plan and the prune advice keep that many newest checkpoints instead of 2.
   */
  saveTotalLimit?: number;
  /** Called as the scan advances. */
  onProgress?: (progress: ReportProgress) => void;
  /** Largest number of files walked (bounded work on huge trees). Default 500,000. */
  maxFiles?: number;
}

interface WalkResult {
  files: { path: string; size: number }[];
  totalBytes: number;
  truncated: boolean;
}

async function walk(
  root: string,
  maxFiles: number,
  onProgress?: (p: ReportProgress) => void,
): Promise<WalkResult> {
  const files: { path: string; size: number }[] = [];
  let totalBytes = 0;
  let truncated = false;
  const stack: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
  while (stack.length > 0) {
    const { dir, depth } = stack.pop() as { dir: string; depth: number };
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < 12 && !SKIP_DIRS.has(entry.name)) stack.push({ dir: path, depth: depth + 1 });
      } else if (entry.isFile()) {
        if (files.length >= maxFiles) {
          truncated = true;
          continue;
        }
        const info = await lstat(path);
        files.push({ path, size: info.size });
        totalBytes += info.size;
        if (files.length % 1000 === 0) onProgress?.({ phase: "scan", done: files.length, total: null });
      }
    }
  }
  return { files, totalBytes, truncated };
}

const RESPONSE_FILE = /^step_(\d{1,12})\.json$/;
const MAX_SOURCE_PROBLEMS = 20;
/** The report's name of each `@rlops/recovery` source kind. */
const SOURCE_KINDS: Record<MetricSourceRef["kind"], MetricSource["kind"] | undefined> = {
  jsonl: "jsonl",
  tinker: "jsonl",
  "trainer-state": "trainer_state",
  tensorboard: "tensorboard",
  "lightning-csv": "lightning_csv",
  "stage-metrics": "stage_metrics",
  responses: undefined,
};

/** Normalises a checkpoint from `@rlops/checkpoint-layout` to the report's row shape (steps beyond 2^53 → null). */
function toReportCheckpoint(checkpoint: Checkpoint): ReportCheckpoint {
  const step = checkpoint.step !== null && Number.isSafeInteger(checkpoint.step) ? checkpoint.step : null;
  return { ...checkpoint, step, bytes: checkpoint.bytes ?? 0 };
}

function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

/** The ARC scorer: final channel from `@rlops/harmony-format`, grid and comparison from `@rlops/arc-eval`. */
const ARC_SCORER: ArcScorer = {
  extractFinalText: (text) => extractFinalText(text),
  extractGrid: (text) => {
    const result = extractGrid(text, { harmony: "ignore" });
    return result.ok ? { ok: true, grid: result.grid } : { ok: false, reason: result.reason };
  },
  compareGrids: (pred, target) => compareGrids(pred, target),
};

/**
 * Builds the full report of a run directory: layout and checkpoints (`@rlops/checkpoint-layout`),
 * metrics from JSONL logs, `trainer_state.json` log history (the newest copy) and staged `metrics.json`
 * (read with `@rlops/recovery`'s tolerant sources), ARC accuracy per step re-scored from the response
 * logs (harmony final channel via `@rlops/harmony-format`, grids via `@rlops/arc-eval`), the breaker
 * (`@rlops/recovery`, default rules unless `options.breaker`), disk use, a safe retention plan, and the
 * single next action with the trainer's resume command from `planResume`.
 *
 * Throws `CliError` `PATH_NOT_FOUND` when `runDir` does not exist, `NOT_A_DIRECTORY` when it is a file, and the
 * `RecoveryError` of an invalid `options.breaker` config.
 */
export async function buildReport(runDir: string, options: BuildReportOptions = {}): Promise<Report> {
  const root = resolve(runDir);
  const info = await lstat(root).catch((cause: unknown) => {
    throw new CliError({
      code: "PATH_NOT_FOUND",
      message: `${root}: no such directory`,
      cause,
      details: { hint: "pass the training output directory, or no argument for the bundled example" },
    });
  });
  if (!info.isDirectory())
    throw new CliError({ code: "NOT_A_DIRECTORY", message: `${root}: is a file, expected a run folder` });
  const notes: ReportNote[] = [];
  const note = (level: ReportNote["level"], message: string) => notes.push({ level, message });
  const progress = options.onProgress;

  // Validate a given breaker config first: bad input fails before any scanning.
  const givenConfig = options.breaker
    ? loadBreakerConfig(options.breaker.config, options.breaker.source)
    : null;

  const walked = await walk(root, options.maxFiles ?? 500_000, progress);
  if (walked.truncated) note("warn", `scan stopped after ${walked.files.length} files; totals are partial`);

  // Checkpoints.
  progress?.({ phase: "checkpoints", done: 0, total: null });
  let layout: string | null = options.layout ?? null;
  let checkpoints: ReportCheckpoint[] = [];
  let ignored: { path: string; reason: string }[] = [];
  try {
    const listing = await listCheckpoints(root, options.layout ? { layout: options.layout } : {});
    checkpoints = listing.checkpoints.map(toReportCheckpoint);
    ignored = listing.ignored;
    layout = listing.layout;
  } catch (error) {
    if (!isRlopsError(error)) throw error;
    note("info", `no checkpoints listed: ${error.code}: ${errorMessage(error)}`);
  }
  progress?.({ phase: "checkpoints", done: checkpoints.length, total: checkpoints.length });

  // Metrics: `@rlops/recovery`'s run discovery (the same as `breaker check|watch <run-dir>`), every
  // source merged into one table by step; response logs are re-scored below.
  const collector = new SeriesCollector();
  const discovered = await discoverMetricSources(root, { files: walked.files.map((f) => f.path) });
  const responseFiles = walked.files
    .filter((f) => RESPONSE_FILE.test(basename(f.path)) && basename(dirname(f.path)) === "responses")
    .sort((a, b) => a.path.localeCompare(b.path));
  const collected = await collectRunMetrics(discovered, {
    table: collector.table,
    skip: ["responses"],
    onSource: (done, total) => progress?.({ phase: "metrics", done, total }),
  });
  const sources: MetricSource[] = [];
  for (const source of collected.sources) {
    const kind = SOURCE_KINDS[source.kind];
    // A JSONL or events file without a single step record (a rollout dump, hparams) is not a metrics log.
    if (source.records === 0 && (kind === "jsonl" || kind === "tensorboard")) continue;
    if (kind !== undefined)
      sources.push({ kind, path: source.path, records: source.records, problems: source.problems });
  }

  // ARC response logs, re-scored from the candidate texts.
  const arcSteps: ArcStep[] = [];
  if (responseFiles.length > 0) {
    const problems: string[] = [];
    for (let i = 0; i < responseFiles.length; i++) {
      const file = responseFiles[i] as { path: string };
      try {
        const log = JSON.parse(await readFile(file.path, "utf8")) as ResponseLog;
        if (
          typeof log !== "object" ||
          log === null ||
          typeof log.step !== "number" ||
          !Array.isArray(log.candidates)
        )
          throw new Error("missing step or candidates");
        const scored = scoreResponseLog(log, ARC_SCORER);
        arcSteps.push(scored);
        // `perfect` is the name the response logs expose (the default goal reads it), see PERFECT_METRIC.
        const values = { ...arcStepValues(scored), [PERFECT_METRIC]: scored.perfect };
        const record: StepRecord = { step: scored.step, values };
        if (scored.problemId !== null) record.problem = scored.problemId;
        collector.add(record);
      } catch (error) {
        if (problems.length < MAX_SOURCE_PROBLEMS)
          problems.push(`${basename(file.path)}: ${errorMessage(error)}`);
      }
      if (i % 25 === 0 || i === responseFiles.length - 1)
        progress?.({ phase: "responses", done: i + 1, total: responseFiles.length });
    }
    sources.push({
      kind: "response_logs",
      path: dirname(responseFiles[0]!.path),
      records: arcSteps.length,
      problems,
    });
  }

  const names = collector.names();
  const rewardMetric = detectRewardMetric(names);
  const lossMetric = detectLossMetric(names);
  const steps = collector.sortedSteps();

  // Breaker: replay every step in order; stop at the first stop/rollback (the monitor latches it).
  progress?.({ phase: "breaker", done: 0, total: steps.length });
  const breaker: Report["breaker"] = {
    status: "not-run",
    config: options.breaker?.source ?? "default",
    rules: [],
    decisions: [],
    trip: null,
  };
  const defaultInput = givenConfig
    ? null
    : defaultBreakerConfig({ rewardMetric, lossMetric, arc: arcSteps.length > 0 });
  const config = givenConfig ?? (defaultInput ? loadBreakerConfig(defaultInput, "default breaker") : null);
  let goalRules: string[] = [];
  let earlyStoppingRules: string[] = [];
  if (!config) note("info", "breaker not run: no reward or loss metric found");
  else {
    breaker.rules = [...config.rules, ...config.earlyStopping, ...config.goals, ...config.best].map(
      (r) => r.name,
    );
    goalRules = config.goals.map((g) => g.name);
    earlyStoppingRules = config.earlyStopping.map((e) => e.name);
    // The same replay as `breaker check <run-dir>`; a given config whose metric no record holds is
    // METRIC_NEVER_SEEN (exit 2), never "no rule tripped".
    const replayed = replayTable(config, collector.table, {
      requireMetrics: givenConfig !== null,
      where: root,
    });
    breaker.decisions = replayed.decisions;
    breaker.trip = replayed.verdict;
    progress?.({ phase: "breaker", done: replayed.stats.observed, total: steps.length });
    breaker.status = breaker.trip ? "tripped" : "ok";
  }

  // Checkpoint summary and the resume plan: the report never picks a resume target itself, it asks
  // @rlops/recovery planResume (the one resume story of report, recover plan and recover setup).
  const resumable = checkpoints.filter((c) => c.complete && c.capabilities.resume);
  const newestResumable = resumable[resumable.length - 1] ?? null;
  const bestCheckpoint = checkpoints.find((c) => c.role === "best" || c.best === true) ?? null;
  const finalCheckpoint = [...checkpoints].reverse().find((c) => c.role === "final") ?? null;
  const context: NextActionContext = {
    goalRules,
    earlyStoppingRules,
    endState: await readRunEndState(root, checkpoints),
    saveTotalLimit: options.saveTotalLimit ?? null,
  };
  if (options.breaker) context.breakerConfig = options.breaker.source;
  const need = resumeNeed({ breaker, checkpoints: { items: checkpoints } }, context);
  if (need) {
    try {
      const plan = await planResume(root, {
        ...("fromDecision" in need ? { fromDecision: need.fromDecision } : { beforeStep: need.beforeStep }),
        ...(options.trainer ? { trainer: options.trainer } : {}),
        ...(options.layout ? { layout: options.layout } : {}),
        ...(options.command ? { command: options.command } : {}),
        ...(options.saveTotalLimit ? { retention: { keepLast: options.saveTotalLimit } } : {}),
      });
      const resume = plan.resume;
      context.resumePlan = {
        checkpoint: plan.chosen.name,
        story: plan.story,
        resume: {
          trainer: resume.trainer,
          command: resume.command,
          argv: resume.argv,
          complete: resume.complete,
          notes: resume.notes,
          ...(resume.code === undefined ? {} : { code: resume.code }),
        },
      };
      for (const warning of plan.warnings) note("warn", `resume plan: ${warning}`);
    } catch (error) {
      if (!isRlopsError(error)) throw error;
      context.resumePlan = null;
      context.resumeProblem = `${error.code}: ${errorMessage(error)}`;
      if (error.code !== "NO_CHECKPOINT") note("warn", `resume planning: ${context.resumeProblem}`);
    }
  }

  // Retention: the safe policy, local checkpoints only, never the resume target.
  let retention: Report["retention"] = null;
  if (checkpoints.length > 0) {
    const keepLast = options.saveTotalLimit ?? 2;
    const plan = planRetention(checkpoints as unknown as Checkpoint[], {
      kind: "safe",
      keepLast,
      keepBest: true,
    });
    const remote = plan.delete.filter((d) => d.location.includes("://"));
    if (remote.length > 0)
      note(
        "info",
        `retention: ${remote.length} remote checkpoint(s) left out of the prune plan (delete them with the provider's tools)`,
      );
    const resumeTarget = context.resumePlan?.checkpoint;
    if (resumeTarget && plan.delete.some((d) => d.name === resumeTarget))
      note("info", `retention: ${resumeTarget} kept because the run should resume from it`);
    retention = {
      policy: `safe, keep the ${keepLast} newest and the best`,
      delete: plan.delete
        .filter((d) => !d.location.includes("://") && d.name !== resumeTarget)
        .map((d) => ({
          name: d.name,
          reason: d.reason,
          bytes: checkpoints.find((c) => c.name === d.name)?.bytes ?? 0,
        })),
    };
  }
  const checkpointBytes = checkpoints.reduce((sum, c) => sum + c.bytes, 0);
  const samples = await collectSamples(
    root,
    responseFiles.map((f) => f.path),
    arcSteps,
    breaker.trip,
  );

  const partial: Omit<Report, "nextAction"> = {
    schemaVersion: 1,
    tool: { name: "rlops", version: VERSION },
    generatedAt: new Date().toISOString(),
    root,
    layout,
    checkpoints: {
      items: checkpoints,
      ignored,
      count: checkpoints.length,
      complete: checkpoints.filter((c) => c.complete).length,
      resumable: resumable.length,
      latestResumable: newestResumable?.name ?? null,
      best: bestCheckpoint?.name ?? null,
      final: finalCheckpoint?.name ?? null,
    },
    metrics: {
      sources: sources.map((s) => ({ ...s, path: relative(root, s.path) || "." })),
      firstStep: steps[0] ?? null,
      lastStep: steps[steps.length - 1] ?? null,
      steps: steps.length,
      rewardMetric,
      series: collector.series(),
    },
    breaker,
    arc: arcSteps.length > 0 ? summarizeArc(arcSteps) : null,
    disk: {
      totalBytes: walked.totalBytes,
      checkpointBytes,
      files: walked.files.length,
      reclaimableBytes: retention?.delete.reduce((sum, d) => sum + d.bytes, 0) ?? 0,
    },
    retention,
    notes,
    ...(samples.length > 0 ? { samples } : {}),
  };
  return { ...partial, nextAction: decideNextAction(partial, context) };
}
