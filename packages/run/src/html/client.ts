import * as clientDraw from "./client-draw.js";
import type { Chart, ClientDraw, Page, Series } from "./client-types.js";
import type { ChartKit } from "./kit.js";

/** The step nearest to pixel `px` among the chart's visible series (and timeline dots). */
function hoverAt(p: Page, c: Chart, px: number): number | null {
  const v = c.view;
  const step = v.x0 + ((px - v.left) / v.pw) * (v.x1 - v.x0);
  let best: number | null = null;
  const candidates: number[] = [];
  for (const i of c.series) {
    if (c.hidden.has(i)) continue;
    const s = p.series[i] as Series;
    if (s.steps.length) candidates.push(s.steps[p.kit.nearest(s.steps, step)] as number);
  }
  if (c.timeline) for (const d of p.dots) candidates.push(d.step);
  for (const cand of candidates)
    if (best === null || Math.abs(cand - step) < Math.abs(best - step)) best = cand;
  return best;
}

/** The hover tip: the exact value of every visible series at the hovered step, markers and dots there. */
function showTip(p: Page, c: Chart, px: number): void {
  const kit = p.kit;
  const step = p.state.hover;
  if (step === null) {
    c.tip.hidden = true;
    return;
  }
  const rows: string[] = [`<b>step ${kit.formatStep(step)}</b>`];
  for (const i of c.series) {
    if (c.hidden.has(i)) continue;
    const s = p.series[i] as Series;
    const j = kit.lowerBound(s.steps, step);
    if (s.steps[j] !== step) continue;
    const raw = kit.formatValue(s.values[j] as number);
    const smooth =
      p.state.smoothing > 0 ? ` <i>(smoothed ${kit.formatValue(p.draw.values(p, s)[j] as number)})</i>` : "";
    rows.push(
      `<span class="sw" style="background:${s.color}"></span>${kit.escapeHtml(s.label)} <b class="v" data-series="${i}">${raw}</b>${smooth}`,
    );
  }
  const v = c.view;
  const pxPerStep = v.pw / (v.x1 - v.x0);
  for (const m of p.marks)
    if (Math.abs(m.step - step) * pxPerStep < 4)
      rows.push(`<span style="color:${m.color}">${kit.escapeHtml(m.label)}</span>`);
  if (c.timeline) for (const d of p.dots) if (d.step === step) rows.push(kit.escapeHtml(d.detail));
  c.tip.innerHTML = rows.join("<br>");
  c.tip.hidden = false;
  const tipWidth = c.tip.offsetWidth;
  const onRight = px + 14 + tipWidth <= c.plot.clientWidth;
  c.tip.style.left = `${onRight ? px + 14 : Math.max(0, px - 14 - tipWidth)}px`;
  c.tip.style.top = `${v.top + 4}px`;
}

/** Redraws every chart and the step-range label. */
function redrawAll(p: Page): void {
  for (const c of p.charts) p.draw.chart(p, c);
  const [x0, x1] = p.state.range ?? p.extent;
  const label = document.getElementById("range");
  if (label)
    label.textContent = `steps ${p.kit.formatStep(x0)}–${p.kit.formatStep(x1)}${p.state.range ? " (zoomed)" : ""}`;
}

/** Hover, brush zoom (shared by every chart), double-click reset on a chart's overlay. */
function attachPointer(p: Page, c: Chart): void {
  let brushFrom: number | null = null;
  const pos = (e: PointerEvent | MouseEvent) => e.clientX - c.overlay.getBoundingClientRect().left;
  c.overlay.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    brushFrom = pos(e);
    c.overlay.setPointerCapture(e.pointerId);
  });
  c.overlay.addEventListener("pointermove", (e) => {
    const px = pos(e);
    p.state.hover = hoverAt(p, c, px);
    for (const other of p.charts)
      p.draw.overlay(p, other, other === c && brushFrom !== null ? [brushFrom, px] : null);
    showTip(p, c, px);
  });
  c.overlay.addEventListener("pointerup", (e) => {
    if (brushFrom === null) return;
    const px = pos(e);
    const from = brushFrom;
    brushFrom = null;
    if (Math.abs(px - from) < 5) return;
    const v = c.view;
    const toStep = (q: number) =>
      v.x0 + ((Math.min(v.left + v.pw, Math.max(v.left, q)) - v.left) / v.pw) * (v.x1 - v.x0);
    const a = toStep(Math.min(px, from));
    const b = toStep(Math.max(px, from));
    if (b > a) {
      p.state.range = [a, b];
      redrawAll(p);
    }
  });
  c.overlay.addEventListener("pointerleave", () => {
    p.state.hover = null;
    c.tip.hidden = true;
    for (const other of p.charts) p.draw.overlay(p, other, null);
  });
  c.overlay.addEventListener("dblclick", () => {
    p.state.range = null;
    redrawAll(p);
  });
}

/** Legend toggles and the log-scale switch of a chart. */
function attachControls(p: Page, c: Chart): void {
  for (const button of Array.from(c.figure.querySelectorAll<HTMLButtonElement>("button[data-series]"))) {
    button.addEventListener("click", () => {
      const i = Number(button.dataset.series);
      if (c.hidden.has(i)) c.hidden.delete(i);
      else c.hidden.add(i);
      button.setAttribute("aria-pressed", c.hidden.has(i) ? "false" : "true");
      p.draw.chart(p, c);
    });
  }
  const log = c.figure.querySelector<HTMLInputElement>("input.log");
  if (log) {
    const positive = c.series.some((i) => (p.series[i] as Series).values.some((v) => v > 0));
    log.disabled = !positive;
    log.addEventListener("change", () => {
      c.log = log.checked;
      p.draw.chart(p, c);
    });
  }
}

/** Decodes every series of the payload (inflated, byte-unshuffled steps and values). */
async function loadSeries(p: Page): Promise<void> {
  const blob = document.getElementById("rlops-blob")?.textContent ?? "";
  const bytes = await p.kit.inflate(blob, p.meta.index.z);
  for (const [k, s] of (p.meta.series as { label: string; color: string }[]).entries()) {
    const ref = p.meta.index.series[k];
    const table = p.meta.index.tables[ref.t];
    p.series.push({
      label: s.label,
      color: s.color,
      steps: new Float64Array(p.kit.unshuffle(bytes, table.off, table.n, 8)),
      values: new Float32Array(p.kit.unshuffle(bytes, ref.off, ref.n, 4)),
      smooth: null,
      smoothWeight: -1,
    });
  }
}

/** Makes the canvases and tip of one `<figure data-chart>` and wires its events. */
function createChart(p: Page, figure: HTMLElement): void {
  const plot = figure.querySelector<HTMLElement>(".plot") as HTMLElement;
  const base = document.createElement("canvas");
  const overlay = document.createElement("canvas");
  overlay.className = "overlay";
  const tip = document.createElement("div");
  tip.className = "tip";
  tip.hidden = true;
  plot.append(base, overlay, tip);
  const spec = p.meta.charts[Number(figure.dataset.chart)] ?? { series: [] };
  const c: Chart = {
    id: figure.id,
    figure,
    plot,
    base,
    overlay,
    tip,
    series: spec.series,
    hidden: new Set(),
    log: false,
    timeline: figure.dataset.kind === "timeline",
    labels: [],
    view: { x0: 0, x1: 1, y0: 0, y1: 1, left: 0, top: 0, pw: 1, ph: 1 },
    drawnHash: 0,
  };
  p.charts.push(c);
  attachPointer(p, c);
  attachControls(p, c);
}

/** Loads the data, makes every chart, wires smoothing, reset and resize, and draws. */
async function startPage(p: Page): Promise<void> {
  await loadSeries(p);
  for (const figure of Array.from(document.querySelectorAll<HTMLElement>("figure[data-chart]")))
    createChart(p, figure);
  const smoothing = document.getElementById("smoothing") as HTMLInputElement | null;
  const smoothingValue = document.getElementById("smoothing-value");
  smoothing?.addEventListener("input", () => {
    p.state.smoothing = Math.min(0.999, Math.max(0, Number(smoothing.value)));
    if (smoothingValue) smoothingValue.textContent = p.state.smoothing.toFixed(2);
    for (const c of p.charts) p.draw.chart(p, c);
  });
  document.getElementById("reset-zoom")?.addEventListener("click", () => {
    p.state.range = null;
    redrawAll(p);
  });
  let pending = 0;
  new ResizeObserver(() => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => redrawAll(p));
  }).observe(document.body);
  redrawAll(p);
  p.state.drawn = true;
  document.documentElement.dataset.chartsDrawn = "true";
  performance.mark("rlops-charts-drawn");
}

/**
 * The browser side of the HTML report. It inflates the chart data, draws every chart on a canvas
 * (per-pixel downsampled), and wires hover (exact values), brush zoom (shared by every chart;
 * double-click or "reset" to undo), legend toggles, EMA smoothing and log scale. State for tests and
 * benchmarks is on `window.rlopsReport`. Its functions reach the page as source text
 * ({@link CLIENT_SOURCE}): they reference nothing outside themselves but each other.
 */
function reportClient(kit: ChartKit, draw: ClientDraw): void {
  // Set at once so the static SVG fallback never flashes; removed again if drawing fails.
  document.documentElement.classList.add("js");
  const meta = JSON.parse(document.getElementById("rlops-index")?.textContent ?? "{}");
  const p: Page = {
    kit,
    draw,
    meta,
    state: { range: null, smoothing: 0, hover: null, drawn: false },
    series: [],
    charts: [],
    marks: meta.markers ?? [],
    dots: meta.timeline ?? [],
    extent: meta.extent ?? [0, 1],
  };
  (window as unknown as { rlopsReport: unknown }).rlopsReport = {
    state: p.state,
    charts: p.charts,
    series: p.series,
    chart: (id: string) => p.charts.find((c) => c.id === id),
  };
  startPage(p).catch((error) => {
    document.documentElement.classList.remove("js");
    console.error(`rlops report: charts could not be drawn (${error}); showing the static charts`);
  });
}

/** Every function the page needs besides {@link reportClient} (all of client-draw.ts), declared together in one scope. */
const CLIENT_FUNCTIONS = [
  ...Object.values(clientDraw),
  hoverAt,
  showTip,
  redrawAll,
  attachPointer,
  attachControls,
  loadSeries,
  createChart,
  startPage,
];

/** The name a function is declared with in its own source text (what the bundler or test runner made of it). */
function declaredName(fn: (...args: never[]) => unknown): string {
  const match = /^(?:async\s+)?function\s*([\w$]+)/.exec(String(fn));
  if (!match?.[1]) throw new Error(`client function without a declared name: ${fn.name}`);
  return match[1];
}

/**
 * The source of a function expression `(kit) => void` that runs the client in the page: every
 * client function declared inside one scope, then {@link reportClient} called with the kit and the
 * drawing functions (by the names they were declared with, so renaming bundlers and module
 * transforms cannot break a reference).
 */
export const CLIENT_SOURCE: string =
  `(function(kit){${CLIENT_FUNCTIONS.map(String).join("\n")}\n` +
  `return (${reportClient})(kit, { chart: ${declaredName(clientDraw.drawChart)}, overlay: ${declaredName(clientDraw.drawOverlay)}, values: ${declaredName(clientDraw.drawnValues)} });})`;
