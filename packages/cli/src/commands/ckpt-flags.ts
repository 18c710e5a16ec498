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
