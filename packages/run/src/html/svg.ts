import { chartKit } from "./kit.js";
import type { ChartSeries, MarkerSpec, TimelineItem } from "./model.js";

/** The no-JS fallback: static SVG charts (e-mail, PDF, a browser with scripts off), same ticks as the page. */
const kit = chartKit();
const W = 640;
const FONT_PX = 11;
/** Width of a label in the fallback's font (system-ui digits and letters average ~0.6 em). */
const textWidth = (text: string) => text.length * FONT_PX * 0.6;

const esc = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function markerLines(
  marks: readonly MarkerSpec[],
  sx: (s: number) => number,
  x0: number,
  x1: number,
  top: number,
  bottom: number,
) {
  return marks
    .filter((m) => m.step >= x0 && m.step <= x1)
    .map((m) => {
      const dash =
        m.kind === "first-bad"
          ? ' stroke-dasharray="6 4"'
          : m.kind === "trip"
            ? ""
            : ' stroke-dasharray="2 3"';
      const x = sx(m.step).toFixed(1);
      return `<line x1="${x}" x2="${x}" y1="${top}" y2="${bottom}" stroke="${m.color}" stroke-width="${m.kind === "trip" ? 2 : 1}"${dash}/>`;
    })
    .join("");
}

function xAxis(x0: number, x1: number, sx: (s: number) => number, pw: number, y: number): string {
  const widest = Math.max(textWidth(kit.formatStep(x0)), textWidth(kit.formatStep(x1)));
  let lastEnd = Number.NEGATIVE_INFINITY;
  const out: string[] = [];
  for (const v of kit.niceTicks(x0, x1, Math.max(2, Math.floor(pw / (widest + 32))))) {
    const label = kit.formatStep(v);
    const w = textWidth(label);
    const x = Math.min(W - w - 2, Math.max(2, sx(v) - w / 2));
    if (x < lastEnd + 12) continue;
    lastEnd = x + w;
    out.push(`<text x="${x.toFixed(1)}" y="${y}">${label}</text>`);
  }
  return out.join("");
}

/** One static line chart: every series per-pixel downsampled, markers as lines, no labels but the axes. */
export function staticLineChart(
  series: readonly ChartSeries[],
  marks: readonly MarkerSpec[],
  extent: [number, number],
): string {
  const [x0, x1] = extent;
  let y0 = Number.POSITIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const s of series)
    for (const [, v] of s.points)
      if (v !== null) {
        if (v < y0) y0 = v;
        if (v > y1) y1 = v;
      }
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1];
  if (y0 === y1) [y0, y1] = [y0 - (Math.abs(y0) * 0.1 || 1), y1 + (Math.abs(y1) * 0.1 || 1)];
  const ticks = kit.niceTicks(y0, y1, 5);
  const spacing = ticks.length > 1 ? (ticks[1] as number) - (ticks[0] as number) : y1 - y0;
  const yText = ticks.map((v) => kit.formatTick(v, spacing));
  const left = 10 + Math.max(...yText.map(textWidth), 0);
  const top = 6;
  const ph = 180;
  const pw = W - left - 14;
  const H = top + ph + 22;
  const sx = (s: number) => left + ((s - x0) / (x1 - x0 || 1)) * pw;
  const sy = (v: number) => top + ph - ((v - y0) / (y1 - y0)) * ph;
  const grid = ticks
    .map((v, i) => {
      const y = sy(v).toFixed(1);
      return `<line x1="${left}" x2="${left + pw}" y1="${y}" y2="${y}" stroke="#e6e6e6"/><text x="${left - 5}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${yText[i]}</text>`;
    })
    .join("");
  const lines = series
    .map((s) => {
      const steps = s.points.map((p) => p[0]);
      const values = s.points.map((p) => (p[1] === null ? Number.NaN : p[1]));
      return kit
        .columns(steps, values, x0, x1, pw / 2)
        .map(
          (run) =>
            `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${run.map(([st, v]) => `${sx(st).toFixed(1)},${sy(v).toFixed(1)}`).join(" ")}"/>`,
        )
        .join("");
    })
    .join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" font-family="system-ui, sans-serif" font-size="${FONT_PX}" fill="#555">` +
    `${grid}<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>` +
    `${markerLines(marks, sx, x0, x1, top, top + ph)}${lines}${xAxis(x0, x1, sx, pw, top + ph + 16)}</svg>`
  );
}

/** The static checkpoint timeline: dots and labels in as many rows as they need. */
export function staticTimeline(
  items: readonly TimelineItem[],
  marks: readonly MarkerSpec[],
  extent: [number, number],
): string {
  const [x0, x1] = extent;
  const left = 12;
  const pw = W - left - 14;
  const sx = (s: number) => left + ((s - x0) / (x1 - x0 || 1)) * pw;
  const placed = items.map((d) => {
    const w = textWidth(d.name);
    return { x: Math.min(W - w - 2, Math.max(2, sx(d.step) - w / 2)), w };
  });
  const rows = kit.placeRows(placed, 8);
  const rowCount = rows.length ? Math.max(...rows) + 1 : 0;
  const top = 6;
  const ph = 24 + rowCount * 15;
  const axis = top + ph - 12;
  const H = top + ph + 22;
  const body = items
    .map((d, i) => {
      const x = (placed[i] as { x: number }).x;
      return `<circle cx="${sx(d.step).toFixed(1)}" cy="${axis}" r="5" fill="${d.color}"/><text x="${x.toFixed(1)}" y="${axis - 10 - (rows[i] as number) * 15}" fill="#333">${esc(d.name)}</text>`;
    })
    .join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" font-family="system-ui, sans-serif" font-size="${FONT_PX}" fill="#555">` +
    `<line x1="${left}" x2="${left + pw}" y1="${axis}" y2="${axis}" stroke="#bbb"/>${markerLines(marks, sx, x0, x1, top, top + ph)}${body}${xAxis(x0, x1, sx, pw, top + ph + 16)}</svg>`
  );
}
