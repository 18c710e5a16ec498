import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { listCheckpoints } from "@rlops/checkpoint-layout/node";
import { isRlopsError } from "@rlops/errors";
import { RecoveryError } from "./errors.js";
import { StepTable } from "./merge.js";
import type { MetricRecord } from "./monitor.js";
import { forEachMetricRecord, formatOfPath } from "./node-sources.js";
import { type MetricFormat, parseJsonWithNonFinite, recordFromObject } from "./sources.js";

/** Where a run's metrics live, as {@link discoverMetricSources} finds them. */
export interface MetricSourceRef {
  /** A file format of the sources, or `stage-metrics` (one staged trainer's `stage_N/metrics.json`). */
  kind: MetricFormat | "stage-metrics";
  path: string;
}

/** Options of {@link discoverMetricSources}. */
export interface DiscoverOptions {
  /** Files already listed under the root (e.g. by a report's disk walk); walked when omitted. */
  files?: readonly string[] | undefined;
  /** Most files walked (bounded work). Default 500,000. */
  maxFiles?: number | undefined;
}

/** Folders never searched for metrics. */
export const SKIP_DIRS: ReadonlySet<string> = new Set([
  "node_modules",
  ".git",
  "__pycache__",
  "wandb",
  ".cache",
]);
/** JSONL files that are not per-step metrics. */
const IGNORED_JSONL = new Set(["checkpoints.jsonl", "timing_spans.jsonl"]);
const RESPONSE_FILE = /^step_(\d{1,12})\.json$/;
const STAGE_DIR = /^stage_(\d{1,9})$/;
const TFEVENTS = "events.out.tfevents.";
/** Folder names trainers write their metric logs to inside a run. */
const LOG_DIRS = new Set([
  "runs",
  "rlops",
  "logs",
  "lightning_logs",
  "tensorboard",
  "tb_logs",
  "csv_logs",
  "metrics",
  "responses",
]);

/** Lists the files under `root` (depth ≤ 12, `SKIP_DIRS` skipped), at most `maxFiles`. */
export async function listRunFiles(
  root: string,
  maxFiles = 500_000,
): Promise<{ files: string[]; truncated: boolean }> {
  const files: string[] = [];
  let truncated = false;
  const stack: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
  while (stack.length > 0) {
    const { dir, depth } = stack.pop() as { dir: string; depth: number };
    let entries: Dirent[];
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
        if (files.length >= maxFiles) truncated = true;
        else files.push(path);
      }
    }
  }
  return { files, truncated };
}

/** The kind of a metric file, or null when it is not one the discovery reads. */
function kindOf(path: string): MetricSourceRef["kind"] | null {
  const name = basename(path);
  if (name.endsWith(".jsonl")) return IGNORED_JSONL.has(name) ? null : formatOfPath(path, false);
  if (name.startsWith(TFEVENTS)) return "tensorboard";
  if (name === "metrics.csv") return "lightning-csv";
  if (name === "trainer_state.json") return "trainer-state";
  if (name === "metrics.json" && STAGE_DIR.test(basename(dirname(path)))) return "stage-metrics";
  if (RESPONSE_FILE.test(name) && basename(dirname(path)) === "responses") return "responses";
  return null;
}

/** Source order: the first value of a metric at a step wins, so exact (double) sources come first. */
const ORDER: Record<MetricSourceRef["kind"], number> = {
  jsonl: 0,
  tinker: 0,
  "trainer-state": 1,
  "lightning-csv": 2,
  tensorboard: 3,
  "stage-metrics": 4,
  responses: 5,
};

/**
 * The one metric discovery of a run folder (used by `rlops report`, `breaker check <run-dir>` and
 * `breaker watch <run-dir>`): JSONL logs (including `<output_dir>/rlops/metrics.jsonl` and Tinker
 * `metrics.jsonl`), TensorBoard events (`runs/*\/events.out.tfevents.*` of HF/TRL, Lightning's
 * TensorBoardLogger), Lightning `metrics.csv`, the `trainer_state.json` with the highest
 * `global_step` (the root's after training, else the newest checkpoint's), staged `metrics.json`
 * and ARC response-log folders. Sorted so that exact sources come first (JSONL, trainer_state),
 * then the float32 TensorBoard copies, each group by path.
 */
export async function discoverMetricSources(
  root: string,
  options: DiscoverOptions = {},
): Promise<MetricSourceRef[]> {
  const files = options.files ?? (await listRunFiles(root, options.maxFiles)).files;
  const out: MetricSourceRef[] = [];
  const responseDirs = new Set<string>();
  const trainerStates: string[] = [];
  for (const path of files) {
    const kind = kindOf(path);
    if (kind === null) continue;
    if (kind === "responses") responseDirs.add(dirname(path));
    else if (kind === "trainer-state") trainerStates.push(path);
    else out.push({ kind, path });
  }
  const state = await newestTrainerState(trainerStates);
  if (state !== null) out.push({ kind: "trainer-state", path: state });
  for (const dir of responseDirs) out.push({ kind: "responses", path: dir });
  return out.sort(
    (a, b) => ORDER[a.kind] - ORDER[b.kind] || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}

/** The `trainer_state.json` with the highest `global_step` (unreadable ones count as -1). */
async function newestTrainerState(paths: readonly string[]): Promise<string | null> {
  let best: { path: string; step: number } | null = null;
  for (const path of paths) {
    let step = -1;
    try {
      const info = await stat(path);
      if (info.size <= 512 * 1024 * 1024) {
        const value = parseJsonWithNonFinite(await readFile(path, "utf8"), path) as { global_step?: unknown };
        if (typeof value?.global_step === "number") step = value.global_step;
      }
    } catch {
      // unreadable or invalid: reported when read
    }
    if (best === null || step > best.step || (step === best.step && path.length < best.path.length))
      best = { path, step };
  }
  return best?.path ?? null;
}

/** What was read from one source by {@link collectRunMetrics}. */
export interface CollectedSource extends MetricSourceRef {
  /** Records read (a TensorBoard/CSV step counts once). */
  records: number;
  /** Diagnostics and read errors (at most 20), `CODE: message`. */
  problems: string[];
}

/** Options of {@link collectRunMetrics}. */
export interface CollectOptions {
  /** The table to add to (default a new one). */
  table?: StepTable;
  /** Source kinds to leave out (a caller that reads them itself, e.g. re-scored response logs). */
  skip?: readonly MetricSourceRef["kind"][];
  /** Called after each source. */
  onSource?: (done: number, total: number) => void;
}

const MAX_PROBLEMS = 20;

/**
 * Reads every discovered source into one {@link StepTable} (records at one step merged by the
 * shared rule, first value wins, sources in discovery order). Typed read errors (a corrupted
 * events file, an unreadable log) become problems of their source, never a failure of the whole.
 */
export async function collectRunMetrics(
  sources: readonly MetricSourceRef[],
  options: CollectOptions = {},
): Promise<{ table: StepTable; sources: CollectedSource[] }> {
  const table = options.table ?? new StepTable();
  const collected: CollectedSource[] = [];
  const wanted = sources.filter((s) => !options.skip?.includes(s.kind));
  let done = 0;
  for (const source of wanted) {
    const problems: string[] = [];
    let records = 0;
    const add = (record: MetricRecord) => {
      if (!table.add(record)) {
        problems.push(`stopped: more than ${table.maxSteps} steps`);
        return false;
      }
      records++;
      return true;
    };
    try {
      if (source.kind === "stage-metrics") {
        const record = await readStageMetrics(source.path);
        if (record === null) problems.push("not a metrics object");
        else add(record);
      } else
        await forEachMetricRecord(
          source.path,
          {
            format: source.kind,
            onDiagnostic: (d) => {
              if (problems.length < MAX_PROBLEMS) problems.push(`${d.code}: ${d.message}`);
            },
          },
          add,
        );
    } catch (error) {
      if (!isRlopsError(error)) throw error;
      problems.push(`${error.code}: ${error.message.split("\n")[0]}`);
    }
    collected.push({ ...source, records, problems });
    options.onSource?.(++done, wanted.length);
  }
  return { table, sources: collected };
}

/** A staged trainer's `stage_N/metrics.json` as one record at step N (its `stage` field dropped). */
async function readStageMetrics(path: string): Promise<MetricRecord | null> {
  const stage = Number(STAGE_DIR.exec(basename(dirname(path)))?.[1]);
  const parsed = parseJsonWithNonFinite(await readFile(path, "utf8"), path);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const record = recordFromObject(
    { ...(parsed as Record<string, unknown>), step: stage },
    { stepKey: "step" },
  );
  if (record !== null) delete record.metrics.stage;
  return record;
}

/** One run root found below a folder by {@link findRunRoots}. */
export interface RunRoot {
  path: string;
  /** Folder name relative to the searched folder. */
  name: string;
  /** Checkpoint layout (`@rlops/checkpoint-layout`), or null when the run has metrics only. */
  layout: string | null;
  checkpoints: number;
  /** Metric sources found. */
  metricSources: number;
}

/**
 * The run roots of a folder: `[dir]` itself when it holds a run (checkpoints listed at its top, or
 * metric sources that are not inside a child run), else each child folder that holds a run. A folder
 * of several runs thus lists them instead of merging their metrics (see `MULTIPLE_RUNS`).
 */
export async function findRunRoots(dir: string): Promise<RunRoot[]> {
  const self = await describeRun(dir, basename(dir));
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw new RecoveryError({ code: "SOURCE_ERROR", message: `${dir}: cannot read the folder`, cause });
  }
  const children: RunRoot[] = [];
  const checkpointDirs = new Set(self.checkpointPaths);
  for (const entry of entries) {
    if (!entry.isDirectory() || SKIP_DIRS.has(entry.name) || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (checkpointDirs.has(path)) continue;
    const child = await describeRun(path, entry.name);
    // A child whose checkpoints are the root's own (a Lightning logger folder, …) is part of it.
    if (child.run.checkpoints > 0 && child.checkpointPaths.every((p) => checkpointDirs.has(p))) continue;
    // So is a child without checkpoints of its own that holds the root's (found from the root only,
    // e.g. `csv/version_0/checkpoints/`), and, in a run with checkpoints, a metrics-only child laid
    // out like a Lightning logger (`<name>/version_N/…`): one run logged by several loggers.
    if (child.run.checkpoints === 0 && self.checkpointPaths.some((p) => p.startsWith(`${path}${sep}`)))
      continue;
    if (child.run.checkpoints === 0 && self.run.checkpoints > 0 && isLoggerFolder(child)) continue;
    // A metrics-only folder with a trainer's log-folder name (HF `runs/`, `rlops/`, Lightning's
    // `lightning_logs/`, …) is the parent's log, not a run of its own.
    if (child.run.checkpoints > 0 || (child.run.metricSources > 0 && !LOG_DIRS.has(entry.name)))
      children.push(child.run);
  }
  if (children.length >= 2 && !ownsTop(self, children, dir)) return children;
  return self.run.checkpoints > 0 || self.run.metricSources > 0 ? [self.run] : children;
}

const LOGGER_VERSION = /^version_\d{1,9}$/;

/** True when every metric file of a folder lies in a Lightning logger version folder (`version_N/`). */
function isLoggerFolder(d: Described): boolean {
  return (
    d.metricPaths.length > 0 &&
    d.metricPaths.every((p) => LOGGER_VERSION.test(relative(d.run.path, p).split(sep)[0] ?? ""))
  );
}

/** True when the root's checkpoints are not all inside the child runs (the root is a run itself). */
function ownsTop(self: Described, children: readonly RunRoot[], dir: string): boolean {
  const inChild = (p: string) => children.some((c) => p === c.path || p.startsWith(`${c.path}/`));
  if (self.checkpointPaths.some((p) => !inChild(p))) return true;
  return self.metricPaths.some((p) => !inChild(p) && dirname(p) === dir);
}

interface Described {
  run: RunRoot;
  checkpointPaths: string[];
  metricPaths: string[];
}

async function describeRun(path: string, name: string): Promise<Described> {
  let layout: string | null = null;
  let checkpointPaths: string[] = [];
  try {
    const listing = await listCheckpoints(path, { sizes: false, verify: "presence" });
    layout = listing.checkpoints.length > 0 ? listing.layout : null;
    checkpointPaths = listing.checkpoints.map((c) => c.location).filter((p) => !p.includes("://"));
  } catch (error) {
    if (!isRlopsError(error)) throw error;
  }
  const { files } = await listRunFiles(path, 50_000);
  const metricPaths = files.filter((f) => kindOf(f) !== null);
  return {
    run: {
      path,
      name: relative(dirname(path), path) || name,
      layout,
      checkpoints: checkpointPaths.length,
      metricSources: metricPaths.length,
    },
    checkpointPaths,
    metricPaths,
  };
}
