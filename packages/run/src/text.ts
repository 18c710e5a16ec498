import pc from "picocolors";
import { formatBytes, formatNumber, formatPercent, sparkline, table } from "./format.js";
import { relativizePaths } from "./paths.js";
import type { Report } from "./schema.js";
import { fitToWidth } from "./width.js";

/** Options of {@link renderReportText}. */
export interface TextOptions {
  /** ANSI colour on or off (the CLI turns it off for `NO_COLOR` and non-TTY output). */
  color: boolean;
  /** Most metrics shown in the metrics table (the reward first). Default 24. */
  maxMetrics?: number;
  /** HTML report path to mention at the end. */
  htmlPath?: string;
  /** Columns to fit (see `terminalWidth` in `width.ts`); no limit when absent. */
  width?: number;
}

const KEY_METRICS = [
  /reward/i,
  /loss/i,
  /(^|\/)kl$/i,
  /(^|\/)entropy$/i,
  /grad_norm/i,
  /^arc\//,
  /^completions\//,
  /^clip_ratio\//,
  /length/i,
  /accuracy/i,
  /(^|\/)(lr|learning_rate)$/i,
];

function pickMetrics(report: Report, max: number): Report["metrics"]["series"] {
  const chosen: Report["metrics"]["series"] = [];
  const reward = report.metrics.series.find((s) => s.name === report.metrics.rewardMetric);
  if (reward) chosen.push(reward);
  for (const pattern of KEY_METRICS)
    for (const series of report.metrics.series)
      if (chosen.length < max && pattern.test(series.name) && !chosen.includes(series)) chosen.push(series);
  return chosen;
}

/** One line naming the metric sources; per-stage `metrics.json` files are counted, not listed. */
function describeSources(sources: Report["metrics"]["sources"]): string {
  const stages = sources.filter((s) => s.kind === "stage_metrics");
  const parts = sources
    .filter((s) => s.kind !== "stage_metrics")
    .map((s) => `${s.path} (${s.records} ${s.kind === "response_logs" ? "steps" : "records"})`);
  if (stages.length > 0) parts.push(`${stages.length} stage metrics.json file(s)`);
  return parts.join(", ");
}

type Colors = ReturnType<typeof pc.createColors>;

/** The checkpoint table, with the ignored folders. */
function checkpointLines(report: Report, c: Colors): string[] {
  const out: string[] = [];
  if (report.checkpoints.items.length === 0) out.push(c.dim("  none found"));
  else {
    const rows = report.checkpoints.items.map((ck) => {
      const marks = [
        ck.name === report.checkpoints.latestResumable ? c.green("latest-resumable") : "",
        ck.role === "best" || ck.best === true ? c.cyan("best") : "",
      ]
        .filter(Boolean)
        .join(" ");
      const firstProblem =
        ck.problems.find((p) => (p as { severity?: string }).severity !== "warning") ?? ck.problems[0];
      return [
        ck.name,
        ck.step === null ? "—" : String(ck.step),
        ck.role,
        ck.complete ? c.green("yes") : c.red("NO"),
        ck.capabilities.resume ? "yes" : c.dim("no"),
        ck.capabilities.inference ? "yes" : c.dim("no"),
        formatBytes(ck.bytes),
        [
          marks,
          firstProblem
            ? c.yellow(`${firstProblem.code}: ${relativizePaths(firstProblem.message, report.root)}`)
            : "",
        ]
          .filter(Boolean)
          .join(" "),
      ];
    });
    for (const line of table(
      ["NAME", "STEP", "ROLE", "COMPLETE", "RESUME", "INFER", "SIZE", "NOTES"],
      rows,
      [1, 6],
    ))
      out.push(`  ${line}`);
    if (report.checkpoints.ignored.length > 0)
      out.push(
        c.dim(`  ignored: ${report.checkpoints.ignored.map((i) => `${i.path} (${i.reason})`).join(", ")}`),
      );
  }
  return out;
}

/** The metrics table with sparklines and the sources' first problems. */
function metricLines(report: Report, c: Colors, maxMetrics: number): string[] {
  const out: string[] = [];
  if (report.metrics.series.length === 0) out.push(c.dim("  none found"));
  else {
    out.push(c.dim(`  from ${describeSources(report.metrics.sources)}`));
    const rows = pickMetrics(report, maxMetrics).map((series) => {
      const values = series.points.map((p) => p[1]);
      const finite = values.filter((v): v is number => v !== null);
      const last = series.points[series.points.length - 1];
      return [
        series.name === report.metrics.rewardMetric ? c.bold(series.name) : series.name,
        formatNumber(finite.length ? Math.min(...finite) : undefined),
        formatNumber(finite.length ? Math.max(...finite) : undefined),
        last ? formatNumber(last[1]) : "—",
        sparkline(values, 32),
      ];
    });
    for (const line of table(["METRIC", "MIN", "MAX", "LAST", "TREND"], rows, [1, 2, 3]))
      out.push(`  ${line}`);
    for (const source of report.metrics.sources)
      for (const problem of source.problems.slice(0, 3))
        out.push(c.yellow(`  ${source.path}: ${relativizePaths(problem, report.root)}`));
  }
  return out;
}

/** The breaker: its rules, recent saves and the trip. */
function breakerLines(report: Report, c: Colors): string[] {
  const out: string[] = [];
  const breaker = report.breaker;
  if (breaker.status === "not-run") out.push(c.dim("  not run"));
  else {
    out.push(c.dim(`  config ${breaker.config}: ${breaker.rules.join(", ") || "no rules"}`));
    for (const decision of breaker.decisions.filter((d) => d.action === "save").slice(-3))
      out.push(`  ${c.cyan("save")} at step ${decision.step}: ${decision.reason}`);
    if (breaker.trip) {
      const first =
        typeof breaker.trip.firstBadStep === "number" ? ` (first bad step ${breaker.trip.firstBadStep})` : "";
      out.push(
        `  ${c.red(c.bold(breaker.trip.action.toUpperCase()))} rule ${breaker.trip.rule ?? "?"} at step ${breaker.trip.step}${first}`,
        `  ${breaker.trip.reason}`,
      );
    } else out.push(`  ${c.green("ok")}: no rule tripped`);
  }
  return out;
}

/** ARC accuracy per bucket of steps. */
function arcLines(report: Report, c: Colors): string[] {
  const out: string[] = [];
  const arc = report.arc;
  if (!arc) return out;
  out.push(
    `  ${arc.totals.steps} steps, ${arc.totals.candidates} candidates, grid found in ${formatPercent(arc.totals.candidates ? arc.totals.withGrid / arc.totals.candidates : 0)}, ` +
      `perfect on ${arc.totals.perfectSteps} step(s) / ${arc.totals.perfectProblems.length} problem(s)` +
      (arc.totals.perfectProblems.length ? ` (${arc.totals.perfectProblems.join(", ")})` : ""),
  );
  const bucket = Math.max(1, Math.ceil(arc.steps.length / 8));
  const rows: string[][] = [];
  for (let i = 0; i < arc.steps.length; i += bucket) {
    const slice = arc.steps.slice(i, i + bucket);
    const mean = (f: (s: (typeof slice)[number]) => number) =>
      slice.reduce((a, s) => a + f(s), 0) / slice.length;
    rows.push([
      `${slice[0]?.step}–${slice[slice.length - 1]?.step}`,
      formatNumber(mean((s) => s.bestPixelAccuracy)),
      formatNumber(mean((s) => s.meanPixelAccuracy)),
      formatPercent(mean((s) => (s.candidates ? s.withGrid / s.candidates : 0))),
      String(slice.reduce((a, s) => a + s.perfect, 0)),
    ]);
  }
  for (const line of table(
    ["STEPS", "BEST PIXEL ACC", "MEAN PIXEL ACC", "GRID", "PERFECT"],
    rows,
    [1, 2, 3, 4],
  ))
    out.push(`  ${line}`);
  out.push(
    `  ${c.dim("best pixel accuracy")} ${sparkline(
      arc.steps.map((s) => s.bestPixelAccuracy),
      48,
    )}`,
  );
  if (arc.totals.loggedDisagreements > 0)
    out.push(
      c.yellow(
        `  ${arc.totals.loggedDisagreements} step(s) where the logged best_accuracy differs from the re-scored one`,
      ),
    );
  return out;
}

/** Disk use and what the retention plan would prune. */
function diskLines(report: Report, c: Colors): string[] {
  const out: string[] = [];
  out.push(
    `  total ${formatBytes(report.disk.totalBytes)} in ${report.disk.files} files, checkpoints ${formatBytes(report.disk.checkpointBytes)}` +
      (report.disk.reclaimableBytes > 0
        ? `, ${c.yellow(formatBytes(report.disk.reclaimableBytes))} reclaimable`
        : ""),
  );
  if (report.retention && report.retention.delete.length > 0)
    for (const entry of report.retention.delete)
      out.push(`  ${c.yellow("prune")} ${entry.name} (${formatBytes(entry.bytes)}): ${entry.reason}`);
  return out;
}

/** The report's notes. */
function noteLines(report: Report, c: Colors): string[] {
  const out: string[] = [];
  for (const n of report.notes)
    out.push(`  ${n.level === "warn" ? c.yellow("warn") : c.dim("info")} ${n.message}`);
  return out;
}

/** The next action with its command or resume steps. */
function nextActionLines(report: Report, c: Colors): string[] {
  const out: string[] = [];
  const next = report.nextAction;
  const colour =
    next.kind === "resume" || next.kind === "investigate"
      ? c.red
      : next.kind === "prune"
        ? c.yellow
        : c.green;
  out.push(`  ${colour(c.bold(next.title))}`, `  ${next.reason}`);
  if (next.steps.length > 0) {
    // the one resume story of @rlops/recovery, the same steps `rlops recover plan|setup` print
    if (next.resumeFrom) out.push(`  resume from: ${next.resumeFrom}`);
    next.steps.forEach((step, i) => {
      out.push(`  ${i + 1}. ${step.title}`, `     ${c.bold("$")} ${step.command}`);
      if (step.code !== undefined) for (const line of step.code.split("\n")) out.push(`     >>> ${line}`);
    });
  } else if (next.command) out.push(`  ${c.bold("$")} ${next.command}`);
  if (next.apply) out.push(`  ${c.dim(next.apply)}`);
  return out;
}

/**
 * Renders a report as the compact terminal summary of `rlops report`: header, checkpoint table, metrics
 * with sparklines, breaker status, ARC accuracy, disk use, notes, and the next action with its command.
 */
export function renderReportText(report: Report, options: TextOptions): string {
  const c = pc.createColors(options.color);
  const steps =
    report.metrics.firstStep === null
      ? "no metrics"
      : `steps ${report.metrics.firstStep}–${report.metrics.lastStep}`;
  const out: string[] = [
    `${c.bold("rlops report")} ${report.root}`,
    c.dim(
      `layout ${report.layout ?? "unknown"} · ${report.checkpoints.count} checkpoint(s) · ${steps} · ${formatBytes(report.disk.totalBytes)} on disk`,
    ),
  ];
  const sections: [string, string[]][] = [
    ["Checkpoints", checkpointLines(report, c)],
    ["Metrics", metricLines(report, c, options.maxMetrics ?? 24)],
    ["Breaker", breakerLines(report, c)],
    ["ARC accuracy", arcLines(report, c)],
    ["Disk", diskLines(report, c)],
    ["Notes", noteLines(report, c)],
    ["Next action", nextActionLines(report, c)],
  ];
  // sections without lines (no ARC logs, no notes) are left out
  for (const [title, lines] of sections) if (lines.length > 0) out.push("", c.bold(title), ...lines);
  if (options.htmlPath) out.push("", `HTML report: ${options.htmlPath}`);
  const text = out.join("\n");
  return `${options.width === undefined ? text : fitToWidth(text, options.width)}\n`;
}
