import { isRlopsError } from "@rlops/errors";
import type { Command } from "commander";

/**
 * Documented exit codes of `rlops`. 0 ok, 1 nothing found, 2 bad input, 3+ decisions.
 */
export const EXIT = {
  OK: 0,
  NOT_FOUND: 1,
  BAD_INPUT: 2,
  STOP: 3,
  ROLLBACK: 4,
  INTERNAL: 70,
} as const;

/** Thrown by command actions to exit with a specific code and one error line. */
export class ExitError extends Error {
  constructor(
    readonly exitCode: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Writes `rlops: <code>: <message>` (plus an optional hint line) to stderr. */
export function printError(code: string, message: string, hint?: string): void {
  process.stderr.write(`rlops: ${code}: ${message.split("\n")[0]}\n`);
  if (hint) process.stderr.write(`hint: ${hint}\n`);
}

/** Maps any thrown value to an exit code, printing one line. rlops errors with input codes map to 2. */
export function handleError(error: unknown): number {
  if (error instanceof ExitError) {
    printError(error.code, error.message, error.hint);
    return error.exitCode;
  }
  if (isRlopsError(error)) {
    const hint = typeof error.details.hint === "string" ? error.details.hint : undefined;
    printError(error.code, error.message, hint);
    return typeof error.details.exitCode === "number" ? error.details.exitCode : EXIT.BAD_INPUT;
  }
  const message = error instanceof Error ? error.message : String(error);
  printError("INTERNAL", message, "this is a bug in rlops; please report it with the command you ran");
  return EXIT.INTERNAL;
}

/**
 * Wraps a command action: runs it, sets `process.exitCode` from its return value (default 0),
 * and turns errors into one `rlops: <code>: <message>` line with the right exit code.
 */
export function action<A extends unknown[]>(fn: (...args: A) => unknown): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = typeof code === "number" ? code : EXIT.OK;
    } catch (error) {
      process.exitCode = handleError(error);
    }
  };
}

/** Prints a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Reads all of stdin as UTF-8 text (bounded to `maxBytes`, default 256 MiB). */
export async function readStdin(maxBytes = 256 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > maxBytes)
      throw new ExitError(EXIT.BAD_INPUT, "INPUT_TOO_LARGE", `stdin is larger than ${maxBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Adds an "Examples:" section to a command's --help. */
export function examples(command: Command, lines: string[]): Command {
  return command.addHelpText("after", `\nExamples:\n${lines.map((line) => `  $ ${line}`).join("\n")}\n`);
}

/** Parses a non-negative integer option, or throws a bad-input ExitError naming the flag. */
export function intOption(flag: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value))
      throw new ExitError(
        EXIT.BAD_INPUT,
        "BAD_FLAG",
        `${flag} expects a non-negative integer, got "${value}"`,
      );
    return Number(value);
  };
}

/**
 * Whether to colour output written to `stream`: off for `NO_COLOR` (any value) and non-TTY streams,
 * forced on by `FORCE_COLOR` (except `0`).
 */
export function useColor(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== "0";
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** A one-line progress bar on a TTY stream (stderr by default); a no-op when the stream is not a TTY. */
export interface Progress {
  /** Updates the bar: `total` null shows a counter instead of a bar. */
  update(label: string, done: number, total: number | null): void;
  /** Clears the line. */
  done(): void;
}

/** Creates a {@link Progress} bar, redrawn at most every 80 ms. */
export function createProgress(
  stream: NodeJS.WriteStream = process.stderr,
  enabled = stream.isTTY === true,
): Progress {
  let last = 0;
  let shown = false;
  return {
    update(label, done, total) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 80 && total !== done) return;
      last = now;
      const width = 24;
      const bar =
        total === null || total === 0
          ? `${done}`
          : `[${"#".repeat(Math.round((done / total) * width)).padEnd(width, " ")}] ${done}/${total}`;
      stream.write(`\r\x1b[2K${label} ${bar}`);
      shown = true;
    },
    done() {
      if (enabled && shown) stream.write("\r\x1b[2K");
      shown = false;
    },
  };
}
