/**
 * The chart data of the HTML report as one binary blob: step tables (Float64, shared by every series with
 * the same steps) and values (Float32: 7 significant digits, what TensorBoard itself stores; NaN for
 * non-finite). Each array is byte-shuffled (all first bytes, then all second bytes, …) so a deflate pass
 * packs exponents and high mantissa bytes well. Browser-safe: compression is an injected function (the CLI
 * passes zlib's `deflateSync`; the page inflates with `DecompressionStream("deflate")`).
 */

/** A series as the payload stores it. */
export interface PayloadSeries {
  points: readonly [number, number | null][];
}

/** Where each array lives in the (inflated) blob, in bytes. */
export interface PayloadIndex {
  /** `"deflate"` when the blob is zlib-deflated. */
  z: "deflate" | null;
  tables: { off: number; n: number }[];
  series: { t: number; off: number; n: number }[];
}

function shuffle(bytes: Uint8Array, width: number): Uint8Array {
  const n = bytes.length / width;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < n; i++) for (let b = 0; b < width; b++) out[b * n + i] = bytes[i * width + b] as number;
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 (no `btoa`/`Buffer`, so it runs in any JS runtime). */
function toBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const triple = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    chunk +=
      B64[(triple >> 18) & 63]! +
      B64[(triple >> 12) & 63]! +
      (b === undefined ? "=" : B64[(triple >> 6) & 63]!) +
      (c === undefined ? "=" : B64[triple & 63]!);
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = "";
    }
  }
  parts.push(chunk);
  return parts.join("");
}

/** Encodes series into the blob (base64) and its index. `deflate` compresses the raw bytes when given. */
export function encodePayload(
  series: readonly PayloadSeries[],
  deflate?: (bytes: Uint8Array) => Uint8Array,
): { index: PayloadIndex; blob: string } {
  const tableKeys = new Map<string, number>();
  const tables: number[][] = [];
  const seriesRefs: number[] = [];
  for (const s of series) {
    const steps = s.points.map((p) => p[0]);
    // Steps of a series are ascending; identical step lists share one table.
    const key = `${steps.length}:${steps[0]}:${steps[steps.length - 1]}:${steps.join(",").length}`;
    let t = tableKeys.get(key);
    if (t === undefined || (tables[t] as number[]).some((v, i) => v !== steps[i])) {
      t = tables.length;
      tables.push(steps);
      tableKeys.set(key, t);
    }
    seriesRefs.push(t);
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const tableIndex = tables.map((steps) => {
    const bytes = shuffle(new Uint8Array(Float64Array.from(steps).buffer), 8);
    chunks.push(bytes);
    const entry = { off: offset, n: steps.length };
    offset += bytes.length;
    return entry;
  });
  const seriesIndex = series.map((s, i) => {
    const values = Float32Array.from(s.points, (p) => (p[1] === null ? Number.NaN : p[1]));
    const bytes = shuffle(new Uint8Array(values.buffer), 4);
    chunks.push(bytes);
    const entry = { t: seriesRefs[i] as number, off: offset, n: values.length };
    offset += bytes.length;
    return entry;
  });
  const raw = new Uint8Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    raw.set(chunk, at);
    at += chunk.length;
  }
  const packed = deflate ? deflate(raw) : raw;
  return {
    index: { z: deflate ? "deflate" : null, tables: tableIndex, series: seriesIndex },
    blob: toBase64(packed),
  };
}
