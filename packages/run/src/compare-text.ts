import pc from "picocolors";
import { formatNumber, table } from "./format.js";
import { AXIS_NAMES, groupMetrics } from "./html/groups.js";
import { runLabels } from "./html/model.js";
import { breakerVerdict } from "./html/sections.js";
import type { Report } from "./schema.js";
import { fitToWidth } from "./width.js";

const BLOCKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/**
 * Sparklines of several runs on ONE step axis and ONE value scale, so the cells line up by step: cell i
 * covers steps [lo + i·(hi−lo)/width, …) and shows the bucket mean; ` ` where a run has no data, `·`
 * where its values are non-finite.
 */
function alignedSparklines(runs: readonly (readonly [number, number | null][])[], width: number): string[] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const points of runs)
    if (points.length > 0) {
      lo = Math.min(lo, (points[0] as [number, number | null])[0]);
      hi = Math.max(hi, (points[points.length - 1] as [number, number | null])[0]);
    }
  if (!Number.isFinite(lo)) return runs.map(() => "");
  const span = hi - lo || 1;
  const cells = runs.map((points) => {
    const sum = new Float64Array(width);
    const n = new Uint32Array(width);
    const seen = new Uint8Array(width);
    for (const [step, v] of points) {
      const i = Math.min(width - 1, Math.floor(((step - lo) / span) * width));
      seen[i] = 1;
      if (v !== null) {
        sum[i] = (sum[i] as number) + v;
        n[i] = (n[i] as number) + 1;
      }
    }
    return Array.from(sum, (s, i) =>
      (n[i] as number) > 0 ? s / (n[i] as number) : seen[i] ? Number.NaN : null,
    );
  });
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const row of cells)
    for (const v of row)
      if (v !== null && Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
  return cells.map((row) =>
    row
      .map((v) => {
        if (v === null) return " ";
        if (!Number.isFinite(v)) return "·";
        if (max === min) return BLOCKS[3];
        return BLOCKS[Math.min(7, Math.floor(((v - min) / (max - min)) * 7.999))];
      })
      .join(""),
  );
}

/** Options of {@link renderComparisonText}. */
export interface ComparisonTextOptions {
  color: boolean;
  /** Columns to fit; no limit when absent. */
  width?: number;
  /** Most metrics overlaid (in chart-group order). Default 12. */
  maxMetrics?: number;
}

/**
 * The terminal comparison of several runs: one row per run (layout, steps, best checkpoint, breaker
 * verdict, next action), then each metric with one step-aligned sparkline and last value per run.
 */
export function renderComparisonText(reports: readonly Report[], options: ComparisonTextOptions): string {
  const c = pc.createColors(options.color);
  const labels = runLabels(reports);
  const out: string[] = [c.bold(`rlops report: ${reports.length} runs compared`)];
  for (const [i, r] of reports.entries()) out.push(c.dim(`  ${labels[i]} = ${r.root}`));
  out.push("", c.bold("Runs"));
  const rows = reports.map((r, i) => {
    const v = breakerVerdict(r);
    return [
      labels[i] as string,
      r.layout ?? "unknown",
      r.metrics.firstStep === null ? "—" : `${r.metrics.firstStep}–${r.metrics.lastStep}`,
      r.checkpoints.best ?? "—",
      v.cls === "bad" ? c.red(v.text) : v.cls === "ok" ? c.green(v.text) : v.text,
      r.nextAction.title,
    ];
  });
  for (const line of table(["RUN", "LAYOUT", "STEPS", "BEST", "BREAKER", "NEXT ACTION"], rows))
    out.push(`  ${line}`);
  reports.forEach((r, i) => {
    if (r.nextAction.command) out.push(`  ${labels[i]}: ${c.bold("$")} ${r.nextAction.command}`);
  });
  const union = [
    ...new Map(reports.flatMap((r) => r.metrics.series).map((s) => [s.name, s] as const)).values(),
  ].filter((s) => !AXIS_NAMES.has(s.name));
  const metrics = groupMetrics(union)
    .flatMap((g) => g.metrics)
    .slice(0, options.maxMetrics ?? 12);
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const spark = Math.max(12, Math.min(48, (options.width ?? 100) - labelWidth - 20));
  out.push(
    "",
    c.bold(
      `Metrics, aligned by step (${spark} cells over the union of the runs' steps, one scale per metric)`,
    ),
  );
  for (const name of metrics) {
    const per = reports.map((r) => r.metrics.series.find((s) => s.name === name)?.points ?? []);
    const lines = alignedSparklines(per, spark);
    out.push(`  ${c.bold(name)}`);
    per.forEach((points, i) => {
      const last = points[points.length - 1];
      out.push(
        `    ${(labels[i] as string).padEnd(labelWidth)}  ${lines[i]}  ${last ? formatNumber(last[1]) : c.dim("absent")}`,
      );
    });
  }
  const text = out.join("\n");
  return `${options.width === undefined ? text : fitToWidth(text, options.width)}\n`;
}
