/** Flag parsers and text helpers shared by the `rlops ckpt` subcommands. */
import { EXIT, ExitError } from "../cli-kit.js";

/** Parses a non-negative integer count flag. */
export function countOption(flag: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
      throw new ExitError(
        EXIT.BAD_INPUT,
        "BAD_FLAG",
        `${flag} expects a non-negative integer, got "${value}"`,
      );
    return Number(value);
  };
}

/** Parses a flag with a fixed set of values. */
export function choice<T extends string>(flag: string, values: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!(values as readonly string[]).includes(value))
      throw new ExitError(
        EXIT.BAD_INPUT,
        "BAD_FLAG",
        `${flag} expects one of ${values.join(", ")}, got "${value}"`,
      );
    return value as T;
  };
}

/** `1.5 GiB` style sizes (`-` when unknown). */
export function humanBytes(n: number | null): string {
  if (n === null) return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Left-aligned text table. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
