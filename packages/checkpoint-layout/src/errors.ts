import { RlopsError } from "@rlops/errors";

/** Stable codes of {@link CheckpointError}. */
export type CheckpointErrorCode = "INVALID_INPUT";

/** Base error of `@rlops/checkpoint-layout`; check with `CheckpointError.isInstance(e)`. */
export class CheckpointError extends RlopsError<CheckpointErrorCode> {
  static override readonly marker = RlopsError.markerFor("checkpoint-layout");
}
