import { RlopsError } from "@rlops/errors";

/** Stable codes of {@link ArcError}. */
export type ArcErrorCode =
  | "INVALID_JSON"
  | "INVALID_TASK"
  | "INVALID_GRID"
  | "INVALID_SOLUTIONS"
  | "INVALID_SUBMISSION"
  | "INVALID_RESPONSE_LOG"
  | "INVALID_OPTIONS"
  | "UNKNOWN_TASK"
  | "FILE_READ_FAILED"
  | "HARMONY_RENDER_FAILED";

/** Base error of `@rlops/arc-eval`; check with `ArcError.isInstance(e)`. */
export class ArcError extends RlopsError<ArcErrorCode> {
  static override readonly marker = RlopsError.markerFor("arc-eval");
}
