import { RlopsError } from "@rlops/errors";

/**
 * Stable codes of {@link RunError}.
 *
 * - `PATH_NOT_FOUND` — the run folder given to `buildReport` does not exist.
 * - `NOT_A_DIRECTORY` — the path given to `buildReport` is a file, not a run folder.
 */
export type RunErrorCode = "PATH_NOT_FOUND" | "NOT_A_DIRECTORY";

/** Base error of `@rlops/run`; check with `RunError.isInstance(e)`. `details.hint` says what to do. */
export class RunError extends RlopsError<RunErrorCode> {
  static override readonly marker = RlopsError.markerFor("run");
}
