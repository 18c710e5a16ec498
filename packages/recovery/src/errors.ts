import { RlopsError } from "@rlops/errors";

/** Stable codes of {@link RecoveryError}. */
export type RecoveryErrorCode = "INVALID_INPUT";

/** Base error of `@rlops/recovery`; check with `RecoveryError.isInstance(e)`. */
export class RecoveryError extends RlopsError<RecoveryErrorCode> {
  static override readonly marker = RlopsError.markerFor("recovery");
}
