/**
 * The chart kit: scales, ticks, number formats, per-pixel downsampling, EMA smoothing and label layout.
 * Written as self-contained functions (no imports, no outer references but each other) because their
 * source text is inlined into the HTML report ({@link CHART_KIT_SOURCE}), and the server-side SVG
 * fallback calls the same functions in Node, so both draw the same ticks and labels.
 */

/** A text box a chart drew (CSS pixels, relative to its canvas), for overlap checks. */
export interface LabelBox {
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The helpers {@link chartKit} returns. */
export interface ChartKit {
  niceTicks(min: number, max: number, count: number): number[];
  logTicks(min: number, max: number, count: number): number[];
  formatStep(step: number): string;
  formatValue(value: number): string;
  formatTick(value: number, spacing: number): string;
  lowerBound(array: ArrayLike<number>, value: number): number;
  ema(values: ArrayLike<number>, weight: number): Float64Array;
  columns(
    steps: ArrayLike<number>,
    values: ArrayLike<number>,
    x0: number,
    x1: number,
    pixels: number,
  ): [number, number][][];
  overlaps(a: LabelBox, b: LabelBox): boolean;
  placeRows(items: { x: number; w: number }[], gap: number): number[];
  setupCanvas(canvas: HTMLCanvasElement, w: number, h: number): CanvasRenderingContext2D;
  markerStyle(ctx: CanvasRenderingContext2D, m: { kind: string; color: string }): void;
  inflate(blob: string, z: string | null): Promise<Uint8Array>;
  unshuffle(bytes: Uint8Array, off: number, n: number, width: number): ArrayBuffer;
  nearest(steps: ArrayLike<number>, step: number): number;
  escapeHtml(value: string): string;
}

/** Ticks and number formats (self-contained: inlined into the page). */
function numberKit(): Pick<ChartKit, "niceTicks" | "logTicks" | "formatStep" | "formatValue" | "formatTick"> {
  function niceStep(span: number, count: number): number {
    const raw = span / Math.max(1, count);
    const power = 10 ** Math.floor(Math.log10(raw));
    const unit = raw / power;
    return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 2.5 ? 2.5 : unit <= 5 ? 5 : 10) * power;
  }
  /** At most about `count` round ticks covering [min, max]. */
  function niceTicks(min: number, max: number, count: number): number[] {
    if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
    if (min === max) return [min];
    const step = niceStep(max - min, count);
    const out: number[] = [];
    for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
      out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
  /** Powers of ten (thinned to about `count`) for a log axis. */
  function logTicks(min: number, max: number, count: number): number[] {
    const lo = Math.floor(Math.log10(min));
    const hi = Math.ceil(Math.log10(max));
    const every = Math.max(1, Math.ceil((hi - lo + 1) / Math.max(1, count)));
    const out: number[] = [];
    for (let e = lo; e <= hi; e += every) {
      const v = 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
    }
    return out.length > 0 ? out : [min, max];
  }
  /** Steps: plain integers up to 99,999 (no separators, so adjacent labels never read as one), then k/M. */
  function formatStep(step: number): string {
    const abs = Math.abs(step);
    if (abs < 100_000) return String(Math.round(step * 100) / 100);
    if (abs < 1e8) return `${Number((step / 1000).toPrecision(4))}k`;
    return `${Number((step / 1e6).toPrecision(4))}M`;
  }
  /** A value for hover and tables: up to 6 significant digits, exponent outside [1e-3, 1e6). */
  function formatValue(value: number): string {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
    if (value === 0) return "0";
    const abs = Math.abs(value);
    if (abs >= 1e6 || abs < 1e-3) return value.toExponential(3).replace("e+", "e");
    return String(Number(value.toPrecision(6)));
  }
  /** An axis tick: as many decimals as the tick spacing needs. */
  function formatTick(value: number, spacing: number): string {
    if (value === 0) return "0";
    const abs = Math.abs(value);
    if (abs >= 1e6 || abs < 1e-3) return value.toExponential(1).replace("e+", "e");
    // The fewest decimals that write the spacing exactly (0.025 needs 3, 0.2 needs 1).
    let decimals = 0;
    while (decimals < 8 && Math.abs(Math.round(spacing * 10 ** decimals) - spacing * 10 ** decimals) > 1e-6)
      decimals++;
    const text = value.toFixed(decimals);
    return decimals > 0 ? text.replace(/\.?0+$/, "") : text;
  }
  return { niceTicks, logTicks, formatStep, formatValue, formatTick };
}

/** Search, smoothing and per-pixel downsampling of a series (self-contained: inlined into the page). */
function seriesKit(): Pick<ChartKit, "lowerBound" | "ema" | "columns"> {
  /** First index whose value is ≥ `value` (sorted ascending array). */
  function lowerBound(array: ArrayLike<number>, value: number): number {
    let lo = 0;
    let hi = array.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((array[mid] as number) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  /** TensorBoard's debiased EMA; non-finite values are skipped (and stay NaN). */
  function ema(values: ArrayLike<number>, weight: number): Float64Array {
    const out = new Float64Array(values.length);
    let last = 0;
    let n = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) {
        out[i] = Number.NaN;
        continue;
      }
      last = last * weight + (1 - weight) * v;
      n++;
      out[i] = weight === 0 ? v : last / (1 - weight ** n);
    }
    return out;
  }
  /**
   * Per-pixel downsampling (M4): for each pixel column of [x0, x1] the first, min, max and last point, so
   * a 100k-point series draws in O(pixels) segments with every spike kept. Returns runs of
   * `[step, value]` split at non-finite values (gaps in the line).
   */
  function columns(
    steps: ArrayLike<number>,
    values: ArrayLike<number>,
    x0: number,
    x1: number,
    pixels: number,
  ): [number, number][][] {
    const runs: [number, number][][] = [];
    let run: [number, number][] = [];
    const start = Math.max(0, lowerBound(steps, x0) - 1);
    const end = Math.min(steps.length, lowerBound(steps, x1) + 1);
    const scale = pixels / Math.max(1e-12, x1 - x0);
    let col = Number.NaN;
    let first = -1;
    let min = -1;
    let max = -1;
    let last = -1;
    const flush = () => {
      if (first < 0) return;
      const picked = [first, min, max, last].sort((a, b) => a - b);
      let prev = -1;
      for (const i of picked)
        if (i !== prev) {
          run.push([steps[i] as number, values[i] as number]);
          prev = i;
        }
      first = -1;
    };
    for (let i = start; i < end; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) {
        flush();
        if (run.length > 0) runs.push(run);
        run = [];
        col = Number.NaN;
        continue;
      }
      const c = Math.floor(((steps[i] as number) - x0) * scale);
      if (c !== col) {
        flush();
        col = c;
        first = min = max = last = i;
      } else {
        if (v < (values[min] as number)) min = i;
        if (v > (values[max] as number)) max = i;
        last = i;
      }
    }
    flush();
    if (run.length > 0) runs.push(run);
    return runs;
  }
  return { lowerBound, ema, columns };
}

/** Label layout, payload decoding and canvas helpers (inlined into the page; `lowerBound` from {@link seriesKit}). */
function pageKit(
  lowerBound: ChartKit["lowerBound"],
): Omit<
  ChartKit,
  "niceTicks" | "logTicks" | "formatStep" | "formatValue" | "formatTick" | "lowerBound" | "ema" | "columns"
> {
  function overlaps(a: LabelBox, b: LabelBox): boolean {
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  }
  /** Greedy row assignment so labels at x (width w) never overlap: returns each item's row. */
  function placeRows(items: { x: number; w: number }[], gap: number): number[] {
    const ends: number[] = [];
    const order = items.map((_, i) => i).sort((a, b) => (items[a]?.x ?? 0) - (items[b]?.x ?? 0));
    const rows = new Array<number>(items.length).fill(0);
    for (const i of order) {
      const item = items[i] as { x: number; w: number };
      let row = ends.findIndex((end) => end + gap <= item.x);
      if (row === -1) {
        row = ends.length;
        ends.push(0);
      }
      ends[row] = item.x + item.w;
      rows[i] = row;
    }
    return rows;
  }
  /** Undoes the payload's byte shuffle: n values of `width` bytes at byte `off`. */
  function unshuffle(bytes: Uint8Array, off: number, n: number, width: number): ArrayBuffer {
    const out = new Uint8Array(n * width);
    for (let b = 0; b < width; b++) {
      const base = off + b * n;
      for (let i = 0; i < n; i++) out[i * width + b] = bytes[base + i] as number;
    }
    return out.buffer;
  }
  /** Index of the step nearest to `step` (sorted steps). */
  function nearest(steps: ArrayLike<number>, step: number): number {
    const i = lowerBound(steps, step);
    if (i <= 0) return 0;
    if (i >= steps.length) return steps.length - 1;
    return step - (steps[i - 1] as number) <= (steps[i] as number) - step ? i - 1 : i;
  }
  function escapeHtml(value: string): string {
    return value.replace(
      /[&<>"]/g,
      (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch] as string,
    );
  }
  /** Browser only: sizes a canvas for the device pixel ratio and returns its 2D context. */
  function setupCanvas(canvas: HTMLCanvasElement, w: number, h: number): CanvasRenderingContext2D {
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = "12px system-ui, -apple-system, 'Segoe UI', sans-serif";
    return ctx;
  }
  /** Browser only: the line style of a marker kind. */
  function markerStyle(ctx: CanvasRenderingContext2D, m: { kind: string; color: string }) {
    ctx.strokeStyle = m.color;
    ctx.lineWidth = m.kind === "trip" ? 2 : m.kind === "first-bad" ? 1.5 : 1;
    ctx.setLineDash(m.kind === "first-bad" ? [6, 4] : m.kind === "trip" ? [] : [2, 3]);
  }
  /** Browser only: base64 → bytes, inflated with `DecompressionStream` when `z` is "deflate". */
  async function inflate(blob: string, z: string | null): Promise<Uint8Array> {
    const text = blob.trim();
    const binary = atob(text);
    let bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    if (z === "deflate") {
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
      bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    }
    return bytes;
  }
  return { setupCanvas, markerStyle, inflate, unshuffle, nearest, escapeHtml, overlaps, placeRows };
}

/** Returns the chart kit (pure functions; see the file comment for how it is inlined). */
export function chartKit(): ChartKit {
  const series = seriesKit();
  return { ...numberKit(), ...series, ...pageKit(series.lowerBound) };
}

/**
 * The source of an expression that evaluates to the kit in the page: its parts declared inside one
 * function scope (whatever names the bundler gave them), then `chartKit` called.
 */
export const CHART_KIT_SOURCE: string = `(function(){${[numberKit, seriesKit, pageKit].map(String).join("\n")}\nreturn (${chartKit})();})()`;
