/**
 * Drawing one chart of the HTML report on its canvas. Every function here is inlined into the page
 * with the rest of the client (see `CLIENT_SOURCE` in client.ts): no imports, no outer references
 * but each other and the client's functions; types only come from client-types.ts.
 */
import type { Chart, Dot, Frame, Mark, Page, Series } from "./client-types.js";

/** The values drawn for a series: raw, or the EMA at the page's smoothing (cached per weight). */
export function drawnValues(p: Page, s: Series): ArrayLike<number> {
  if (p.state.smoothing === 0) return s.values;
  if (!s.smooth || s.smoothWeight !== p.state.smoothing) {
    s.smooth = p.kit.ema(s.values, p.state.smoothing);
    s.smoothWeight = p.state.smoothing;
  }
  return s.smooth;
}

/** Draws a label and records its box on the chart (for overlap checks). */
export function canvasText(
  c: Chart,
  ctx: CanvasRenderingContext2D,
  label: string,
  x: number,
  y: number,
  align: string,
): void {
  const w = ctx.measureText(label).width;
  const left = align === "center" ? x - w / 2 : align === "right" ? x - w : x;
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  ctx.fillText(label, left, y);
  c.labels.push({ text: label, x: left, y, w, h: 13 });
}

/** Labels of the trip and first bad step, in as many rows as they need (never overlapping). */
export function markLabels(
  p: Page,
  ctx: CanvasRenderingContext2D,
  sx: (s: number) => number,
  x0: number,
  x1: number,
): Frame["labelRows"] {
  const shown = p.marks.filter(
    (m) => (m.kind === "trip" || m.kind === "first-bad") && m.step >= x0 && m.step <= x1,
  );
  const width = ctx.canvas.width / (window.devicePixelRatio || 1);
  const items = shown.map((m: Mark) => {
    const w = ctx.measureText(m.label).width;
    // Clamped inside the canvas before the rows are chosen, so clamped labels cannot collide.
    return { m, x: Math.max(2, Math.min(sx(m.step) + 3, width - w - 2)), w };
  });
  const rows = p.kit.placeRows(items, 6);
  return { items, rows, count: rows.length === 0 ? 0 : Math.max(...rows) + 1 };
}

/** The y range of the visible series in [x0, x1] (padded; log charts skip values ≤ 0). */
export function yExtent(
  p: Page,
  c: Chart,
  visible: number[],
  x0: number,
  x1: number,
): { y0: number; y1: number; hasData: boolean } {
  let y0 = Number.POSITIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const i of visible) {
    const s = p.series[i] as Series;
    const a = Math.max(0, p.kit.lowerBound(s.steps, x0));
    const b = p.kit.lowerBound(s.steps, x1 + 1e-9);
    for (let j = a; j < b; j++) {
      const v = s.values[j] as number;
      if (!Number.isFinite(v) || (c.log && v <= 0)) continue;
      if (v < y0) y0 = v;
      if (v > y1) y1 = v;
    }
  }
  const hasData = Number.isFinite(y0);
  if (!hasData) [y0, y1] = c.log ? [1, 10] : [0, 1];
  if (c.log) {
    if (y0 === y1) [y0, y1] = [y0 / 2, y1 * 2];
    else [y0, y1] = [y0 / 1.15, y1 * 1.15];
  } else if (y0 === y1) [y0, y1] = [y0 - (Math.abs(y0) * 0.1 || 1), y1 + (Math.abs(y1) * 0.1 || 1)];
  else [y0, y1] = [y0 - (y1 - y0) * 0.05, y1 + (y1 - y0) * 0.05];
  return { y0, y1, hasData };
}

/** Lays a chart out: margins from the y labels and the marker/timeline label rows, scales, canvases. */
export function layoutChart(p: Page, c: Chart): Frame {
  const kit = p.kit;
  const width = Math.max(220, Math.floor(c.plot.clientWidth));
  const [x0, x1] = p.state.range ?? p.extent;
  const visible = c.series.filter((i) => !c.hidden.has(i));
  const { y0, y1, hasData } = yExtent(p, c, visible, x0, x1);
  const measure = kit.setupCanvas(c.base, width, 10);
  let yTicks: number[] = [];
  let yText: string[] = [];
  let left = 12;
  if (!c.timeline) {
    yTicks = c.log ? kit.logTicks(y0, y1, 5) : kit.niceTicks(y0, y1, 5);
    const spacing = yTicks.length > 1 ? (yTicks[1] as number) - (yTicks[0] as number) : Math.abs(y1 - y0);
    yText = yTicks.map((v) => (c.log ? kit.formatValue(v) : kit.formatTick(v, spacing)));
    left = 12 + Math.max(0, ...yText.map((t) => measure.measureText(t).width));
  }
  const pw = width - left - 16;
  const sx = (s: number) => left + ((s - x0) / (x1 - x0)) * pw;
  const labelRows = markLabels(p, measure, sx, x0, x1);
  // Timeline: dot labels above the axis, rows as needed.
  const shownDots: Dot[] = c.timeline ? p.dots.filter((d) => d.step >= x0 && d.step <= x1) : [];
  const dotItems = shownDots.map((d) => {
    const w = measure.measureText(d.name).width;
    return { x: Math.min(width - w - 2, Math.max(2, sx(d.step) - w / 2)), w };
  });
  const dotRows = kit.placeRows(dotItems, 8);
  const top = 6 + labelRows.count * 15;
  const ph = c.timeline ? 24 + (dotRows.length ? Math.max(...dotRows) + 1 : 0) * 15 : 220;
  const height = top + ph + 24;
  const ctx = kit.setupCanvas(c.base, width, height);
  kit.setupCanvas(c.overlay, width, height);
  c.view = { x0, x1, y0, y1, left, top, pw, ph };
  const logSpan = Math.log10(y1) - Math.log10(y0);
  const sy = (v: number) =>
    top + ph - (c.log ? (Math.log10(v) - Math.log10(y0)) / logSpan : (v - y0) / (y1 - y0)) * ph;
  return {
    ctx,
    measure,
    width,
    height,
    visible,
    hasData,
    yTicks,
    yText,
    sx,
    sy,
    labelRows,
    shownDots,
    dotItems,
    dotRows,
  };
}

/** Background, grid, y labels, frame and as many x labels as fit (never overlapping, inside the canvas). */
export function drawAxes(p: Page, c: Chart, f: Frame): void {
  const { ctx, measure, width, height, sx, sy } = f;
  const { left, top, pw, ph, x0, x1 } = c.view;
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  ctx.strokeStyle = "#e6e6e6";
  ctx.lineWidth = 1;
  ctx.fillStyle = "#555";
  f.yTicks.forEach((v, i) => {
    const y = Math.round(sy(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + pw, y);
    ctx.stroke();
    canvasText(
      c,
      ctx,
      f.yText[i] as string,
      left - 6,
      Math.min(top + ph - 13, Math.max(top, y - 6.5)),
      "right",
    );
  });
  ctx.strokeStyle = "#999";
  ctx.strokeRect(left + 0.5, top + 0.5, pw - 1, ph - 1);
  const kit = p.kit;
  const widest = Math.max(
    measure.measureText(kit.formatStep(x0)).width,
    measure.measureText(kit.formatStep(x1)).width,
  );
  const xTicks = kit.niceTicks(x0, x1, Math.max(2, Math.floor(pw / (widest + 32))));
  let lastEnd = Number.NEGATIVE_INFINITY;
  ctx.fillStyle = "#555";
  for (const v of xTicks) {
    const label = kit.formatStep(v);
    const w = measure.measureText(label).width;
    const x = Math.min(width - w - 2, Math.max(2, sx(v) - w / 2));
    if (x < lastEnd + 12) continue;
    canvasText(c, ctx, label, x, top + ph + 6, "left");
    lastEnd = x + w;
    ctx.strokeStyle = "#999";
    ctx.beginPath();
    ctx.moveTo(Math.round(sx(v)) + 0.5, top + ph);
    ctx.lineTo(Math.round(sx(v)) + 0.5, top + ph + 4);
    ctx.stroke();
  }
}

/** Marker lines on every chart, and the timeline's axis and dots. */
export function drawMarkers(p: Page, c: Chart, f: Frame): void {
  const { ctx, sx } = f;
  const { top, ph, left, pw, x0, x1 } = c.view;
  for (const m of p.marks) {
    if (m.step < x0 || m.step > x1) continue;
    p.kit.markerStyle(ctx, m);
    const x = Math.round(sx(m.step)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + ph);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  if (!c.timeline) return;
  ctx.strokeStyle = "#bbb";
  ctx.beginPath();
  ctx.moveTo(left, top + ph - 12);
  ctx.lineTo(left + pw, top + ph - 12);
  ctx.stroke();
  for (const d of f.shownDots) {
    ctx.fillStyle = d.color;
    ctx.beginPath();
    ctx.arc(sx(d.step), top + ph - 12, 5, 0, Math.PI * 2);
    ctx.fill();
  }
}

/** The series' lines (raw faint under the smoothed line when smoothing is on); returns a hash of the drawn y's. */
export function drawLines(p: Page, c: Chart, f: Frame): number {
  const { ctx, sx, sy } = f;
  const { top, ph, pw, x0, x1 } = c.view;
  let hash = 0;
  for (const i of f.visible) {
    const s = p.series[i] as Series;
    const passes: [ArrayLike<number>, number][] =
      p.state.smoothing > 0
        ? [
            [s.values, 0.25],
            [drawnValues(p, s), 1],
          ]
        : [[s.values, 1]];
    for (const [values, alpha] of passes) {
      ctx.strokeStyle = s.color;
      ctx.globalAlpha = alpha;
      ctx.lineWidth = 1.5;
      for (const run of p.kit.columns(s.steps, values, x0, x1, pw)) {
        ctx.beginPath();
        run.forEach(([step, v], k) => {
          const y = c.log ? (v > 0 ? sy(v) : top + ph + 10) : sy(v);
          if (k === 0) ctx.moveTo(sx(step), y);
          else ctx.lineTo(sx(step), y);
          hash = (hash * 31 + Math.round(y * 10)) | 0;
        });
        if (run.length === 1) {
          const [step, v] = run[0] as [number, number];
          ctx.fillStyle = s.color;
          ctx.fillRect(sx(step) - 1.5, sy(v) - 1.5, 3, 3);
        }
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;
  }
  return hash;
}

/** Marker labels above the plot, timeline dot names, and the empty-range message. */
export function drawLabels(c: Chart, f: Frame): void {
  const { ctx } = f;
  const { top, ph, left } = c.view;
  f.labelRows.items.forEach((item, k) => {
    ctx.fillStyle = item.m.color;
    canvasText(c, ctx, item.m.label, item.x, 4 + (f.labelRows.rows[k] as number) * 15, "left");
  });
  f.dotItems.forEach((item, k) => {
    ctx.fillStyle = "#333";
    const y = top + ph - 30 - (f.dotRows[k] as number) * 15;
    canvasText(c, ctx, f.shownDots[k]?.name ?? "", item.x, y, "left");
  });
  if (!f.hasData && !c.timeline) {
    ctx.fillStyle = "#888";
    canvasText(c, ctx, "no data in this step range", left + 8, top + 8, "left");
  }
}

/** Draws one chart: layout, axes, markers and lines clipped to the plot, labels, then the overlay. */
export function drawChart(p: Page, c: Chart): void {
  c.labels = [];
  const f = layoutChart(p, c);
  drawAxes(p, c, f);
  const { left, top, pw, ph } = c.view;
  f.ctx.save();
  f.ctx.beginPath();
  f.ctx.rect(left, top, pw, ph);
  f.ctx.clip();
  drawMarkers(p, c, f);
  c.drawnHash = drawLines(p, c, f);
  f.ctx.restore();
  drawLabels(c, f);
  drawOverlay(p, c, null);
}

/** The overlay canvas: the brush being dragged and the hover line. */
export function drawOverlay(p: Page, c: Chart, brush: [number, number] | null): void {
  const ctx = c.overlay.getContext("2d") as CanvasRenderingContext2D;
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, c.overlay.width, c.overlay.height);
  const v = c.view;
  if (brush) {
    ctx.fillStyle = "rgba(21,101,192,0.12)";
    ctx.fillRect(Math.min(...brush), v.top, Math.abs(brush[1] - brush[0]), v.ph);
  }
  const hover = p.state.hover;
  if (hover === null || hover < v.x0 || hover > v.x1) return;
  const x = v.left + ((hover - v.x0) / (v.x1 - v.x0)) * v.pw;
  ctx.strokeStyle = "rgba(0,0,0,0.45)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(Math.round(x) + 0.5, v.top);
  ctx.lineTo(Math.round(x) + 0.5, v.top + v.ph);
  ctx.stroke();
}
