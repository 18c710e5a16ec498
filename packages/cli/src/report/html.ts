import { BarChart, LineChart, ScatterChart } from "echarts/charts";
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  MarkPointComponent,
  TitleComponent,
  TooltipComponent,
} from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { formatBytes, formatNumber, formatPercent } from "./format.js";
import { downsample, headlineMetric } from "./metrics.js";
import type { Report } from "./schema.js";

echarts.use([
  LineChart,
  ScatterChart,
  BarChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  MarkPointComponent,
  TitleComponent,
  TooltipComponent,
  DataZoomComponent,
  SVGRenderer,
]);

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const COLORS = { ok: "#2e7d32", bad: "#c62828", warn: "#ef6c00", muted: "#757575", accent: "#1565c0" };

/** Server-side renders one ECharts option to an SVG string (no DOM, no animation). */
/** The x axis every per-step chart shares. */
const STEP_AXIS = {
  type: "value",
  name: "step",
  nameLocation: "middle",
  nameGap: 24,
  min: "dataMin",
  max: "dataMax",
} as const;

function renderSvg(option: Record<string, unknown>, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: "system-ui, sans-serif" }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function stepMarkers(
  report: Report,
): { xAxis: number; name: string; lineStyle: Record<string, unknown>; label: Record<string, unknown> }[] {
  const marks: {
    xAxis: number;
    name: string;
    lineStyle: Record<string, unknown>;
    label: Record<string, unknown>;
  }[] = [];
  for (const ck of report.checkpoints.items) {
    if (ck.step === null) continue;
    marks.push({
      xAxis: ck.step,
      name: ck.name,
      lineStyle: { color: ck.complete ? COLORS.ok : COLORS.bad, type: "dotted", width: 1 },
      label: {
        formatter: ck.complete ? ck.name : `${ck.name} (incomplete)`,
        color: ck.complete ? COLORS.ok : COLORS.bad,
        fontSize: 9,
      },
    });
  }
  const trip = report.breaker.trip;
  if (trip) {
    if (typeof trip.firstBadStep === "number" && trip.firstBadStep !== trip.step)
      marks.push({
        xAxis: trip.firstBadStep,
        name: "first bad step",
        lineStyle: { color: COLORS.warn, type: "dashed", width: 2 },
        label: {
          formatter: `first bad step ${trip.firstBadStep}`,
          color: COLORS.warn,
          position: "insideStartTop",
        },
      });
    marks.push({
      xAxis: trip.step,
      name: `${trip.action} (${trip.rule ?? "?"})`,
      lineStyle: { color: COLORS.bad, type: "solid", width: 2 },
      label: { formatter: `${trip.action} @ ${trip.step}`, color: COLORS.bad, position: "insideStartBottom" },
    });
  }
  return marks;
}

function metricChart(report: Report, names: string[], title: string, height = 320): string | null {
  const series = names
    .map((name) => report.metrics.series.find((s) => s.name === name))
    .filter((s): s is Report["metrics"]["series"][number] => s !== undefined && s.points.length > 0);
  if (series.length === 0) return null;
  const marks = stepMarkers(report);
  const keep = new Set(marks.map((m) => m.xAxis));
  return renderSvg(
    {
      title: { text: title, left: 8, textStyle: { fontSize: 14 } },
      legend: { top: 4, right: 8 },
      grid: { left: 56, right: 24, top: 40, bottom: 40 },
      xAxis: { ...STEP_AXIS },
      yAxis: { type: "value", scale: true },
      series: series.map((s, i) => ({
        type: "line",
        name: s.name,
        showSymbol: false,
        connectNulls: false,
        data: downsample(s.points, 1500, keep),
        ...(i === 0 ? { markLine: { symbol: "none", silent: true, data: marks } } : {}),
      })),
    },
    960,
    height,
  );
}

function timelineChart(report: Report): string | null {
  const items = report.checkpoints.items;
  if (items.length === 0) return null;
  const withStep = items.filter((c) => c.step !== null);
  const lastStep = Math.max(report.metrics.lastStep ?? 0, ...withStep.map((c) => c.step as number));
  const data = items.map((ck, i) => ({
    name: ck.name,
    value: [ck.step ?? lastStep, i % 2 === 0 ? 1 : 2],
    itemStyle: { color: ck.complete ? (ck.capabilities.resume ? COLORS.ok : COLORS.accent) : COLORS.bad },
    symbol: ck.complete ? "circle" : "triangle",
    symbolSize: 14,
    label: {
      show: true,
      position: "top",
      formatter: ck.step === null ? `${ck.name} (no step)` : ck.name,
      fontSize: 10,
    },
  }));
  return renderSvg(
    {
      title: {
        text: "Checkpoint timeline (green: resumable, blue: inference only, red: incomplete)",
        left: 8,
        textStyle: { fontSize: 14 },
      },
      grid: { left: 40, right: 40, top: 48, bottom: 40 },
      xAxis: {
        type: "value",
        name: "step",
        nameLocation: "middle",
        nameGap: 24,
        min: 0,
        max: Math.max(1, lastStep),
      },
      yAxis: { type: "value", show: false, min: 0, max: 3 },
      series: [
        {
          type: "scatter",
          name: "checkpoints",
          data,
          markLine: {
            symbol: "none",
            silent: true,
            data: stepMarkers(report).filter((m) => !report.checkpoints.items.some((c) => c.name === m.name)),
          },
        },
      ],
    },
    960,
    200,
  );
}

function arcChart(report: Report): string | null {
  const arc = report.arc;
  if (!arc || arc.steps.length === 0) return null;
  return renderSvg(
    {
      title: {
        text: "ARC accuracy per step (re-scored from the response logs)",
        left: 8,
        textStyle: { fontSize: 14 },
      },
      legend: { top: 26, right: 8 },
      grid: { left: 56, right: 56, top: 64, bottom: 40 },
      xAxis: { ...STEP_AXIS },
      yAxis: [
        { type: "value", min: 0, max: 1, name: "pixel accuracy" },
        { type: "value", min: 0, name: "perfect", minInterval: 1 },
      ],
      series: [
        {
          type: "line",
          name: "best pixel accuracy",
          showSymbol: false,
          data: arc.steps.map((s) => [s.step, s.bestPixelAccuracy]),
        },
        {
          type: "line",
          name: "mean pixel accuracy",
          showSymbol: false,
          data: arc.steps.map((s) => [s.step, s.meanPixelAccuracy]),
        },
        {
          type: "bar",
          name: "perfect candidates",
          yAxisIndex: 1,
          data: arc.steps.map((s) => [s.step, s.perfect]),
          itemStyle: { color: COLORS.ok },
          markLine: { symbol: "none", silent: true, data: stepMarkers(report) },
        },
      ],
    },
    960,
    300,
  );
}

function diskChart(report: Report): string | null {
  const items = report.checkpoints.items.filter((c) => (c.bytes ?? 0) > 0);
  if (items.length === 0) return null;
  const pruned = new Set(report.retention?.delete.map((d) => d.name) ?? []);
  return renderSvg(
    {
      title: {
        text: `Disk use by checkpoint (total on disk ${formatBytes(report.disk.totalBytes)})`,
        left: 8,
        textStyle: { fontSize: 14 },
      },
      grid: { left: 140, right: 80, top: 40, bottom: 24 },
      xAxis: { type: "value", name: "bytes" },
      yAxis: { type: "category", data: items.map((c) => c.name), inverse: true },
      series: [
        {
          type: "bar",
          name: "bytes",
          data: items.map((c) => ({
            value: c.bytes,
            itemStyle: { color: pruned.has(c.name) ? COLORS.warn : c.complete ? COLORS.accent : COLORS.bad },
          })),
          label: { show: true, position: "right", formatter: (p: { value: number }) => formatBytes(p.value) },
        },
      ],
    },
    960,
    Math.max(140, 60 + items.length * 26),
  );
}

function figure(svg: string | null, id: string): string {
  return svg ? `<figure class="chart" id="${id}">${svg}</figure>` : "";
}

/**
 * Renders a report as one self-contained HTML file: charts are server-side SVG from Apache ECharts
 * (reward and metrics per step with breaker trips and checkpoints marked, the checkpoint timeline with
 * validity, ARC accuracy per step, disk use), plus the tables and the next action. No script, no
 * network access (a CSP forbids any).
 */
export function renderReportHtml(report: Report): string {
  const reward = report.metrics.rewardMetric;
  // The first chart shows the reward, else the loss, else a real metric (never `epoch`), titled by what it is.
  const headline = reward
    ? { name: reward, kind: "reward" as const }
    : headlineMetric(report.metrics.series.map((s) => s.name));
  const headlineTitle = headline
    ? `${headline.kind === "reward" ? "Reward" : headline.kind === "loss" ? "Loss" : headline.name} per step${headline.kind === "metric" ? "" : ` (${headline.name})`}`
    : "Metrics per step";
  const otherMetrics = report.metrics.series
    .map((s) => s.name)
    .filter(
      (n) => n !== headline?.name && !n.startsWith("arc/") && /loss|kl|grad_norm|length|entropy/i.test(n),
    )
    .slice(0, 4);
  const charts = [
    figure(metricChart(report, headline ? [headline.name] : [], headlineTitle), "chart-reward"),
    // One small chart per metric: their scales differ by orders of magnitude.
    ...otherMetrics.map((name, i) => figure(metricChart(report, [name], name, 220), `chart-metric-${i + 1}`)),
    figure(timelineChart(report), "chart-timeline"),
    figure(arcChart(report), "chart-arc"),
    figure(diskChart(report), "chart-disk"),
  ].join("\n");
  const rows = report.checkpoints.items
    .map(
      (ck) =>
        `<tr class="${ck.complete ? "ok" : "bad"}"><td>${escapeHtml(ck.name)}</td><td>${ck.step ?? "—"}</td><td>${ck.role}</td>` +
        `<td>${ck.complete ? "yes" : "NO"}</td><td>${ck.capabilities.resume ? "yes" : "no"}</td><td>${ck.capabilities.inference ? "yes" : "no"}</td>` +
        `<td>${formatBytes(ck.bytes)}</td><td>${escapeHtml(ck.problems.map((p) => `${p.code}: ${p.message}`).join("; "))}</td></tr>`,
    )
    .join("\n");
  const trip = report.breaker.trip;
  const breaker =
    report.breaker.status === "not-run"
      ? "<p>Breaker not run.</p>"
      : trip
        ? `<p class="bad"><strong>${escapeHtml(trip.action.toUpperCase())}</strong> — rule <code>${escapeHtml(trip.rule ?? "?")}</code> at step ${trip.step}` +
          `${typeof trip.firstBadStep === "number" ? ` (first bad step ${trip.firstBadStep})` : ""}: ${escapeHtml(trip.reason)}</p>`
        : `<p class="ok">No rule tripped (${escapeHtml(report.breaker.rules.join(", "))}).</p>`;
  const arc = report.arc
    ? `<p>${report.arc.totals.steps} steps, ${report.arc.totals.candidates} candidates, grid found in ${formatPercent(
        report.arc.totals.candidates ? report.arc.totals.withGrid / report.arc.totals.candidates : 0,
      )}, perfect on ${report.arc.totals.perfectSteps} step(s) across ${report.arc.totals.perfectProblems.length} problem(s); mean best pixel accuracy ${formatNumber(report.arc.totals.meanBestPixelAccuracy)}.</p>`
    : "";
  const next = report.nextAction;
  const notes = report.notes.map((n) => `<li class="${n.level}">${escapeHtml(n.message)}</li>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="rlops ${escapeHtml(report.tool.version)}">
<title>rlops report — ${escapeHtml(report.root)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1000px; color: #212121; padding: 0 12px; }
h1 { font-size: 20px; margin-bottom: 4px; } h2 { font-size: 16px; margin-top: 28px; border-bottom: 1px solid #e0e0e0; }
.meta { color: #616161; } code, pre { font: 12px ui-monospace, monospace; background: #f5f5f5; padding: 2px 4px; }
pre { padding: 8px; overflow-x: auto; } table { border-collapse: collapse; width: 100%; font-size: 13px; }
td, th { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; } tr.bad td { color: ${COLORS.bad}; }
.ok { color: ${COLORS.ok}; } .bad { color: ${COLORS.bad}; } .warn { color: ${COLORS.warn}; }
figure.chart { margin: 12px 0; } figure.chart svg { max-width: 100%; height: auto; }
.next { border: 2px solid ${COLORS.accent}; border-radius: 6px; padding: 8px 16px; }
</style>
</head>
<body>
<h1>rlops report</h1>
<p class="meta"><code>${escapeHtml(report.root)}</code> · layout ${escapeHtml(report.layout ?? "unknown")} · ${report.checkpoints.count} checkpoint(s) ·
${report.metrics.firstStep === null ? "no metrics" : `steps ${report.metrics.firstStep}–${report.metrics.lastStep}`} · ${formatBytes(report.disk.totalBytes)} on disk</p>
<section class="next" id="next-action"><h2>Next action: ${escapeHtml(next.title)}</h2><p>${escapeHtml(next.reason)}</p>
${
  next.steps.length > 0
    ? `<ol>${next.steps.map((step) => `<li>${escapeHtml(step.title)}<pre>$ ${escapeHtml(step.command)}</pre></li>`).join("")}</ol>`
    : next.command
      ? `<pre>$ ${escapeHtml(next.command)}</pre>`
      : ""
}${next.apply ? `<p>${escapeHtml(next.apply)}</p>` : ""}</section>
<h2>Breaker</h2>${breaker}
<h2>Charts</h2>
${charts}
<h2>Checkpoints</h2>
<table><thead><tr><th>name</th><th>step</th><th>role</th><th>complete</th><th>resume</th><th>inference</th><th>size</th><th>problems</th></tr></thead>
<tbody>${rows}</tbody></table>
${report.arc ? `<h2>ARC</h2>${arc}` : ""}
<h2>Disk</h2><p>${formatBytes(report.disk.totalBytes)} in ${report.disk.files} files; checkpoints ${formatBytes(report.disk.checkpointBytes)}; reclaimable ${formatBytes(report.disk.reclaimableBytes)}.</p>
${notes ? `<h2>Notes</h2><ul>${notes}</ul>` : ""}
<script type="application/json" id="rlops-report">${JSON.stringify({ schemaVersion: report.schemaVersion, root: report.root, nextAction: report.nextAction }).replace(/</g, "\\u003c")}</script>
</body>
</html>
`;
}
