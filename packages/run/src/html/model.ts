import { detectLossMetric } from "../metrics.js";
import type { Report } from "../schema.js";
import { groupMetrics } from "./groups.js";

/** Series colours (Tableau 10, readable on white); runs of a comparison take one colour each. */
export const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#76b7b2",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/** Marker colours. */
export const MARK = { ok: "#2e7d32", bad: "#c62828", warn: "#ef6c00", info: "#1565c0", muted: "#757575" };

/** One drawn line. */
export interface ChartSeries {
  label: string;
  metric: string;
  run: number;
  color: string;
  points: readonly [number, number | null][];
}

/** One chart: a title and the series (indexes into {@link PageModel.series}) it overlays. */
interface ChartSpec {
  id: string;
  group: string;
  title: string;
  series: number[];
}

/** A vertical line drawn on every chart. */
export interface MarkerSpec {
  step: number;
  kind: "checkpoint" | "checkpoint-incomplete" | "trip" | "first-bad";
  label: string;
  color: string;
}

/** A dot of the checkpoint timeline. */
export interface TimelineItem {
  step: number;
  name: string;
  status: "resumable" | "inference" | "incomplete";
  color: string;
  detail: string;
}

/** Everything the page draws. */
export interface PageModel {
  runs: { label: string; root: string }[];
  series: ChartSeries[];
  charts: ChartSpec[];
  markers: MarkerSpec[];
  timeline: TimelineItem[];
  /** Step range every chart starts with (data and markers). */
  extent: [number, number];
}

/** Short labels for the runs of a comparison: the last path segment, made unique. */
export function runLabels(reports: readonly Report[]): string[] {
  const labels = reports.map((r) => r.root.split(/[\\/]/).filter(Boolean).pop() ?? r.root);
  return labels.map((label, i) =>
    labels.indexOf(label) !== i || labels.lastIndexOf(label) !== i ? `${label} (${i + 1})` : label,
  );
}

function checkpointStatus(ck: Report["checkpoints"]["items"][number]): TimelineItem["status"] {
  if (!ck.complete) return "incomplete";
  return ck.capabilities.resume ? "resumable" : "inference";
}

const STATUS_COLOR: Record<TimelineItem["status"], string> = {
  resumable: MARK.ok,
  inference: MARK.info,
  incomplete: MARK.bad,
};

/** Markers of one run: its checkpoints, its breaker trip and first bad step. */
function runMarkers(report: Report, prefix: string, color: string | null): MarkerSpec[] {
  const marks: MarkerSpec[] = [];
  for (const ck of report.checkpoints.items) {
    if (ck.step === null) continue;
    marks.push({
      step: ck.step,
      kind: ck.complete ? "checkpoint" : "checkpoint-incomplete",
      label: `${prefix}${ck.name}${ck.complete ? "" : " (incomplete)"}`,
      color: color ?? (ck.complete ? MARK.ok : MARK.bad),
    });
  }
  const trip = report.breaker.trip;
  if (trip) {
    if (typeof trip.firstBadStep === "number" && trip.firstBadStep !== trip.step)
      marks.push({
        step: trip.firstBadStep,
        kind: "first-bad",
        label: `${prefix}first bad ${trip.firstBadStep}`,
        color: color ?? MARK.warn,
      });
    marks.push({
      step: trip.step,
      kind: "trip",
      label: `${prefix}${trip.action} ${trip.step}`,
      color: color ?? MARK.bad,
    });
  }
  return marks;
}

/**
 * The page model of one run, or of several overlaid by step (a comparison: one colour per run, one chart
 * per metric group with every run's series in it, each run's checkpoints and trips in its colour).
 */
export function buildPageModel(reports: readonly Report[]): PageModel {
  const compare = reports.length > 1;
  const labels = runLabels(reports);
  const allSeries = reports.flatMap((r, run) => r.metrics.series.map((s) => ({ ...s, run })));
  // Group on the union of metric names (the magnitude from the first run that has the metric). A
  // comparison overlays runs, one metric per chart: several metrics of several runs would be a colour puzzle.
  const grouped = groupMetrics([...new Map(allSeries.map((s) => [s.name, s] as const)).values()]);
  const groups = compare
    ? grouped.flatMap((g) =>
        g.metrics.length === 1
          ? [g]
          : g.metrics.map((metric, i) => ({
              ...g,
              id: `${g.id}-m${i + 1}`,
              title: metric,
              metrics: [metric],
            })),
      )
    : grouped;
  const series: ChartSeries[] = [];
  const charts: ChartSpec[] = [];
  if (compare) {
    // Runs name their reward and loss differently (reward, grpo_actor/task_reward/avg, …): overlay each
    // run's detected metric first.
    for (const [id, title, pick] of [
      ["chart-compare-reward", "Reward (each run's reward metric)", (r: Report) => r.metrics.rewardMetric],
      [
        "chart-compare-loss",
        "Loss (each run's loss metric)",
        (r: Report) => detectLossMetric(r.metrics.series.map((s) => s.name)),
      ],
    ] as const) {
      const indexes: number[] = [];
      reports.forEach((report, run) => {
        const metric = pick(report);
        const found = metric ? report.metrics.series.find((s) => s.name === metric) : undefined;
        if (!metric || !found || found.points.length === 0) return;
        indexes.push(series.length);
        series.push({
          label: `${labels[run]}: ${metric}`,
          metric,
          run,
          color: PALETTE[run % PALETTE.length] as string,
          points: found.points,
        });
      });
      if (indexes.length > 1) charts.push({ id, group: "compare", title, series: indexes });
      else series.length -= indexes.length;
    }
  }
  charts.push(
    ...groups.map((group) => {
      const indexes: number[] = [];
      group.metrics.forEach((metric, m) => {
        reports.forEach((report, run) => {
          const found = report.metrics.series.find((s) => s.name === metric);
          if (!found || found.points.length === 0) return;
          indexes.push(series.length);
          series.push({
            label: compare ? `${labels[run]}: ${metric}` : metric,
            metric,
            run,
            color: PALETTE[(compare ? run : m) % PALETTE.length] as string,
            points: found.points,
          });
        });
      });
      return { id: `chart-${group.id}`, group: group.group, title: group.title, series: indexes };
    }),
  );
  const markers = reports.flatMap((r, run) =>
    runMarkers(
      r,
      compare ? `${labels[run]}: ` : "",
      compare ? (PALETTE[run % PALETTE.length] as string) : null,
    ),
  );
  const timeline: TimelineItem[] = reports.flatMap((r, run) =>
    r.checkpoints.items
      .filter((ck) => ck.step !== null)
      .map((ck) => {
        const status = checkpointStatus(ck);
        return {
          step: ck.step as number,
          // The dot's label is the last path segment; the tooltip names the whole checkpoint.
          name: `${compare ? `${labels[run]}: ` : ""}${ck.name.split("/").pop() ?? ck.name}`,
          status,
          color: STATUS_COLOR[status],
          detail: `${ck.name}, ${ck.role}, ${status === "resumable" ? "resumable" : status === "inference" ? "inference only" : "incomplete"}`,
        };
      }),
  );
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    const first = s.points[0];
    const last = s.points[s.points.length - 1];
    if (first) lo = Math.min(lo, first[0]);
    if (last) hi = Math.max(hi, last[0]);
  }
  for (const m of markers) {
    lo = Math.min(lo, m.step);
    hi = Math.max(hi, m.step);
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  return {
    runs: reports.map((r, i) => ({ label: labels[i] as string, root: r.root })),
    series,
    charts,
    markers,
    timeline,
    extent: [lo, hi],
  };
}
