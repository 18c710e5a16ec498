import { formatBytes } from "./format.js";
import { CLIENT_SOURCE } from "./html/client.js";
import { CHART_KIT_SOURCE } from "./html/kit.js";
import { buildPageModel, MARK, PALETTE, type PageModel } from "./html/model.js";
import { encodePayload } from "./html/payload.js";
import {
  arcSection,
  breakerSection,
  checkpointTable,
  comparisonTable,
  diskSection,
  esc,
  samplesSection,
} from "./html/sections.js";
import { REPORT_CSS } from "./html/styles.js";
import { staticLineChart, staticTimeline } from "./html/svg.js";
import type { Report } from "./schema.js";

/** Options of {@link renderReportHtml} and {@link renderComparisonHtml}. */
export interface HtmlOptions {
  /**
   * Compresses the chart data (zlib format, e.g. Node's `zlib.deflateSync`); the page inflates it with
   * the browser's `DecompressionStream`. Without it the data is stored uncompressed (larger file).
   */
  deflate?: (bytes: Uint8Array) => Uint8Array;
}

/** JSON safe inside a `<script>` element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

function legend(model: PageModel, indexes: readonly number[]): string {
  return indexes
    .map((i) => {
      const s = model.series[i];
      if (!s) return "";
      return `<button type="button" data-series="${i}" aria-pressed="true" title="show or hide ${esc(s.label)}"><span class="sw" style="background:${s.color}"></span>${esc(s.label)}</button>`;
    })
    .join("");
}

function chartFigures(model: PageModel): string {
  const figures = model.charts.map((chart, i) => {
    const series = chart.series.map((k) => model.series[k]).filter((s) => s !== undefined);
    return (
      `<figure class="chart" id="${esc(chart.id)}" data-chart="${i}" data-group="${esc(chart.group)}">` +
      `<figcaption><span class="title">${esc(chart.title)}</span><label class="js-only"><input type="checkbox" class="log"> log scale</label></figcaption>` +
      `<div class="legend">${legend(model, chart.series)}</div>` +
      `<div class="plot"><div class="static">${staticLineChart(series, model.markers, model.extent)}</div></div></figure>`
    );
  });
  if (model.timeline.length > 0)
    figures.push(
      `<figure class="chart wide" id="chart-timeline" data-chart="${model.charts.length}" data-kind="timeline">` +
        `<figcaption><span class="title">Checkpoint timeline</span></figcaption>` +
        `<p class="legend-static"><span><span class="sw" style="background:${MARK.ok}"></span>resumable</span>` +
        `<span><span class="sw" style="background:${MARK.info}"></span>inference only</span>` +
        `<span><span class="sw" style="background:${MARK.bad}"></span>incomplete</span></p>` +
        `<div class="plot"><div class="static">${staticTimeline(model.timeline, model.markers, model.extent)}</div></div></figure>`,
    );
  return `<div class="charts">${figures.join("\n")}</div>`;
}

function toolbar(model: PageModel): string {
  const kinds = new Set(model.markers.map((m) => m.kind));
  const key = (kind: string, style: string, color: string, label: string) =>
    kinds.has(kind as PageModel["markers"][number]["kind"])
      ? `<span class="key"><i style="border-top:2px ${style} ${color}"></i>${label}</span>`
      : "";
  return (
    '<div class="toolbar js-only" id="toolbar">' +
    '<label>smoothing <input type="range" id="smoothing" min="0" max="0.99" step="0.01" value="0"> <output id="smoothing-value">0.00</output></label>' +
    '<button type="button" id="reset-zoom">reset zoom</button><span id="range" class="muted"></span>' +
    `<span class="keys">${key("checkpoint", "dotted", MARK.ok, "checkpoint")}${key("checkpoint-incomplete", "dotted", MARK.bad, "incomplete checkpoint")}` +
    `${key("first-bad", "dashed", MARK.warn, "first bad step")}${key("trip", "solid", MARK.bad, "breaker trip")}` +
    "<span>drag to zoom · double-click to reset · click a legend entry to hide it</span></span></div>"
  );
}

function dataScripts(model: PageModel, options: HtmlOptions): string {
  const { index, blob } = encodePayload(model.series, options.deflate);
  const meta = {
    index,
    series: model.series.map((s) => ({ label: s.label, color: s.color })),
    charts: [...model.charts.map((c) => ({ series: c.series })), { series: [] }],
    markers: model.markers,
    timeline: model.timeline,
    extent: model.extent,
  };
  return (
    `<script type="application/json" id="rlops-index">${scriptJson(meta)}</script>\n` +
    `<script type="application/octet-stream" id="rlops-blob">${blob}</script>\n` +
    // `__name`: the helper esbuild's keepNames (tsx, vitest) wraps functions in; a no-op here.
    `<script>"use strict";var __name=(f)=>f;${CLIENT_SOURCE}(${CHART_KIT_SOURCE});</script>`
  );
}

interface PageParts {
  title: string;
  head: string;
  /** Before the charts. */
  body: string;
  /** After the charts. */
  tail: string;
  /** The small machine-readable summary in `#rlops-report`. */
  machine: unknown;
}

function page(parts: PageParts, model: PageModel, options: HtmlOptions): string {
  const { title, head, body, tail, machine } = parts;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
${head}
<title>${esc(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${body}
<h2>Charts</h2>
${model.series.length > 0 ? toolbar(model) : "<p>No metrics found.</p>"}
${chartFigures(model)}
${tail}
<script type="application/json" id="rlops-report">${scriptJson(machine)}</script>
${dataScripts(model, options)}
</body>
</html>
`;
}

function generatedLine(reports: readonly Report[]): string {
  const first = reports[0];
  const at = first?.generatedAt ?? new Date().toISOString();
  return `generated ${esc(at.replace("T", " ").replace(/\.\d+Z$/, "Z"))} by rlops ${esc(first?.tool.version ?? "?")}`;
}

/**
 * Renders a report as one self-contained HTML file (no network; works from `file://`): interactive canvas
 * charts of every metric, grouped (reward, loss, KL, entropy, grad norm, learning rate, completions, clip
 * ratio, ARC, custom), each with the checkpoints, the breaker trip and the first bad step marked; hover
 * shows exact values, drag zooms every chart to a step range, legend entries toggle series, a slider sets
 * EMA smoothing, a checkbox a log scale. A static SVG of every chart is the no-JS fallback (e-mail, PDF).
 * Then the checkpoint timeline, the checkpoint table (problems with root-relative paths), ARC accuracy,
 * sample completions with their harmony channels, disk use with a legend, and the next action.
 */
export function renderReportHtml(report: Report, options: HtmlOptions = {}): string {
  const model = buildPageModel([report]);
  const next = report.nextAction;
  const notes = report.notes.map((n) => `<li class="${n.level}">${esc(n.message)}</li>`).join("");
  const steps =
    report.metrics.firstStep === null
      ? "no metrics"
      : `steps ${report.metrics.firstStep}–${report.metrics.lastStep}`;
  const head = `<meta name="generator" content="rlops ${esc(report.tool.version)}">`;
  const body = `<h1>rlops report</h1>
<p class="meta"><code>${esc(report.root)}</code> · layout ${esc(report.layout ?? "unknown")} · ${report.checkpoints.count} checkpoint(s) · ${steps} · ${formatBytes(report.disk.totalBytes)} on disk</p>
<p class="meta" id="generated">${generatedLine([report])}</p>
<section class="next" id="next-action"><h2>Next action: ${esc(next.title)}</h2><p>${esc(next.reason)}</p>
${next.command ? `<pre>$ ${esc(next.command)}</pre>` : ""}${next.resume ? `<p class="muted">trainer resume (${esc(next.resume.trainer)}):</p><pre>${esc(next.resume.command)}</pre>` : ""}</section>
<h2>Breaker</h2>${breakerSection(report)}`;
  const tail = `<h2>Checkpoints</h2>${checkpointTable(report)}
${report.arc ? `<h2>ARC accuracy</h2>${arcSection(report)}` : ""}
${samplesSection(report)}
<h2>Disk</h2>${diskSection(report)}
${notes ? `<h2>Notes</h2><ul>${notes}</ul>` : ""}
<footer>${generatedLine([report])} · charts: hand-written canvas, data inlined (float32 values, steps exact)</footer>`;
  const machine = {
    schemaVersion: report.schemaVersion,
    root: report.root,
    generatedAt: report.generatedAt ?? null,
    rlopsVersion: report.tool.version,
    nextAction: report.nextAction,
  };
  return page({ title: `rlops report — ${report.root}`, head, body, tail, machine }, model, options);
}

/**
 * Renders several runs as one comparison page: a table of each run's layout, steps, best checkpoint,
 * breaker verdict and next action, then every metric overlaid by step (one colour per run, each run's
 * checkpoints and trips in its colour), with the same interactions as {@link renderReportHtml}.
 */
export function renderComparisonHtml(reports: readonly Report[], options: HtmlOptions = {}): string {
  const model = buildPageModel(reports);
  const colors = reports.map((_, i) => PALETTE[i % PALETTE.length] as string);
  const body = `<h1>rlops report: ${reports.length} runs compared</h1>
<p class="meta" id="generated">${generatedLine(reports)}</p>
${comparisonTable(
  reports,
  model.runs.map((r) => r.label),
  colors,
)}
<p class="muted">${model.runs.map((r) => `${esc(r.label)} = <code>${esc(r.root)}</code>`).join(" · ")}</p>`;
  const machine = {
    schemaVersion: 1,
    runs: reports.map((r) => ({ root: r.root, nextAction: r.nextAction })),
    generatedAt: reports[0]?.generatedAt ?? null,
    rlopsVersion: reports[0]?.tool.version ?? null,
  };
  const tail = `<footer>${generatedLine(reports)}</footer>`;
  return page(
    { title: `rlops report — ${reports.length} runs`, head: "", body, tail, machine },
    model,
    options,
  );
}
