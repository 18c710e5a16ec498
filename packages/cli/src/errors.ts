import { RlopsError } from "@rlops/errors";

/** Stable codes of {@link CliError}. */
export type CliErrorCode =
  /** Input failed validation (a flag, a file's content). */
  | "INVALID_INPUT"
  /** The run directory given to `rlops report` does not exist or is not a directory. */
  | "RUN_NOT_FOUND"
  /** `rlops report` found no checkpoints and no metrics in the run directory. */
  | "NOTHING_FOUND"
  /** A file `rlops init` would write already exists (use `--force`). */
  | "FILE_EXISTS"
  /** A file could not be written. */
  | "WRITE_FAILED";

/** Base error of `@rlops/cli`; check with `CliError.isInstance(e)`. */
export class CliError extends RlopsError<CliErrorCode> {
  static override readonly marker = RlopsError.markerFor("cli");
}
