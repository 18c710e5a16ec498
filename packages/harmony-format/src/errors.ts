import { RlopsError } from "@rlops/errors";

/** Stable codes of {@link HarmonyError}. */
export type HarmonyErrorCode = "INVALID_INPUT";

/** Base error of `@rlops/harmony-format`; check with `HarmonyError.isInstance(e)`. */
export class HarmonyError extends RlopsError<HarmonyErrorCode> {
  static override readonly marker = RlopsError.markerFor("harmony-format");
}
