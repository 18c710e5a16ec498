import { stat } from "node:fs/promises";
import type { BreakerConfig, BreakerConfigInput } from "./config.js";
import { RecoveryError } from "./errors.js";
import type { StepTable } from "./merge.js";
import type { Monitor } from "./monitor.js";
import {
  type CollectedSource,
  collectRunMetrics,
  discoverMetricSources,
  findRunRoots,
  type MetricSourceRef,
  type RunRoot,
} from "./node-discovery.js";
import { type CheckResult, listStepFiles, monitorFor, responsesDir } from "./node-sources.js";
import { assertMetricsSeen } from "./seen.js";
import type { Decision } from "./state.js";

/** Options of {@link replayTable}. */
export interface ReplayOptions {
  /** Continue from a saved monitor state (ignored when a Monitor is passed). */
  state?: unknown;
  /** See `CheckOptions.requireMetrics` (default true). */
  requireMetrics?: boolean;
  /** Names what was read, for messages. */
  where?: string;
}

/**
 * Replays a {@link StepTable} (one merged record per step, ascending) through a monitor and stops
 * at the first stop/rollback: how `rlops report` and `breaker check <run-dir>` run the breaker on
 * a run's discovered metrics, so both give the same verdict. Throws `NO_RECORDS` /
 * `METRIC_NEVER_SEEN` like `checkMetrics` unless `requireMetrics: false`.
 */
export function replayTable(
  config: BreakerConfig | BreakerConfigInput | string | Monitor,
  table: StepTable,
  options: ReplayOptions = {},
): Omit<CheckResult, "diagnostics"> {
  const { monitor, restore } = monitorFor(config, options.state);
  const decisions: Decision[] = [];
  let observed = 0;
  for (const record of table.records()) {
    const decision = monitor.observe(record);
    observed++;
    if (decision.action !== "continue") decisions.push(decision);
    if (monitor.tripped) break;
  }
  const verdict = monitor.tripped ? (decisions.at(-1) ?? null) : null;
  if (verdict === null && options.requireMetrics !== false)
    assertMetricsSeen(monitor.config, {
      records: observed,
      has: (name) => table.has(name),
      names: table.names(),
      where: options.where ?? "the run",
    });
  return { decisions, verdict, stats: monitor.stats(), state: monitor.snapshot(), restore };
}

/** What a path given to `breaker check|watch` or `report` is. */
export type MetricTarget =
  | { kind: "file"; path: string }
  | { kind: "responses"; path: string }
  | { kind: "run"; path: string; root: RunRoot };

function describeRuns(roots: readonly RunRoot[]): string {
  const shown = roots.slice(0, 12).map((r) => {
    const what = [r.layout ?? "metrics only"];
    if (r.checkpoints > 0) what.push(`${r.checkpoints} checkpoint${r.checkpoints === 1 ? "" : "s"}`);
    else what.push(`${r.metricSources} metric file${r.metricSources === 1 ? "" : "s"}`);
    return `${r.name} (${what.join(", ")})`;
  });
  return shown.join(", ") + (roots.length > shown.length ? `, … (${roots.length - shown.length} more)` : "");
}

/**
 * The one run of a folder: throws `RecoveryError` `MULTIPLE_RUNS` ("8 runs: arc-dapo (hf, 4
 * checkpoints), …; pass one, or --all") when it holds several run roots, so their metrics are
 * never merged. Returns the run root, or null when the folder holds no run at all.
 */
export async function assertOneRun(dir: string, allFlag = "--all"): Promise<RunRoot | null> {
  const roots = await findRunRoots(dir);
  if (roots.length > 1)
    throw new RecoveryError({
      code: "MULTIPLE_RUNS",
      message: `${dir} holds ${roots.length} runs: ${describeRuns(roots)}; pass one, or ${allFlag}`,
      details: {
        runs: roots.map((r) => ({
          name: r.name,
          path: r.path,
          layout: r.layout,
          checkpoints: r.checkpoints,
        })),
        hint: `e.g. ${roots[0]!.path}`,
      },
    });
  return roots[0] ?? null;
}

/**
 * Classifies a path given to `breaker check|watch`: a metric file, a response-log folder (step
 * files in it, `responses/` or `logs/responses/`, and nothing else of a run), or a run folder
 * (read with the run discovery; several runs are `MULTIPLE_RUNS`).
 */
export async function metricTarget(path: string): Promise<MetricTarget> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (cause) {
    throw new RecoveryError({
      code: "SOURCE_ERROR",
      message: `${path}: cannot read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`,
      cause,
      details: { path },
    });
  }
  if (!info.isDirectory()) return { kind: "file", path };
  if ((await listStepFiles(path)).length > 0) return { kind: "responses", path };
  const root = await assertOneRun(path);
  if (root === null) {
    if ((await responsesDir(path)) !== path) return { kind: "responses", path };
    throw new RecoveryError({
      code: "NO_RECORDS",
      message: `${path}: no metric source (JSONL, TensorBoard events, metrics.csv, trainer_state.json, response logs) in the folder`,
      details: { path },
    });
  }
  return { kind: "run", path, root };
}

/** Result of {@link checkRun}. */
export interface RunCheckResult extends Omit<CheckResult, "diagnostics"> {
  sources: CollectedSource[];
}

/**
 * `breaker check <run-dir>`: the run discovery (the same as `rlops report`), every source merged
 * into one table by step, replayed with {@link replayTable}.
 */
export async function checkRun(
  config: BreakerConfig | BreakerConfigInput | string | Monitor,
  runDir: string,
  options: ReplayOptions & { skip?: readonly MetricSourceRef["kind"][] } = {},
): Promise<RunCheckResult> {
  const { table, sources } = await collectRunMetrics(await discoverMetricSources(runDir), {
    ...(options.skip ? { skip: options.skip } : {}),
  });
  const read = sources.filter((s) => s.records > 0).map((s) => s.kind);
  const result = replayTable(config, table, {
    ...options,
    where: `${runDir} (${read.length > 0 ? [...new Set(read)].join(", ") : "no metric records"})`,
  });
  return { ...result, sources };
}
