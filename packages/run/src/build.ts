import { lstat } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { summarizeResponseLogs } from "@rlops/arc-eval";
import type { Checkpoint, Layout } from "@rlops/checkpoint-layout";
import { listCheckpoints } from "@rlops/checkpoint-layout/node";
import { isRlopsError } from "@rlops/errors";
import { loadBreakerConfig, type Trainer } from "@rlops/recovery";
import { collectRunMetrics, discoverMetricSources, type MetricSourceRef } from "@rlops/recovery/node";
import { errorMessage, responseLogFiles, scoreResponseLogs } from "./arc-node.js";
import { runBreaker } from "./breaker-node.js";
import { RunError } from "./errors.js";
import { detectLossMetric, detectRewardMetric, SeriesCollector } from "./metrics.js";
import { decideNextAction, type NextActionContext, resumeNeed } from "./next-action.js";
import { planReportResume } from "./resume-node.js";
import { DEFAULT_KEEP_LAST, retentionSection } from "./retention.js";
import { withLoggedSteps } from "./run-state.js";
import { readRunEndState } from "./run-state-node.js";
import { collectSamples } from "./samples.js";
import type { MetricSource, Report, ReportCheckpoint, ReportNote } from "./schema.js";
import { readRunRetention } from "./training-args-node.js";
import { VERSION } from "./version.js";
import { walkRun } from "./walk-node.js";

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
   * The run's retention (HF `save_total_limit`): the retention plan and the prune advice keep that
   * many newest checkpoints. Default: the run's own, read from its `training_args.bin`, else 2.
   */
  saveTotalLimit?: number;
  /** Called as the scan advances. */
  onProgress?: (progress: ReportProgress) => void;
  /** Largest number of files walked (bounded work on huge trees). Default 500,000. */
  maxFiles?: number;
  /** The version recorded in `report.tool` (the CLI passes its own). Default `@rlops/run`'s version. */
  toolVersion?: string;
}

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

/**
 * Builds the full report of a run directory: layout and checkpoints (`@rlops/checkpoint-layout`),
 * metrics from JSONL logs, `trainer_state.json` log history (the newest copy) and staged `metrics.json`
 * (read with `@rlops/recovery`'s tolerant sources), ARC accuracy per step re-scored from the response
 * logs (harmony final channel via `@rlops/harmony-format`, grids via `@rlops/arc-eval`), the breaker
 * (`@rlops/recovery`, default rules unless `options.breaker`), disk use, a safe retention plan, and the
 * single next action with the trainer's resume command from `planResume`.
 *
 * Throws `RunError` `PATH_NOT_FOUND` when `runDir` does not exist, `NOT_A_DIRECTORY` when it is a file, and the
 * `RecoveryError` of an invalid `options.breaker` config.
 */
/** Throws `RunError` unless `root` is a directory. */
async function assertRunFolder(root: string): Promise<void> {
  const info = await lstat(root).catch((cause: unknown) => {
    throw new RunError({
      code: "PATH_NOT_FOUND",
      message: `${root}: no such directory`,
      cause,
      details: { hint: "pass the training output directory, or no argument for the bundled example" },
    });
  });
  if (!info.isDirectory())
    throw new RunError({ code: "NOT_A_DIRECTORY", message: `${root}: is a file, expected a run folder` });
}

/** The run's checkpoints from `@rlops/checkpoint-layout` (none, with a note, when no layout fits). */
async function listReportCheckpoints(
  root: string,
  layout: Layout | undefined,
  note: (message: string) => void,
): Promise<{
  layout: string | null;
  items: ReportCheckpoint[];
  ignored: { path: string; reason: string }[];
}> {
  try {
    const listing = await listCheckpoints(root, layout ? { layout } : {});
    return {
      layout: listing.layout,
      items: listing.checkpoints.map(toReportCheckpoint),
      ignored: listing.ignored,
    };
  } catch (error) {
    if (!isRlopsError(error)) throw error;
    note(`no checkpoints listed: ${error.code}: ${errorMessage(error)}`);
    return { layout: layout ?? null, items: [], ignored: [] };
  }
}

/** The report's checkpoint section. */
function checkpointSection(listed: Awaited<ReturnType<typeof listReportCheckpoints>>): Report["checkpoints"] {
  const items = listed.items;
  const resumable = items.filter((c) => c.complete && c.capabilities.resume);
  return {
    items,
    ignored: listed.ignored,
    count: items.length,
    complete: items.filter((c) => c.complete).length,
    resumable: resumable.length,
    latestResumable: resumable[resumable.length - 1]?.name ?? null,
    best: items.find((c) => c.role === "best" || c.best === true)?.name ?? null,
    final: [...items].reverse().find((c) => c.role === "final")?.name ?? null,
  };
}

/** The report's metric sources (`@rlops/recovery` kinds renamed; empty JSONL/events files left out). */
function metricSources(collected: Awaited<ReturnType<typeof collectRunMetrics>>): MetricSource[] {
  const sources: MetricSource[] = [];
  for (const source of collected.sources) {
    const kind = SOURCE_KINDS[source.kind];
    // A JSONL or events file without a single step record (a rollout dump, hparams) is not a metrics log.
    if (source.records === 0 && (kind === "jsonl" || kind === "tensorboard")) continue;
    if (kind !== undefined)
      sources.push({ kind, path: source.path, records: source.records, problems: source.problems });
  }
  return sources;
}

/**
 * Builds the full report of a run directory, from library calls only: layout and checkpoints
 * (`@rlops/checkpoint-layout`), metrics from every source `@rlops/recovery`'s run discovery finds
 * (JSONL, `trainer_state.json`, TensorBoard events, Lightning `metrics.csv`, staged `metrics.json`),
 * ARC accuracy per step re-scored from the response logs (`@rlops/harmony-format`, `@rlops/arc-eval`),
 * the breaker (`@rlops/recovery`, default rules unless `options.breaker`), the run's own retention
 * from `training_args.bin`, disk use, the safe retention plan, and the single next action with the
 * resume story of `planResume`. The tree is walked once; the walk's file list feeds metric discovery.
 *
 * Throws `RunError` `PATH_NOT_FOUND` when `runDir` does not exist, `NOT_A_DIRECTORY` when it is a
 * file, and the `RecoveryError` of an invalid `options.breaker` config.
 */
export async function buildReport(runDir: string, options: BuildReportOptions = {}): Promise<Report> {
  const root = resolve(runDir);
  await assertRunFolder(root);
  const notes: ReportNote[] = [];
  const note = (level: ReportNote["level"]) => (message: string) => notes.push({ level, message });
  const progress = options.onProgress;
  // Validate a given breaker config first: bad input fails before any scanning.
  const given = options.breaker
    ? {
        config: loadBreakerConfig(options.breaker.config, options.breaker.source),
        source: options.breaker.source,
      }
    : null;

  const walked = await walkRun(root, options.maxFiles ?? 500_000, (done) =>
    progress?.({ phase: "scan", done, total: null }),
  );
  if (walked.truncated) note("warn")(`scan stopped after ${walked.files.length} files; totals are partial`);
  progress?.({ phase: "checkpoints", done: 0, total: null });
  const listed = await listReportCheckpoints(root, options.layout, note("info"));
  const checkpoints = listed.items;
  progress?.({ phase: "checkpoints", done: checkpoints.length, total: checkpoints.length });

  // Metrics: the same discovery as `breaker check|watch <run-dir>`, every source merged by step.
  const collector = new SeriesCollector();
  const paths = walked.files.map((f) => f.path);
  const collected = await collectRunMetrics(await discoverMetricSources(root, { files: paths }), {
    table: collector.table,
    skip: ["responses"],
    onSource: (done, total) => progress?.({ phase: "metrics", done, total }),
  });
  const sources = metricSources(collected);
  const responseFiles = responseLogFiles(walked.files);
  const arc = await scoreResponseLogs(responseFiles, collector, (done, total) =>
    progress?.({ phase: "responses", done, total }),
  );
  if (arc.source) sources.push(arc.source);

  const rewardMetric = detectRewardMetric(collector.names());
  const lossMetric = detectLossMetric(collector.names());
  const steps = collector.sortedSteps();
  progress?.({ phase: "breaker", done: 0, total: steps.length });
  const run = runBreaker(collector, given, { rewardMetric, lossMetric, arc: arc.steps.length > 0 }, root);
  if (run.breaker.status === "not-run") note("info")("breaker not run: no reward or loss metric found");
  progress?.({ phase: "breaker", done: steps.length, total: steps.length });

  const own = await readRunRetention(root, checkpoints, new Set(paths), note("info"));
  const saveTotalLimit = options.saveTotalLimit ?? own?.saveTotalLimit ?? null;
  const context: NextActionContext = {
    goalRules: run.goalRules,
    earlyStoppingRules: run.earlyStoppingRules,
    endState: withLoggedSteps(await readRunEndState(root, checkpoints), {
      lastStep: steps[steps.length - 1] ?? null,
      maxSteps: own?.maxSteps ?? null,
      source: own?.source ?? "training_args.bin",
    }),
    saveTotalLimit,
  };
  if (options.breaker) context.breakerConfig = options.breaker.source;
  const need = resumeNeed({ breaker: run.breaker, checkpoints: { items: checkpoints } }, context);
  if (need) await planReportResume(root, need, { ...options, saveTotalLimit }, context, note("warn"));

  const retention = retentionSection(
    checkpoints,
    saveTotalLimit ?? DEFAULT_KEEP_LAST,
    context.resumePlan?.checkpoint,
    note("info"),
  );
  const samples = await collectSamples(root, responseFiles, arc.steps, run.breaker.trip);
  const partial: Omit<Report, "nextAction"> = {
    schemaVersion: 1,
    tool: { name: "rlops", version: options.toolVersion ?? VERSION },
    generatedAt: new Date().toISOString(),
    root,
    layout: listed.layout,
    checkpoints: checkpointSection(listed),
    metrics: {
      sources: sources.map((s) => ({ ...s, path: relative(root, s.path) || "." })),
      firstStep: steps[0] ?? null,
      lastStep: steps[steps.length - 1] ?? null,
      steps: steps.length,
      rewardMetric,
      series: collector.series(),
    },
    breaker: run.breaker,
    arc: arc.steps.length > 0 ? summarizeResponseLogs(arc.steps) : null,
    disk: {
      totalBytes: walked.totalBytes,
      checkpointBytes: checkpoints.reduce((sum, c) => sum + c.bytes, 0),
      files: walked.files.length,
      reclaimableBytes: retention?.delete.reduce((sum, d) => sum + d.bytes, 0) ?? 0,
    },
    retention,
    notes,
    ...(samples.length > 0 ? { samples } : {}),
  };
  return { ...partial, nextAction: decideNextAction(partial, context) };
}
