import { RlopsError } from "@rlops/errors";

/** Stable codes of {@link RewardsError}. */
export type RewardsErrorCode =
  /** The spec text is not valid YAML/JSON. */
  | "SPEC_PARSE"
  /** The spec text is larger than the allowed size. */
  | "SPEC_TOO_LARGE"
  /** The spec nests deeper than `MAX_SPEC_DEPTH` (checked before the YAML parser runs). */
  | "SPEC_TOO_DEEP"
  /** The spec uses too many YAML aliases (alias bomb). */
  | "SPEC_ALIAS_LIMIT"
  /** The spec failed schema validation (path and problem in the message). */
  | "SPEC_INVALID"
  /** A reward names a kind that is not built in. */
  | "UNKNOWN_KIND"
  /** A sample handed to the scorer is malformed. */
  | "INVALID_SAMPLE"
  /** A reward function failed on a sample and its `onError` is `fail`. */
  | "REWARD_FAILED"
  /** A reward function exceeded its `timeoutMs` and its `onError` is `fail`. */
  | "REWARD_TIMEOUT"
  /** The batch cannot be split into groups (size mismatch, mixed grouping). */
  | "GROUP_INVALID"
  /** A JSONL line could not be parsed. */
  | "JSONL_INVALID"
  /** An input (line, body) exceeded its size bound. */
  | "INPUT_TOO_LARGE"
  /** Invalid options passed to an API function. */
  | "INVALID_OPTIONS";

/** Base error of `@rlops/rewards`; check with `RewardsError.isInstance(e)`. */
export class RewardsError extends RlopsError<RewardsErrorCode> {
  static override readonly marker = RlopsError.markerFor("rewards");
}
