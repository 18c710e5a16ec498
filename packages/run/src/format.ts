/** Human-readable byte size (1024-based, like `ls -lh`). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "?";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** A number with at most 4 significant digits, or `—` for missing, `NaN` for non-finite. */
export function formatNumber(value: number | null | undefined): string {
  if (value === undefined) return "—";
  if (value === null || !Number.isFinite(value)) return "NaN";
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-3) return value.toExponential(2);
  return Number(value.toPrecision(4)).toString();
}

/** A fraction as a percentage with one decimal. */
export function formatPercent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

const BLOCKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/** A unicode sparkline of `values` squeezed into `width` cells (bucket means; `·` for non-finite). */
export function sparkline(values: readonly (number | null)[], width = 24): string {
  if (values.length === 0) return "";
  const cells = Math.min(width, values.length);
  const buckets: (number | null)[] = [];
  for (let i = 0; i < cells; i++) {
    const start = Math.floor((i * values.length) / cells);
    const end = Math.max(start + 1, Math.floor(((i + 1) * values.length) / cells));
    let sum = 0;
    let n = 0;
    for (let j = start; j < end; j++) {
      const v = values[j];
      if (typeof v === "number" && Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    buckets.push(n === 0 ? null : sum / n);
  }
  const finite = buckets.filter((v): v is number => v !== null);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  return buckets
    .map((v) => {
      if (v === null) return "·";
      if (max === min) return BLOCKS[3];
      return BLOCKS[Math.min(7, Math.floor(((v - min) / (max - min)) * 7.999))];
    })
    .join("");
}

/** Visible width of a string, ignoring ANSI colour sequences. */
export function visibleWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 0x1b && text[i + 1] === "[") {
      const end = text.indexOf("m", i);
      if (end !== -1) {
        i = end;
        continue;
      }
    }
    width++;
  }
  return width;
}

/** Left-aligned columns separated by two spaces; `rightAlign` lists column indexes to right-align. */
export function table(header: string[], rows: string[][], rightAlign: readonly number[] = []): string[] {
  const widths = header.map((h, i) =>
    Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ""))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const pad = " ".repeat(Math.max(0, (widths[i] ?? 0) - visibleWidth(cell)));
        if (i === cells.length - 1 && !rightAlign.includes(i)) return cell;
        return rightAlign.includes(i) ? pad + cell : cell + pad;
      })
      .join("  ");
  return [line(header), ...rows.map(line)];
}
