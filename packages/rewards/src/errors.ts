import { RlopsError } from "@rlops/errors";

/** Stable codes of {@link RewardsError}. */
export type RewardsErrorCode = "INVALID_INPUT";

/** Base error of `@rlops/rewards`; check with `RewardsError.isInstance(e)`. */
export class RewardsError extends RlopsError<RewardsErrorCode> {
  static override readonly marker = RlopsError.markerFor("rewards");
}
