import { RlopsError } from "@rlops/errors";

/**
 * Documented exit codes of `rlops`: 0 ok, 1 nothing found, 2 bad input, 3 stop, 4 rollback,
 * 70 internal error (a bug).
 */
export const EXIT = {
  OK: 0,
  NOT_FOUND: 1,
  BAD_INPUT: 2,
  STOP: 3,
  ROLLBACK: 4,
  INTERNAL: 70,
} as const;
/** One of the {@link EXIT} codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Every code `rlops` itself prints, with its exit code and meaning: the one table the CLI README
 * documents (a test checks the README against it and the source against the README). Library codes
 * (`@rlops/recovery`, `@rlops/checkpoint-layout`, …) are printed as they are, with exit 2 unless
 * {@link LIBRARY_EXIT} says otherwise.
 */
export const CLI_ERROR_CODES = {
  // commander's own usage errors
  UNKNOWN_COMMAND: { exit: EXIT.BAD_INPUT, meaning: "no such command" },
  UNKNOWN_OPTION: { exit: EXIT.BAD_INPUT, meaning: "no such option for this command" },
  MISSING_ARGUMENT: {
    exit: EXIT.BAD_INPUT,
    meaning: "a required argument, option or option value is missing",
  },
  TOO_MANY_ARGUMENTS: { exit: EXIT.BAD_INPUT, meaning: "more arguments than the command takes" },
  BAD_FLAG: {
    exit: EXIT.BAD_INPUT,
    meaning: "a flag's value is invalid (not one of its choices, not a number, flags that conflict)",
  },
  // paths
  PATH_NOT_FOUND: { exit: EXIT.BAD_INPUT, meaning: "a file or folder given does not exist" },
  NOT_A_FILE: { exit: EXIT.BAD_INPUT, meaning: "a folder was given where a file is expected" },
  NOT_A_DIRECTORY: { exit: EXIT.BAD_INPUT, meaning: "a file was given where a folder is expected" },
  NOT_READABLE: { exit: EXIT.BAD_INPUT, meaning: "a file or folder exists but cannot be read (permissions)" },
  FILE_EXISTS: { exit: EXIT.BAD_INPUT, meaning: "a file the command would write exists (pass --force)" },
  WRITE_FAILED: { exit: EXIT.BAD_INPUT, meaning: "a file could not be written (permissions, full disk)" },
  // input content
  INVALID_INPUT: { exit: EXIT.BAD_INPUT, meaning: "a file's or stdin's content failed validation" },
  INVALID_JSON: { exit: EXIT.BAD_INPUT, meaning: "a file or stdin is not valid JSON" },
  INPUT_TOO_LARGE: { exit: EXIT.BAD_INPUT, meaning: "stdin or an input file is over its size bound" },
  BAD_DECISION: {
    exit: EXIT.BAD_INPUT,
    meaning:
      "`recover --from`, `ckpt prune --decision`: not a decision; `recover --from`: the check found nothing to recover from",
  },
  BAD_PALETTE: { exit: EXIT.BAD_INPUT, meaning: "`arc --palette`: not a word → colour map" },
  BAD_ARGUMENT: {
    exit: EXIT.BAD_INPUT,
    meaning:
      "arguments that do not go together (`breaker check`: a run folder with other paths; `ckpt diff --run`: a step several checkpoints share)",
  },
  NO_INFERENCE: {
    exit: EXIT.BAD_INPUT,
    meaning: "`ckpt info --script`: the checkpoint holds no weights usable for inference",
  },
  LISTEN_FAILED: { exit: EXIT.BAD_INPUT, meaning: "`rewards serve` cannot listen on the host/port" },
  // nothing found
  NOTHING_FOUND: {
    exit: EXIT.NOT_FOUND,
    meaning: "the run folder holds no checkpoints and no metrics (empty or not a run)",
  },
  NO_CHECKPOINT: {
    exit: EXIT.NOT_FOUND,
    meaning:
      "no checkpoint qualifies or none has that name (`ckpt latest`, `ckpt info`, `ckpt diff`, `recover`)",
  },
  // bugs
  INTERNAL: { exit: EXIT.INTERNAL, meaning: "a bug in rlops: please report it with the command you ran" },
} as const satisfies Record<string, { exit: ExitCode; meaning: string }>;

/** Stable codes of {@link CliError}: the keys of {@link CLI_ERROR_CODES}. */
export type CliErrorCode = keyof typeof CLI_ERROR_CODES;

/**
 * Exit codes of library error codes that are not "bad input" (2), keyed `<package> <code>`:
 * "nothing qualifies" answers exit 1.
 */
export const LIBRARY_EXIT: Readonly<Record<string, ExitCode>> = {
  "@rlops/recovery NO_CHECKPOINT": EXIT.NOT_FOUND,
};

/** Options of {@link CliError}. */
export interface CliErrorOptions {
  code: CliErrorCode;
  message: string;
  /** One line printed as `hint: …` under the error. */
  hint?: string | undefined;
  /** Exit code; default the code's entry in {@link CLI_ERROR_CODES}. */
  exitCode?: number | undefined;
  cause?: unknown;
  details?: Record<string, unknown>;
}

/**
 * The one error of `@rlops/cli`: a stable code, a message, an optional hint, and the exit code
 * (default from {@link CLI_ERROR_CODES}). Printed as `rlops: <code>: <message>` (+ `hint: …`).
 * Check with `CliError.isInstance(e)`.
 */
export class CliError extends RlopsError<CliErrorCode> {
  static override readonly marker = RlopsError.markerFor("cli");
  static override readonly errorName = "CliError";
  declare readonly name: "CliError";
  /** The process exit code for this error. */
  readonly exitCode: number;
  /** The `hint:` line, if any. */
  readonly hint: string | undefined;

  constructor(options: CliErrorOptions) {
    const hint =
      options.hint ?? (typeof options.details?.hint === "string" ? options.details.hint : undefined);
    const exitCode =
      options.exitCode ??
      (typeof options.details?.exitCode === "number" ? options.details.exitCode : undefined) ??
      CLI_ERROR_CODES[options.code]?.exit ??
      EXIT.BAD_INPUT;
    super({
      code: options.code,
      message: options.message,
      cause: options.cause,
      details: { ...options.details, ...(hint === undefined ? {} : { hint }), exitCode },
    });
    this.exitCode = exitCode;
    this.hint = hint;
  }
}
