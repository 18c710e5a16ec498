import * as z from "zod";

/** A number as stored in JSON state/evidence: finite numbers as-is, non-finite ones as strings. */
// z.literal, not z.enum: an enum of "-Infinity" emits `[-Infinity]: "-Infinity"` keys that fail skipLibCheck: false
export const encodedNumberSchema = z.union([z.number(), z.literal(["NaN", "Infinity", "-Infinity"])]);
/** See {@link encodedNumberSchema}. */
export type EncodedNumber = z.infer<typeof encodedNumberSchema>;

/** Encodes a number so that `JSON.stringify` keeps NaN and ±Infinity. */
export function encodeNumber(x: number): EncodedNumber {
  if (Number.isFinite(x)) return x === 0 ? 0 : x; // -0 becomes 0, as JSON would
  if (Number.isNaN(x)) return "NaN";
  return x > 0 ? "Infinity" : "-Infinity";
}

/** Inverse of {@link encodeNumber}. */
export function decodeNumber(x: EncodedNumber): number {
  if (typeof x === "number") return x;
  if (x === "NaN") return Number.NaN;
  return x === "Infinity" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

/** Median of a non-empty array (does not modify it). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median absolute deviation around `center`. */
export function mad(values: readonly number[], center: number): number {
  return median(values.map((v) => Math.abs(v - center)));
}

/** Formats a number for messages (up to 6 significant digits, NaN/Infinity spelled out). */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined) return "n/a";
  if (!Number.isFinite(x)) return String(x);
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}
