import { RlopsError } from "@rlops/errors";

/** Stable codes of {@link ArcError}. */
export type ArcErrorCode = "INVALID_INPUT";

/** Base error of `@rlops/arc-eval`; check with `ArcError.isInstance(e)`. */
export class ArcError extends RlopsError<ArcErrorCode> {
  static override readonly marker = RlopsError.markerFor("arc-eval");
}
