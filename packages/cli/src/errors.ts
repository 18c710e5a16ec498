import { RlopsError } from "@rlops/errors";

/** Stable codes of {@link CliError}. */
export type CliErrorCode = "INVALID_INPUT";

/** Base error of `@rlops/cli`; check with `CliError.isInstance(e)`. */
export class CliError extends RlopsError<CliErrorCode> {
  static override readonly marker = RlopsError.markerFor("cli");
}
