import type { ChartKit, LabelBox } from "./kit.js";

interface Series {
  label: string;
  color: string;
  steps: Float64Array;
  values: Float32Array;
  smooth: Float64Array | null;
  smoothWeight: number;
}
interface Mark {
  step: number;
  kind: string;
  label: string;
  color: string;
}
interface Dot {
  step: number;
  name: string;
  color: string;
  detail: string;
}
interface Chart {
  id: string;
  figure: HTMLElement;
  plot: HTMLElement;
  base: HTMLCanvasElement;
  overlay: HTMLCanvasElement;
  tip: HTMLElement;
  series: number[];
  hidden: Set<number>;
  log: boolean;
  timeline: boolean;
  labels: LabelBox[];
  view: {
    x0: number;
    x1: number;
    y0: number;
    y1: number;
    left: number;
    top: number;
    pw: number;
    ph: number;
  };
  drawnHash: number;
}

/**
 * The browser side of the HTML report, inlined as `(${reportClient})(kit)`: it must not reference
 * anything outside its own body (its source text is all the page gets). It inflates the chart data,
 * draws every chart on a canvas (per-pixel downsampled), and wires hover (exact values), brush zoom
 * (shared by every chart; double-click or "reset" to undo), legend toggles, EMA smoothing and log scale.
 * State for tests and benchmarks is on `window.rlopsReport`.
 */
export function reportClient(kit: ChartKit): void {
  // Set at once so the static SVG fallback never flashes; removed again if drawing fails.
  document.documentElement.classList.add("js");
  const meta = JSON.parse(document.getElementById("rlops-index")?.textContent ?? "{}");
  const state = {
    range: null as [number, number] | null,
    smoothing: 0,
    hover: null as number | null,
    drawn: false,
  };
  const series: Series[] = [];
  const charts: Chart[] = [];
  const marks: Mark[] = meta.markers ?? [];
  const dots: Dot[] = meta.timeline ?? [];
  const extent: [number, number] = meta.extent ?? [0, 1];

  function range(): [number, number] {
    return state.range ?? extent;
  }

  function drawnValues(s: Series): ArrayLike<number> {
    if (state.smoothing === 0) return s.values;
    if (!s.smooth || s.smoothWeight !== state.smoothing) {
      s.smooth = kit.ema(s.values, state.smoothing);
      s.smoothWeight = state.smoothing;
    }
    return s.smooth;
  }

  function text(c: Chart, ctx: CanvasRenderingContext2D, label: string, x: number, y: number, align: string) {
    const w = ctx.measureText(label).width;
    const left = align === "center" ? x - w / 2 : align === "right" ? x - w : x;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText(label, left, y);
    c.labels.push({ text: label, x: left, y, w, h: 13 });
  }

  /** Labels of the trip and first bad step, in as many rows as they need (never overlapping). */
  function markLabels(ctx: CanvasRenderingContext2D, sx: (s: number) => number, x0: number, x1: number) {
    const shown = marks.filter(
      (m) => (m.kind === "trip" || m.kind === "first-bad") && m.step >= x0 && m.step <= x1,
    );
    const width = ctx.canvas.width / (window.devicePixelRatio || 1);
    const items = shown.map((m) => {
      const w = ctx.measureText(m.label).width;
      // Clamped inside the canvas before the rows are chosen, so clamped labels cannot collide.
      return { m, x: Math.max(2, Math.min(sx(m.step) + 3, width - w - 2)), w };
    });
    const rows = kit.placeRows(items, 6);
    return { items, rows, count: rows.length === 0 ? 0 : Math.max(...rows) + 1 };
  }

  function draw(c: Chart) {
    const width = Math.max(220, Math.floor(c.plot.clientWidth));
    const [x0, x1] = range();
    c.labels = [];
    const visible = c.series.filter((i) => !c.hidden.has(i));
    let y0 = Number.POSITIVE_INFINITY;
    let y1 = Number.NEGATIVE_INFINITY;
    for (const i of visible) {
      const s = series[i] as Series;
      const a = Math.max(0, kit.lowerBound(s.steps, x0));
      const b = kit.lowerBound(s.steps, x1 + 1e-9);
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
    const measure = kit.setupCanvas(c.base, width, 10);
    const sxRaw = (s: number) => (s - x0) / (x1 - x0);
    // Margins: y labels decide the left, marker labels the top.
    const baseHeight = c.timeline ? 0 : 220;
    let yTicks: number[] = [];
    let yText: string[] = [];
    let left = 12;
    if (!c.timeline) {
      yTicks = c.log ? kit.logTicks(y0, y1, 5) : kit.niceTicks(y0, y1, 5);
      const spacing = yTicks.length > 1 ? (yTicks[1] as number) - (yTicks[0] as number) : Math.abs(y1 - y0);
      yText = yTicks.map((v) => (c.log ? kit.formatValue(v) : kit.formatTick(v, spacing)));
      left = 12 + Math.max(0, ...yText.map((t) => measure.measureText(t).width));
    }
    const right = 16;
    const pw = width - left - right;
    const sx = (s: number) => left + sxRaw(s) * pw;
    const labelRows = markLabels(measure, sx, x0, x1);
    // Timeline: dot labels above the axis, rows as needed.
    const shownDots = c.timeline ? dots.filter((d) => d.step >= x0 && d.step <= x1) : [];
    const dotItems = shownDots.map((d) => {
      const w = measure.measureText(d.name).width;
      return { x: Math.min(width - w - 2, Math.max(2, sx(d.step) - w / 2)), w };
    });
    const dotRows = kit.placeRows(dotItems, 8);
    const dotRowCount = dotRows.length ? Math.max(...dotRows) + 1 : 0;
    const top = 6 + labelRows.count * 15;
    const ph = c.timeline ? 24 + dotRowCount * 15 : baseHeight;
    const bottom = 24;
    const height = top + ph + bottom;
    const ctx = kit.setupCanvas(c.base, width, height);
    kit.setupCanvas(c.overlay, width, height);
    c.view = { x0, x1, y0, y1, left, top, pw, ph };
    const sy = (v: number) =>
      top +
      ph -
      (c.log ? (Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0)) : (v - y0) / (y1 - y0)) *
        ph;
    ctx.clearRect(0, 0, width, height);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    // Grid and y labels.
    ctx.strokeStyle = "#e6e6e6";
    ctx.lineWidth = 1;
    ctx.fillStyle = "#555";
    yTicks.forEach((v, i) => {
      const y = Math.round(sy(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + pw, y);
      ctx.stroke();
      text(c, ctx, yText[i] as string, left - 6, Math.min(top + ph - 13, Math.max(top, y - 6.5)), "right");
    });
    ctx.strokeStyle = "#999";
    ctx.strokeRect(left + 0.5, top + 0.5, pw - 1, ph - 1);
    // X labels: as many as fit, never overlapping, kept inside the canvas.
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
      text(c, ctx, label, x, top + ph + 6, "left");
      lastEnd = x + w;
      ctx.strokeStyle = "#999";
      ctx.beginPath();
      ctx.moveTo(Math.round(sx(v)) + 0.5, top + ph);
      ctx.lineTo(Math.round(sx(v)) + 0.5, top + ph + 4);
      ctx.stroke();
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, pw, ph);
    ctx.clip();
    // Markers on every chart.
    for (const m of marks) {
      if (m.step < x0 || m.step > x1) continue;
      kit.markerStyle(ctx, m);
      const x = Math.round(sx(m.step)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + ph);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    let hash = 0;
    if (c.timeline) {
      ctx.strokeStyle = "#bbb";
      ctx.beginPath();
      ctx.moveTo(left, top + ph - 12);
      ctx.lineTo(left + pw, top + ph - 12);
      ctx.stroke();
      for (const d of shownDots) {
        ctx.fillStyle = d.color;
        ctx.beginPath();
        ctx.arc(sx(d.step), top + ph - 12, 5, 0, Math.PI * 2);
        ctx.fill();
      }
    }
    // Lines: raw faint under the smoothed line when smoothing is on.
    for (const i of visible) {
      const s = series[i] as Series;
      const passes: [ArrayLike<number>, number][] =
        state.smoothing > 0
          ? [
              [s.values, 0.25],
              [drawnValues(s), 1],
            ]
          : [[s.values, 1]];
      for (const [values, alpha] of passes) {
        ctx.strokeStyle = s.color;
        ctx.globalAlpha = alpha;
        ctx.lineWidth = 1.5;
        for (const run of kit.columns(s.steps, values, x0, x1, pw)) {
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
    ctx.restore();
    c.drawnHash = hash;
    // Marker labels (trip, first bad step) above the plot.
    labelRows.items.forEach((item, k) => {
      ctx.fillStyle = item.m.color;
      text(c, ctx, item.m.label, item.x, 4 + (labelRows.rows[k] as number) * 15, "left");
    });
    dotItems.forEach((item, k) => {
      ctx.fillStyle = "#333";
      const y = top + ph - 30 - (dotRows[k] as number) * 15;
      text(c, ctx, shownDots[k]?.name ?? "", item.x, y, "left");
    });
    if (!hasData && !c.timeline) {
      ctx.fillStyle = "#888";
      text(c, ctx, "no data in this step range", left + 8, top + 8, "left");
    }
    drawOverlay(c, null);
  }

  function drawOverlay(c: Chart, brush: [number, number] | null) {
    const ctx = c.overlay.getContext("2d") as CanvasRenderingContext2D;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, c.overlay.width, c.overlay.height);
    const v = c.view;
    if (brush) {
      ctx.fillStyle = "rgba(21,101,192,0.12)";
      ctx.fillRect(Math.min(...brush), v.top, Math.abs(brush[1] - brush[0]), v.ph);
    }
    if (state.hover === null || state.hover < v.x0 || state.hover > v.x1) return;
    const x = v.left + ((state.hover - v.x0) / (v.x1 - v.x0)) * v.pw;
    ctx.strokeStyle = "rgba(0,0,0,0.45)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, v.top);
    ctx.lineTo(Math.round(x) + 0.5, v.top + v.ph);
    ctx.stroke();
  }

  function hoverAt(c: Chart, px: number): number | null {
    const v = c.view;
    const step = v.x0 + ((px - v.left) / v.pw) * (v.x1 - v.x0);
    let best: number | null = null;
    const candidates: number[] = [];
    for (const i of c.series) {
      if (c.hidden.has(i)) continue;
      const s = series[i] as Series;
      if (s.steps.length) candidates.push(s.steps[kit.nearest(s.steps, step)] as number);
    }
    if (c.timeline) for (const d of dots) candidates.push(d.step);
    for (const cand of candidates)
      if (best === null || Math.abs(cand - step) < Math.abs(best - step)) best = cand;
    return best;
  }

  function showTip(c: Chart, px: number) {
    const step = state.hover;
    if (step === null) {
      c.tip.hidden = true;
      return;
    }
    const rows: string[] = [`<b>step ${kit.formatStep(step)}</b>`];
    for (const i of c.series) {
      if (c.hidden.has(i)) continue;
      const s = series[i] as Series;
      const j = kit.lowerBound(s.steps, step);
      if (s.steps[j] !== step) continue;
      const raw = kit.formatValue(s.values[j] as number);
      const smooth =
        state.smoothing > 0 ? ` <i>(smoothed ${kit.formatValue(drawnValues(s)[j] as number)})</i>` : "";
      rows.push(
        `<span class="sw" style="background:${s.color}"></span>${kit.escapeHtml(s.label)} <b class="v" data-series="${i}">${raw}</b>${smooth}`,
      );
    }
    const v = c.view;
    const pxPerStep = v.pw / (v.x1 - v.x0);
    for (const m of marks)
      if (Math.abs(m.step - step) * pxPerStep < 4)
        rows.push(`<span style="color:${m.color}">${kit.escapeHtml(m.label)}</span>`);
    if (c.timeline) for (const d of dots) if (d.step === step) rows.push(kit.escapeHtml(d.detail));
    c.tip.innerHTML = rows.join("<br>");
    c.tip.hidden = false;
    const tipWidth = c.tip.offsetWidth;
    const onRight = px + 14 + tipWidth <= c.plot.clientWidth;
    c.tip.style.left = `${onRight ? px + 14 : Math.max(0, px - 14 - tipWidth)}px`;
    c.tip.style.top = `${v.top + 4}px`;
  }

  function redrawAll() {
    for (const c of charts) draw(c);
    const [x0, x1] = range();
    const label = document.getElementById("range");
    if (label)
      label.textContent = `steps ${kit.formatStep(x0)}–${kit.formatStep(x1)}${state.range ? " (zoomed)" : ""}`;
  }

  function attach(c: Chart) {
    let brushFrom: number | null = null;
    const pos = (e: PointerEvent | MouseEvent) => e.clientX - c.overlay.getBoundingClientRect().left;
    c.overlay.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      brushFrom = pos(e);
      c.overlay.setPointerCapture(e.pointerId);
    });
    c.overlay.addEventListener("pointermove", (e) => {
      const px = pos(e);
      state.hover = hoverAt(c, px);
      for (const other of charts)
        drawOverlay(other, other === c && brushFrom !== null ? [brushFrom, px] : null);
      showTip(c, px);
    });
    c.overlay.addEventListener("pointerup", (e) => {
      if (brushFrom === null) return;
      const px = pos(e);
      const from = brushFrom;
      brushFrom = null;
      if (Math.abs(px - from) < 5) return;
      const v = c.view;
      const toStep = (p: number) =>
        v.x0 + ((Math.min(v.left + v.pw, Math.max(v.left, p)) - v.left) / v.pw) * (v.x1 - v.x0);
      const a = toStep(Math.min(px, from));
      const b = toStep(Math.max(px, from));
      if (b > a) {
        state.range = [a, b];
        redrawAll();
      }
    });
    c.overlay.addEventListener("pointerleave", () => {
      state.hover = null;
      c.tip.hidden = true;
      for (const other of charts) drawOverlay(other, null);
    });
    c.overlay.addEventListener("dblclick", () => {
      state.range = null;
      redrawAll();
    });
    for (const button of Array.from(c.figure.querySelectorAll<HTMLButtonElement>("button[data-series]"))) {
      button.addEventListener("click", () => {
        const i = Number(button.dataset.series);
        if (c.hidden.has(i)) c.hidden.delete(i);
        else c.hidden.add(i);
        button.setAttribute("aria-pressed", c.hidden.has(i) ? "false" : "true");
        draw(c);
      });
    }
    const log = c.figure.querySelector<HTMLInputElement>("input.log");
    if (log) {
      const positive = c.series.some((i) => (series[i] as Series).values.some((v) => v > 0));
      log.disabled = !positive;
      log.addEventListener("change", () => {
        c.log = log.checked;
        draw(c);
      });
    }
  }

  async function main() {
    const bytes = await kit.inflate(document.getElementById("rlops-blob")?.textContent ?? "", meta.index.z);
    for (const [k, s] of (meta.series as { label: string; color: string }[]).entries()) {
      const ref = meta.index.series[k];
      const table = meta.index.tables[ref.t];
      series.push({
        label: s.label,
        color: s.color,
        steps: new Float64Array(kit.unshuffle(bytes, table.off, table.n, 8)),
        values: new Float32Array(kit.unshuffle(bytes, ref.off, ref.n, 4)),
        smooth: null,
        smoothWeight: -1,
      });
    }
    for (const figure of Array.from(document.querySelectorAll<HTMLElement>("figure[data-chart]"))) {
      const plot = figure.querySelector<HTMLElement>(".plot") as HTMLElement;
      const base = document.createElement("canvas");
      const overlay = document.createElement("canvas");
      overlay.className = "overlay";
      const tip = document.createElement("div");
      tip.className = "tip";
      tip.hidden = true;
      plot.append(base, overlay, tip);
      const spec = meta.charts[Number(figure.dataset.chart)] ?? { series: [] };
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
      charts.push(c);
      attach(c);
    }
    const smoothing = document.getElementById("smoothing") as HTMLInputElement | null;
    const smoothingValue = document.getElementById("smoothing-value");
    smoothing?.addEventListener("input", () => {
      state.smoothing = Math.min(0.999, Math.max(0, Number(smoothing.value)));
      if (smoothingValue) smoothingValue.textContent = state.smoothing.toFixed(2);
      for (const c of charts) draw(c);
    });
    document.getElementById("reset-zoom")?.addEventListener("click", () => {
      state.range = null;
      redrawAll();
    });
    let pending = 0;
    new ResizeObserver(() => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(redrawAll);
    }).observe(document.body);
    redrawAll();
    state.drawn = true;
    document.documentElement.dataset.chartsDrawn = "true";
    performance.mark("rlops-charts-drawn");
  }

  (window as unknown as { rlopsReport: unknown }).rlopsReport = {
    state,
    charts,
    series,
    chart: (id: string) => charts.find((c) => c.id === id),
  };
  main().catch((error) => {
    document.documentElement.classList.remove("js");
    console.error(`rlops report: charts could not be drawn (${error}); showing the static charts`);
  });
}
