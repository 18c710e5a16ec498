import pc from "picocolors";
import { formatBytes, formatNumber, sparkline, table } from "./format.js";
import { AXIS_NAMES, groupMetrics } from "./html/groups.js";
import type { Report } from "./schema.js";
import { fitToWidth } from "./width.js";

/** Inputs of {@link projectDisk}. */
export interface DiskProjectionInput {
  /** Last logged step. */
  lastStep: number;
  /** Step the run ends at (`max_steps`); `null` when unknown. */
  maxSteps: number | null;
  /** Steps between two saves; `null` when unknown (fewer than two checkpoints and no `save_steps`). */
  cadence: number | null;
  /** Bytes one new checkpoint takes (the newest complete one's size). */
  checkpointBytes: number;
  /** Checkpoints on disk now that retention rotates (step checkpoints; not `best/` or `final/`). */
  checkpoints: number;
  /** Retention: checkpoints kept (HF `save_total_limit`); `null` = all are kept. */
  keepLast: number | null;
  /** Bytes free on the run's filesystem (or the quota left). */
  freeBytes: number;
}

/** What {@link projectDisk} found. */
export interface DiskProjection {
  /** Saves left before `maxSteps`. */
  savesLeft: number | null;
  /** Bytes the run still needs at its peak (during the last save, before rotation). */
  neededBytes: number | null;
  /** The step whose save no longer fits, or `null` when the disk does not fill before the end. */
  fillsAtStep: number | null;
  /** One sentence. */
  summary: string;
}

/**
 * Disk projection of a running run. With cadence c, next saves at steps s_j = (⌊lastStep/c⌋ + j)·c for
 * j = 1…n where s_n ≤ maxSteps. The j-th save adds one checkpoint of size b; with a retention of K kept
 * checkpoints the trainer writes the new one before deleting the oldest, so the disk holds at most K + 1.
 * Growth at save j is g(j) = (min(m + j, K + 1) − m)·b for m checkpoints now (g(j) = j·b without
 * retention). The disk fills at the first s_j with g(j) > free; otherwise it does not fill before maxSteps
 * and the run needs g(n) more bytes at its peak.
 */
export function projectDisk(input: DiskProjectionInput): DiskProjection {
  const { lastStep, maxSteps, cadence, checkpointBytes: b, checkpoints: m, keepLast, freeBytes } = input;
  if (cadence === null || cadence <= 0 || b <= 0)
    return {
      savesLeft: null,
      neededBytes: null,
      fillsAtStep: null,
      summary: "no projection: the save cadence or the checkpoint size is not known yet",
    };
  const first = Math.floor(lastStep / cadence) + 1;
  const growth = (j: number) =>
    keepLast === null ? j * b : Math.max(0, Math.min(m + j, keepLast + 1) - m) * b;
  const savesLeft = maxSteps === null ? null : Math.max(0, Math.floor(maxSteps / cadence) - first + 1);
  // Without max_steps: project the next 1000 saves (and say so).
  const horizon = savesLeft ?? 1000;
  // growth() is non-decreasing: the first j with growth(j) > free is found by bisection.
  let fillsAt: number | null = null;
  if (horizon > 0 && growth(horizon) > freeBytes) {
    let lo = 1;
    let hi = horizon;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (growth(mid) > freeBytes) hi = mid;
      else lo = mid + 1;
    }
    fillsAt = (first + lo - 1) * cadence;
  }
  const needed = growth(horizon);
  const until = maxSteps === null ? `the next ${horizon} saves` : `max_steps ${maxSteps}`;
  const summary =
    fillsAt !== null
      ? `disk fills at step ${fillsAt}, before ${until}: the run needs ${formatBytes(needed)} more, ${formatBytes(freeBytes)} free`
      : `does not fill before ${until}: needs ${formatBytes(needed)} more at its peak, ${formatBytes(freeBytes)} free`;
  return { savesLeft, neededBytes: needed, fillsAtStep: fillsAt, summary };
}

/** One observation of the run's progress, for the rate. */
export interface ProgressSample {
  time: number;
  step: number;
}

/** Steps per minute over the samples of the last `windowMs` (null until two distinct steps were seen). */
export function stepRate(samples: readonly ProgressSample[], windowMs = 10 * 60_000): number | null {
  const last = samples[samples.length - 1];
  if (!last) return null;
  const first = samples.find((s) => s.time >= last.time - windowMs) ?? samples[0];
  if (!first || last.time <= first.time || last.step <= first.step) return null;
  return ((last.step - first.step) / (last.time - first.time)) * 60_000;
}

/** `1h 02m`, `4m 10s`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, "0")}m`;
}

/** The state `rlops watch` shows (and prints as one JSON line per change when stdout is not a TTY). */
export interface WatchState {
  root: string;
  step: number | null;
  maxSteps: number | null;
  stepsPerMinute: number | null;
  etaSeconds: number | null;
  breaker: {
    status: Report["breaker"]["status"];
    action: string | null;
    rule: string | null;
    step: number | null;
    firstBadStep: number | null;
  };
  checkpoint: { name: string; step: number | null; resumable: boolean } | null;
  disk: DiskProjection & { usedBytes: number; freeBytes: number };
  metrics: Record<string, number | null>;
}

/** Metrics the view lists: in chart-group order (reward first), at most `max`. */
function viewMetrics(report: Report, max: number): Report["metrics"]["series"] {
  const names = groupMetrics(report.metrics.series.filter((s) => !AXIS_NAMES.has(s.name))).flatMap(
    (g) => g.metrics,
  );
  return names
    .slice(0, max)
    .map((n) => report.metrics.series.find((s) => s.name === n))
    .filter((s) => s !== undefined);
}

/** Builds the watch state from a fresh report and the run's progress context. */
export function watchState(
  report: Report,
  context: {
    samples: readonly ProgressSample[];
    maxSteps: number | null;
    disk: DiskProjection & { usedBytes: number; freeBytes: number };
  },
): WatchState {
  const rate = stepRate(context.samples);
  const step = report.metrics.lastStep;
  const trip = report.breaker.trip;
  const complete = [...report.checkpoints.items].reverse().find((c) => c.complete) ?? null;
  const metrics: Record<string, number | null> = {};
  for (const s of viewMetrics(report, 12)) metrics[s.name] = s.points[s.points.length - 1]?.[1] ?? null;
  return {
    root: report.root,
    step,
    maxSteps: context.maxSteps,
    stepsPerMinute: rate === null ? null : Number(rate.toFixed(3)),
    etaSeconds:
      rate && step !== null && context.maxSteps !== null
        ? Math.max(0, Math.round(((context.maxSteps - step) / rate) * 60))
        : null,
    breaker: {
      status: report.breaker.status,
      action: trip?.action ?? null,
      rule: trip?.rule ?? null,
      step: trip?.step ?? null,
      firstBadStep: typeof trip?.firstBadStep === "number" ? trip.firstBadStep : null,
    },
    checkpoint: complete
      ? { name: complete.name, step: complete.step, resumable: complete.capabilities.resume }
      : null,
    disk: context.disk,
    metrics,
  };
}

/** The terminal view of a watch state (fits `width`; colour per `color`). */
export function renderWatchView(
  state: WatchState,
  report: Report,
  options: { color: boolean; width: number; now: Date },
): string {
  const c = pc.createColors(options.color);
  const out: string[] = [];
  out.push(
    `${c.bold("rlops watch")} ${state.root}`,
    c.dim(
      `updated ${options.now.toISOString().slice(11, 19)}Z · redraws when the run's files change · Ctrl-C to quit`,
    ),
  );
  const progress =
    state.step === null
      ? "no step logged yet"
      : `step ${state.step}${state.maxSteps !== null ? ` / ${state.maxSteps} (${((state.step / Math.max(1, state.maxSteps)) * 100).toFixed(1)}%)` : ""}`;
  const rate =
    state.stepsPerMinute === null
      ? "rate: measuring (needs two updates)"
      : `${formatNumber(state.stepsPerMinute)} steps/min`;
  const eta = state.etaSeconds === null ? "" : ` · ETA ${formatDuration(state.etaSeconds * 1000)}`;
  out.push("", `${c.bold(progress)} · ${rate}${eta}`);
  const b = state.breaker;
  out.push(
    b.status === "not-run"
      ? `breaker: ${c.dim("not run (no reward or loss metric yet)")}`
      : b.action
        ? `breaker: ${c.red(c.bold(b.action.toUpperCase()))} ${b.rule ?? "?"} at step ${b.step}${b.firstBadStep !== null ? ` (first bad step ${b.firstBadStep})` : ""}`
        : `breaker: ${c.green("ok")}: no rule tripped`,
  );
  out.push(
    `checkpoint: ${state.checkpoint ? `${state.checkpoint.name} (step ${state.checkpoint.step ?? "—"}, ${state.checkpoint.resumable ? "resumable" : "inference only"})` : c.dim("none yet")}`,
  );
  const fills = state.disk.fillsAtStep !== null;
  out.push(
    `disk: ${formatBytes(state.disk.usedBytes)} used · ${fills ? c.red(state.disk.summary) : state.disk.summary}`,
  );
  const series = viewMetrics(report, 12);
  if (series.length > 0) {
    const spark = Math.max(8, Math.min(40, options.width - 50));
    const rows = series.map((s) => [
      s.name,
      formatNumber(s.points[s.points.length - 1]?.[1]),
      sparkline(
        s.points.slice(-spark * 4).map((p) => p[1]),
        spark,
      ),
    ]);
    out.push("");
    for (const line of table(["METRIC", "LAST", "TREND (recent)"], rows, [1])) out.push(line);
  }
  return fitToWidth(out.join("\n"), options.width);
}
