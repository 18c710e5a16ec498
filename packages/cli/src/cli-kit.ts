import { readdirSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { LAYOUTS } from "@rlops/checkpoint-layout";
import { isRlopsError, messageOf } from "@rlops/errors";
import { type Command, CommanderError, Option } from "commander";
import { CLI_ERROR_CODES, CliError, type CliErrorCode, EXIT, LIBRARY_EXIT } from "./errors.js";

export { EXIT } from "./errors.js";

/**
 * A {@link CliError} built positionally (exit code first). Kept for the commands written against it;
 * it is the same error system: `ExitError` is a `CliError`.
 */
export class ExitError extends CliError {
  constructor(exitCode: number, code: CliErrorCode, message: string, hint?: string) {
    super({ code, message, exitCode, hint });
  }
}

/** Writes `rlops: <code>: <message>` (plus an optional hint line) to stderr. */
function printError(code: string, message: string, hint?: string): void {
  process.stderr.write(`rlops: ${code}: ${message.split("\n")[0]}\n`);
  if (hint) process.stderr.write(`hint: ${hint}\n`);
}

/** commander's error codes → the CLI's codes (all exit 2). */
const COMMANDER_CODES: Record<string, CliErrorCode> = {
  "commander.unknownCommand": "UNKNOWN_COMMAND",
  "commander.unknownOption": "UNKNOWN_OPTION",
  "commander.missingArgument": "MISSING_ARGUMENT",
  "commander.optionMissingArgument": "MISSING_ARGUMENT",
  "commander.missingMandatoryOptionValue": "MISSING_ARGUMENT",
  "commander.excessArguments": "TOO_MANY_ARGUMENTS",
  "commander.invalidArgument": "BAD_FLAG",
  "commander.conflictingOption": "BAD_FLAG",
};

/** File-system error numbers → the CLI's path codes (a file/dir mix-up is bad input, never INTERNAL). */
const ERRNO_CODES: Record<string, CliErrorCode> = {
  ENOENT: "PATH_NOT_FOUND",
  EISDIR: "NOT_A_FILE",
  ENOTDIR: "NOT_A_DIRECTORY",
  EEXIST: "NOT_A_DIRECTORY",
  EACCES: "NOT_READABLE",
  EPERM: "NOT_READABLE",
  ENOSPC: "WRITE_FAILED",
  EROFS: "WRITE_FAILED",
  EDQUOT: "WRITE_FAILED",
};

/** Library codes that only say "could not read": printed with the path code of their errno cause. */
const GENERIC_READ_CODES = new Set(["INVALID_OPTIONS", "SOURCE_ERROR", "STORAGE_ERROR", "FILE_READ_FAILED"]);

function errnoOf(value: unknown): string | undefined {
  const code = (value as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) ? code : undefined;
}

function pathOf(value: unknown): string | undefined {
  const path = (value as { path?: unknown } | null)?.path;
  return typeof path === "string" ? path : undefined;
}

/** True when `dir` is a folder with nothing in it (what an empty run folder looks like). */
function isEmptyDir(dir: unknown): boolean {
  if (typeof dir !== "string") return false;
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}

/** What one error line shows: code, message, hint and exit code. */
export interface ErrorLine {
  code: string;
  message: string;
  hint: string | undefined;
  exitCode: number;
}

/**
 * The one mapping of anything thrown to an error line: CLI errors as they are; commander's usage
 * errors to the CLI's codes; library (rlops) errors with their own code (exit 2, or
 * {@link LIBRARY_EXIT}); file-system errors (and library errors caused by one) to the path codes;
 * anything else is `INTERNAL` (exit 70).
 */
export function describeError(error: unknown): ErrorLine {
  if (CliError.isInstance(error))
    return { code: error.code, message: error.message, hint: error.hint, exitCode: error.exitCode };
  if (error instanceof CommanderError) {
    const code = COMMANDER_CODES[error.code] ?? "BAD_FLAG";
    return {
      code,
      message: error.message.replace(/^error: /, ""),
      hint: "run with --help for usage",
      exitCode: CLI_ERROR_CODES[code].exit,
    };
  }
  if (isRlopsError(error)) {
    const hint = typeof error.details.hint === "string" ? error.details.hint : undefined;
    if (error.code === "LAYOUT_UNKNOWN" && isEmptyDir(error.details.path))
      return {
        code: "NOTHING_FOUND",
        message: `${String(error.details.path)}: empty folder: no checkpoints and no metrics`,
        hint: "pass the training run's output folder",
        exitCode: CLI_ERROR_CODES.NOTHING_FOUND.exit,
      };
    if (error.code === "NOT_FOUND" && error.package === "@rlops/checkpoint-layout")
      return { code: "PATH_NOT_FOUND", message: error.message, hint, exitCode: EXIT.BAD_INPUT };
    // only generic "cannot read" library codes take the path code of their cause; specific ones
    // (recovery's SETUP_FAILED on a full disk, …) keep their own
    const causeErrno = GENERIC_READ_CODES.has(error.code) ? errnoOf(error.cause) : undefined;
    const pathCode = causeErrno === undefined ? undefined : ERRNO_CODES[causeErrno];
    if (pathCode !== undefined)
      return { code: pathCode, message: error.message, hint, exitCode: CLI_ERROR_CODES[pathCode].exit };
    const exitCode =
      typeof error.details.exitCode === "number"
        ? error.details.exitCode
        : (LIBRARY_EXIT[`${error.package} ${error.code}`] ?? EXIT.BAD_INPUT);
    return { code: error.code, message: error.message, hint, exitCode };
  }
  const errno = errnoOf(error);
  const pathCode = errno === undefined ? undefined : ERRNO_CODES[errno];
  if (pathCode !== undefined) {
    const path = pathOf(error);
    const what = CLI_ERROR_CODES[pathCode].meaning;
    return {
      code: pathCode,
      message: path === undefined ? messageOf(error) : `${path}: ${what} (${errno})`,
      hint: undefined,
      exitCode: CLI_ERROR_CODES[pathCode].exit,
    };
  }
  return {
    code: "INTERNAL",
    message: messageOf(error),
    hint: "this is a bug in rlops; please report it with the command you ran",
    exitCode: EXIT.INTERNAL,
  };
}

/** Maps any thrown value to an exit code, printing one `rlops: <code>: <message>` line (+ hint). */
export function handleError(error: unknown): number {
  const line = describeError(error);
  printError(line.code, line.message, line.hint);
  return line.exitCode;
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

/**
 * Applies the CLI's error model to a command tree: commander prints nothing itself, its usage
 * errors are thrown as `CommanderError`s and printed by {@link handleError}; help and version exit 0.
 */
export function applyErrorModel(command: Command): Command {
  command.configureOutput({ outputError: () => undefined });
  command.exitOverride((error) => {
    const shown = ["commander.helpDisplayed", "commander.version", "commander.help"];
    if (shown.includes(error.code) || error.exitCode === 0) process.exit(EXIT.OK);
    throw error;
  });
  for (const sub of command.commands) applyErrorModel(sub);
  return command;
}

/**
 * Ends the process quietly with exit 0 when the reader of stdout/stderr closed the pipe
 * (`rlops … | head -1`) instead of printing a stack trace.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(EXIT.OK);
      throw error;
    });
}

/** The kind of path a command expects. */
type PathKind = "file" | "dir";

/**
 * Checks that `path` exists and is a file or a folder, or throws the CLI's path error
 * (`PATH_NOT_FOUND`, `NOT_A_FILE`, `NOT_A_DIRECTORY`, `NOT_READABLE`) naming `what` (e.g. `"--config"`).
 */
async function requirePath(path: string, kind: PathKind, what: string): Promise<void> {
  let info: import("node:fs").Stats;
  try {
    info = await stat(path);
  } catch (cause) {
    const errno = errnoOf(cause);
    if (errno === "ENOENT" || errno === "ENOTDIR")
      throw new CliError({
        code: "PATH_NOT_FOUND",
        message: `${what} ${path}: no such ${kind === "dir" ? "folder" : "file"}`,
        cause,
      });
    throw new CliError({
      code: "NOT_READABLE",
      message: `${what} ${path}: cannot be read (${errno ?? messageOf(cause)})`,
      cause,
    });
  }
  if (kind === "file" && info.isDirectory())
    throw new CliError({ code: "NOT_A_FILE", message: `${what} ${path}: is a folder, expected a file` });
  if (kind === "dir" && !info.isDirectory())
    throw new CliError({ code: "NOT_A_DIRECTORY", message: `${what} ${path}: is a file, expected a folder` });
}

/** Reads a UTF-8 input file, throwing the CLI's path errors (see {@link requirePath}). */
export async function readInputText(path: string, what: string): Promise<string> {
  await requirePath(path, "file", what);
  try {
    return await readFile(path, "utf8");
  } catch (cause) {
    throw new CliError({
      code: "NOT_READABLE",
      message: `${what} ${path}: cannot be read (${errnoOf(cause) ?? messageOf(cause)})`,
      cause,
    });
  }
}

/**
 * A commander option restricted to `choices` (`Option.choices`; commander reports a bad value as
 * `BAD_FLAG`), with an optional default.
 */
export function choiceOption(
  flags: string,
  description: string,
  choices: readonly string[],
  defaultValue?: string,
): Option {
  const option = new Option(flags, description).choices(choices);
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** `--layout <layout>`: one of `@rlops/checkpoint-layout`'s layouts (the same flag in every command). */
export function layoutOption(description = "checkpoint layout instead of detecting it"): Option {
  return choiceOption("--layout <layout>", description, LAYOUTS);
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

function badFlag(message: string): CliError {
  return new CliError({ code: "BAD_FLAG", message });
}

/**
 * An integer option parser (commander `argParser`): digits only, at least `min` (default 0), a safe
 * integer; otherwise `BAD_FLAG` naming the flag.
 */
export function intOption(flag: string, min = 0): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
      throw badFlag(
        `${flag} expects ${min === 0 ? "a non-negative" : "an"} integer${min > 0 ? ` ≥ ${min}` : ""}, got "${value}"`,
      );
    if (n < min) throw badFlag(`${flag} expects an integer ≥ ${min}, got ${value}`);
    return n;
  };
}

/** A step option parser: exact decimal digits kept as a string (steps past 2^53 compare exactly). */
export function stepOption(flag: string): (value: string) => string {
  return (value: string) => {
    if (!/^\d+$/.test(value)) throw badFlag(`${flag} expects a non-negative integer, got "${value}"`);
    return value;
  };
}

const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration option parser: `500ms`, `30s`, `2m`, `1h` or bare seconds, to milliseconds. */
export function durationOption(flag: string): (value: string) => number {
  return (value: string) => {
    const m = /^(\d{1,9})(ms|s|m|h)?$/.exec(value.trim());
    if (!m) throw badFlag(`${flag} expects a duration such as 30s, 2m or 500ms, got "${value}"`);
    return Number(m[1]) * DURATION_UNIT_MS[m[2] ?? "s"]!;
  };
}

/**
 * A list option parser: comma-separated values, accumulated over repeats (`--x a,b --x c` → a, b, c);
 * empty items are refused. Use with a `[]` default.
 */
export function listOption(flag: string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => {
    const items = value.split(",").map((v) => v.trim());
    if (items.some((v) => v === "")) throw badFlag(`${flag} expects comma-separated values, got "${value}"`);
    return [...(previous ?? []), ...items];
  };
}

/** An option with a parser (commander `Option.argParser`) and an optional default. */
export function parsedOption<T>(
  flags: string,
  description: string,
  parse: (value: string, previous: T) => T,
  defaultValue?: T,
): Option {
  const option = new Option(flags, description).argParser(parse);
  return defaultValue === undefined ? option : option.default(defaultValue);
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

/** Left-aligned text table: the first row is the header; the last column is not padded. */
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
