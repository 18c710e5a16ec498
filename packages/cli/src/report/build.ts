import { createReadStream } from "node:fs";
import { lstat, readdir, readFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { CliError } from "../errors.js";
import { VERSION } from "../version.js";
import { type ArcScorer, arcStepValues, type ResponseLog, scoreResponseLog, summarizeArc } from "./arc.js";
import { defaultBreakerConfig } from "./default-breaker.js";
import { IntegrationUnavailable, optionalFunction, PACKAGES, resolveFunction } from "./integrations.js";
import {
  detectLossMetric,
  detectRewardMetric,
  SeriesCollector,
  type StepRecord,
  toStepRecord,
} from "./metrics.js";
import { decideNextAction, type NextActionContext } from "./next-action.js";
import type {
  ArcStep,
  MetricSource,
  Report,
  ReportCheckpoint,
  ReportDecision,
  ReportNote,
} from "./schema.js";

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
  /** Force a layout instead of detecting it. */
  layout?: string;
  /** Original training command line, used for the exact resume command. */
  command?: string;
  /** Trainer for the resume command (`hf`, `areal`, …); defaults to the layout. */
  trainer?: string;
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

const SKIP_DIRS = new Set(["node_modules", ".git", "__pycache__", "wandb", ".cache"]);

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
const STAGE_DIR = /^stage_(\d{1,9})$/;
const IGNORED_JSONL = new Set(["checkpoints.jsonl", "timing_spans.jsonl"]);

async function readJsonl(
  path: string,
  collector: SeriesCollector,
  stepKeys?: readonly string[],
): Promise<{ records: number; problems: string[] }> {
  const problems: string[] = [];
  let records = 0;
  let lineNo = 0;
  let stepless = 0;
  const lines = createInterface({
    input: createReadStream(path, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    lineNo++;
    const text = line.trim();
    if (text === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      if (problems.length < 20) problems.push(`line ${lineNo}: not valid JSON (torn or partial line)`);
      continue;
    }
    const record = toStepRecord(parsed, stepKeys);
    if (!record) {
      stepless++;
      continue;
    }
    if (!collector.add(record)) {
      problems.push(`stopped at line ${lineNo}: more than ${collector.maxSteps} steps`);
      break;
    }
    records++;
  }
  if (stepless > 0) problems.push(`${stepless} line(s) without a step field`);
  return { records, problems };
}

type ParseTrainerState = (text: string, source?: string) => { global_step?: unknown; log_history?: unknown };

/** Normalises a checkpoint from `@rlops/checkpoint-layout` to the report's row shape. */
function toReportCheckpoint(raw: Record<string, unknown>): ReportCheckpoint {
  const step = typeof raw.step === "number" && Number.isFinite(raw.step) ? raw.step : null;
  return {
    ...raw,
    layout: String(raw.layout),
    location: String(raw.location),
    name: String(raw.name),
    step,
    role: (raw.role as ReportCheckpoint["role"]) ?? "intermediate",
    capabilities: (raw.capabilities as ReportCheckpoint["capabilities"]) ?? {
      resume: false,
      inference: false,
    },
    complete: raw.complete === true,
    problems: Array.isArray(raw.problems) ? (raw.problems as ReportCheckpoint["problems"]) : [],
    bytes: typeof raw.bytes === "number" ? raw.bytes : 0,
  };
}

function note(notes: ReportNote[], level: ReportNote["level"], message: string): void {
  notes.push({ level, message });
}

function unavailable(notes: ReportNote[], section: string, error: unknown): void {
  if (error instanceof IntegrationUnavailable) note(notes, "warn", `${section} skipped: ${error.message}`);
  else throw error;
}

/**
 * Builds the full report of a run directory: layout and checkpoints (via `@rlops/checkpoint-layout`),
 * metrics from `trainer_state.json` log history, JSONL logs, staged `metrics.json` and ARC response logs,
 * the breaker (via `@rlops/recovery`, default rules unless `options.breaker`), ARC accuracy per step
 * (harmony final channel via `@rlops/harmony-format`, grids and scores via `@rlops/arc-eval`), disk use,
 * a safe retention plan, and the single next action.
 *
 * Throws `CliError` `RUN_NOT_FOUND` when `runDir` does not exist or is not a directory.
 */
export async function buildReport(runDir: string, options: BuildReportOptions = {}): Promise<Report> {
  const root = resolve(runDir);
  const info = await lstat(root).catch((cause: unknown) => {
    throw new CliError({ code: "RUN_NOT_FOUND", message: `${root}: no such directory`, cause });
  });
  if (!info.isDirectory()) throw new CliError({ code: "RUN_NOT_FOUND", message: `${root}: not a directory` });
  const notes: ReportNote[] = [];
  const progress = options.onProgress;

  const walked = await walk(root, options.maxFiles ?? 500_000, progress);
  if (walked.truncated)
    note(notes, "warn", `scan stopped after ${walked.files.length} files; totals are partial`);

  // Checkpoints.
  progress?.({ phase: "checkpoints", done: 0, total: null });
  let layout: string | null = options.layout ?? null;
  let checkpoints: ReportCheckpoint[] = [];
  let ignored: { path: string; reason: string }[] = [];
  try {
    const list = await resolveFunction<(dir: string, opts?: Record<string, unknown>) => Promise<unknown>>(
      PACKAGES.checkpointsNode,
      "listCheckpoints",
    );
    const listing = (await list(root, options.layout ? { layout: options.layout } : {})) as
      | {
          layout?: string | null;
          checkpoints?: Record<string, unknown>[];
          ignored?: { path: string; reason: string }[];
        }
      | Record<string, unknown>[];
    const rows = Array.isArray(listing) ? listing : (listing.checkpoints ?? []);
    checkpoints = rows.map(toReportCheckpoint);
    if (!Array.isArray(listing)) {
      layout = listing.layout ?? layout;
      ignored = listing.ignored ?? [];
    } else if (checkpoints[0]) layout = checkpoints[0].layout;
  } catch (error) {
    if (error instanceof IntegrationUnavailable) unavailable(notes, "checkpoint listing", error);
    else if (typeof error === "object" && error !== null && "code" in error)
      note(notes, "warn", `checkpoint listing: ${(error as unknown as Error).message}`);
    else throw error;
  }
  progress?.({ phase: "checkpoints", done: checkpoints.length, total: checkpoints.length });

  // Metrics.
  const collector = new SeriesCollector();
  const sources: MetricSource[] = [];
  const jsonlFiles = walked.files.filter(
    (f) => f.path.endsWith(".jsonl") && !IGNORED_JSONL.has(basename(f.path)),
  );
  const trainerStates = walked.files.filter((f) => basename(f.path) === "trainer_state.json");
  const responseFiles = walked.files
    .filter((f) => RESPONSE_FILE.test(basename(f.path)) && basename(dirname(f.path)) === "responses")
    .sort((a, b) => a.path.localeCompare(b.path));
  const stageMetrics = walked.files.filter(
    (f) => basename(f.path) === "metrics.json" && STAGE_DIR.test(basename(dirname(f.path))),
  );
  let done = 0;
  const metricTotal = jsonlFiles.length + (trainerStates.length > 0 ? 1 : 0) + stageMetrics.length;
  for (const file of jsonlFiles) {
    const result = await readJsonl(file.path, collector);
    if (result.records > 0 || result.problems.length > 0)
      sources.push({ kind: "jsonl", path: file.path, records: result.records, problems: result.problems });
    progress?.({ phase: "metrics", done: ++done, total: metricTotal });
  }
  if (trainerStates.length > 0) {
    // The newest copy holds the longest log history: the root one after training, else the newest checkpoint's.
    const parse = await optionalFunction<ParseTrainerState>(PACKAGES.checkpoints, "parseTrainerState");
    let chosen: { path: string; step: number; history: unknown[] } | null = null;
    const problems: string[] = [];
    for (const file of trainerStates) {
      try {
        const text = await readFile(file.path, "utf8");
        const state = parse ? parse(text, file.path) : (JSON.parse(text) as ReturnType<ParseTrainerState>);
        const step = typeof state.global_step === "number" ? state.global_step : -1;
        const history = Array.isArray(state.log_history) ? state.log_history : [];
        if (!chosen || step > chosen.step) chosen = { path: file.path, step, history };
      } catch (error) {
        problems.push(`${relative(root, file.path)}: ${(error as Error).message.split("\n")[0]}`);
      }
    }
    if (!parse)
      note(
        notes,
        "info",
        "trainer_state.json read with JSON.parse: @rlops/checkpoint-layout parseTrainerState unavailable",
      );
    if (chosen) {
      let records = 0;
      for (const entry of chosen.history) {
        const record = toStepRecord(entry, ["step"]);
        if (record && collector.add(record)) records++;
      }
      sources.push({ kind: "trainer_state", path: chosen.path, records, problems });
    } else if (problems.length > 0)
      sources.push({ kind: "trainer_state", path: trainerStates[0]!.path, records: 0, problems });
    progress?.({ phase: "metrics", done: ++done, total: metricTotal });
  }
  for (const file of stageMetrics) {
    const stage = Number(STAGE_DIR.exec(basename(dirname(file.path)))?.[1]);
    try {
      const parsed = JSON.parse(await readFile(file.path, "utf8")) as Record<string, unknown>;
      const record = toStepRecord({ ...parsed, step: stage }, ["step"]);
      if (record) {
        delete record.values.stage;
        collector.add(record);
      }
      sources.push({ kind: "stage_metrics", path: file.path, records: record ? 1 : 0, problems: [] });
    } catch (error) {
      sources.push({
        kind: "stage_metrics",
        path: file.path,
        records: 0,
        problems: [(error as Error).message],
      });
    }
    progress?.({ phase: "metrics", done: ++done, total: metricTotal });
  }

  // ARC response logs.
  let arcSteps: ArcStep[] = [];
  if (responseFiles.length > 0) {
    try {
      const scorer = await loadArcScorer();
      const problems: string[] = [];
      for (let i = 0; i < responseFiles.length; i++) {
        const file = responseFiles[i] as { path: string };
        try {
          const log = JSON.parse(await readFile(file.path, "utf8")) as ResponseLog;
          if (typeof log.step !== "number" || !Array.isArray(log.candidates))
            throw new Error("missing step or candidates");
          const scored = scoreResponseLog(log, scorer);
          arcSteps.push(scored);
          const record: StepRecord = { step: scored.step, values: arcStepValues(scored) };
          if (scored.problemId !== null) record.problem = scored.problemId;
          collector.add(record);
        } catch (error) {
          if (error instanceof IntegrationUnavailable) throw error;
          if (problems.length < 20)
            problems.push(`${basename(file.path)}: ${(error as Error).message.split("\n")[0]}`);
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
    } catch (error) {
      arcSteps = [];
      unavailable(notes, "ARC accuracy", error);
    }
  }

  const names = collector.names();
  const rewardMetric = detectRewardMetric(names);
  const lossMetric = detectLossMetric(names);
  const steps = collector.sortedSteps();

  // Breaker.
  progress?.({ phase: "breaker", done: 0, total: steps.length });
  const breaker: Report["breaker"] = {
    status: "not-run",
    config: "default",
    rules: [],
    decisions: [],
    trip: null,
  };
  let goalRules: string[] = [];
  const configInput =
    options.breaker?.config ?? defaultBreakerConfig({ rewardMetric, lossMetric, arc: arcSteps.length > 0 });
  if (options.breaker) breaker.config = options.breaker.source;
  if (configInput === null) note(notes, "info", "breaker not run: no reward or loss metric found");
  else {
    try {
      const load = await resolveFunction<(input: unknown, source?: string) => Record<string, unknown>>(
        PACKAGES.recovery,
        "loadBreakerConfig",
      );
      const create = await resolveFunction<
        (config: unknown) => {
          observe(record: {
            step: number;
            metrics: Record<string, number | null>;
            problem?: string;
          }): ReportDecision;
        }
      >(PACKAGES.recovery, "createMonitor");
      const config = load(configInput, options.breaker?.source ?? "default breaker");
      const groups = ["rules", "earlyStopping", "goals", "best"] as const;
      breaker.rules = groups.flatMap((g) =>
        ((config[g] as { name: string }[] | undefined) ?? []).map((r) => r.name),
      );
      goalRules = ((config.goals as { name: string }[] | undefined) ?? []).map((r) => r.name);
      const monitor = create(config);
      let count = 0;
      for (const record of collector.records()) {
        const input: { step: number; metrics: Record<string, number | null>; problem?: string } = {
          step: record.step,
          metrics: record.values,
        };
        if (record.problem !== undefined) input.problem = record.problem;
        const decision = monitor.observe(input);
        count++;
        if (decision.action !== "continue") {
          breaker.decisions.push(decision);
          if (decision.action === "stop" || decision.action === "rollback") {
            breaker.trip = decision;
            break;
          }
        }
      }
      progress?.({ phase: "breaker", done: count, total: steps.length });
      breaker.status = breaker.trip ? "tripped" : "ok";
    } catch (error) {
      if (error instanceof IntegrationUnavailable) unavailable(notes, "breaker", error);
      else if (options.breaker) throw error;
      else note(notes, "warn", `default breaker not run: ${(error as Error).message}`);
    }
  }

  // Checkpoint summary, retention, disk.
  const resumable = checkpoints.filter((c) => c.complete && c.capabilities.resume);
  const newestResumable = [...resumable].reverse()[0] ?? null;
  const bestCheckpoint = checkpoints.find((c) => c.role === "best" || c.best === true) ?? null;
  const finalCheckpoint = [...checkpoints].reverse().find((c) => c.role === "final") ?? null;
  let retention: {
    policy: string;
    delete: { name: string; reason: string; bytes: number; remote: boolean }[];
  } | null = null;
  if (checkpoints.length > 0) {
    try {
      const plan = await resolveFunction<(cks: unknown[], policy: Record<string, unknown>) => unknown>(
        PACKAGES.checkpoints,
        "planRetention",
      );
      const result = plan(checkpoints, { kind: "safe", keepLast: 2, keepBest: true }) as {
        delete?: { checkpoint?: { name?: string; bytes?: number | null }; name?: string; reason?: string }[];
      };
      retention = {
        policy: "safe, keep last 2 and best",
        delete: (result.delete ?? []).map((entry) => {
          const name = entry.checkpoint?.name ?? entry.name ?? "?";
          const bytes = entry.checkpoint?.bytes ?? checkpoints.find((c) => c.name === name)?.bytes ?? 0;
          const location = checkpoints.find((c) => c.name === name)?.location ?? "";
          return { name, reason: entry.reason ?? "", bytes: bytes ?? 0, remote: location.includes("://") };
        }),
      };
    } catch (error) {
      unavailable(notes, "retention plan", error);
    }
  }
  // Next action: the newest resumable checkpoint before the first bad step, and the trainer's command.
  const context: NextActionContext = { goalRules };
  if (options.breaker) context.breakerConfig = options.breaker.source;
  const trip = breaker.trip;
  if (
    trip &&
    (trip.action === "stop" || trip.action === "rollback") &&
    !goalRules.includes(trip.rule ?? "")
  ) {
    const before = typeof trip.firstBadStep === "number" ? trip.firstBadStep : trip.step;
    context.resumeFrom = [...resumable].reverse().find((c) => c.step !== null && c.step < before) ?? null;
    try {
      const planResume = await resolveFunction<
        (dir: string, opts: Record<string, unknown>) => Promise<unknown>
      >(PACKAGES.recoveryNode, "planResume");
      const planOptions: Record<string, unknown> = { fromDecision: trip };
      if (options.trainer) planOptions.trainer = options.trainer;
      if (options.layout) planOptions.layout = options.layout;
      if (options.command) planOptions.command = options.command;
      const plan = (await planResume(root, planOptions)) as {
        chosen?: { name?: string } | null;
        warnings?: string[];
        resume?: {
          trainer: string;
          argv: string[];
          command: string;
          complete: boolean;
          code?: string;
          notes?: string[];
        };
      };
      if (plan.resume && Array.isArray(plan.resume.argv) && typeof plan.resume.command === "string") {
        context.resume = {
          trainer: String(plan.resume.trainer),
          command: plan.resume.command,
          argv: plan.resume.argv,
          complete: plan.resume.complete === true,
          notes: Array.isArray(plan.resume.notes) ? plan.resume.notes : [],
          ...(typeof plan.resume.code === "string" ? { code: plan.resume.code } : {}),
        };
      }
      for (const warning of plan.warnings ?? []) note(notes, "warn", `resume plan: ${warning}`);
      const chosen = plan.chosen?.name;
      if (chosen && chosen !== context.resumeFrom?.name) {
        note(
          notes,
          "warn",
          `@rlops/recovery planResume chose ${chosen}; the report's own pick was ${context.resumeFrom?.name ?? "none"}`,
        );
        context.resumeFrom = checkpoints.find((c) => c.name === chosen) ?? context.resumeFrom ?? null;
      }
    } catch (error) {
      if (error instanceof IntegrationUnavailable)
        note(
          notes,
          "info",
          `exact trainer resume command unavailable (${error.message}); showing rlops recover setup`,
        );
      else note(notes, "warn", `resume planning failed: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  // Remote checkpoints (tinker://) are deleted with the provider's tools, not by rlops ckpt prune.
  if (retention?.delete.some((d) => d.remote)) {
    const remote = retention.delete.filter((d) => d.remote).length;
    retention = { ...retention, delete: retention.delete.filter((d) => !d.remote) };
    note(
      notes,
      "info",
      `retention: ${remote} remote checkpoint(s) left out of the prune plan (delete them with the provider's tools)`,
    );
  }
  // Never propose pruning the checkpoint the run should resume from.
  const resumeTarget = context.resumeFrom?.name;
  if (retention && resumeTarget && retention.delete.some((d) => d.name === resumeTarget)) {
    retention = { ...retention, delete: retention.delete.filter((d) => d.name !== resumeTarget) };
    note(notes, "info", `retention: ${resumeTarget} kept because the run should resume from it`);
  }
  const checkpointBytes = checkpoints.reduce((sum, c) => sum + (c.bytes ?? 0), 0);

  const partial: Omit<Report, "nextAction"> = {
    schemaVersion: 1,
    tool: { name: "rlops", version: VERSION },
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
    retention: retention && {
      policy: retention.policy,
      delete: retention.delete.map(({ name, reason, bytes }) => ({ name, reason, bytes })),
    },
    notes,
  };

  return { ...partial, nextAction: decideNextAction(partial, context) };
}

/** Loads the ARC scorer from `@rlops/harmony-format` and `@rlops/arc-eval`. */
async function loadArcScorer(): Promise<ArcScorer> {
  const extractFinalText = await resolveFunction<(text: string) => string | null>(
    PACKAGES.harmony,
    "extractFinalText",
  );
  const extractGrid = await resolveFunction<ArcScorer["extractGrid"]>(PACKAGES.arc, "extractGrid");
  const compareGrids = await resolveFunction<ArcScorer["compareGrids"]>(PACKAGES.arc, "compareGrids");
  return { extractFinalText, extractGrid, compareGrids };
}
