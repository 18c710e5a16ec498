import { RlopsError } from "@rlops/errors";

/**
 * Stable codes of {@link RecoveryError}.
 *
 * - `INVALID_INPUT` — an argument failed validation.
 * - `INVALID_CONFIG` — a breaker config (YAML/JSON) failed to parse or validate.
 * - `INVALID_STATE` — a monitor snapshot is not valid JSON state or has an unknown version.
 * - `INVALID_RECORD` — a metric record (or a line of a metric file) is malformed.
 * - `MISSING_METRIC` — a rule with `missing: "error"` saw a record without its metric.
 * - `OUT_OF_ORDER` — a step arrived out of order (or duplicated) while the policy is `"error"`.
 * - `SOURCE_ERROR` — a metric source (file, directory) cannot be read.
 * - `CRC_MISMATCH` — a TensorBoard events file has a record whose masked CRC-32C does not match
 *   (corruption before the end of the file; a torn last record is not an error).
 * - `METRIC_NEVER_SEEN` — a rule, early-stopping entry, goal or best entry reads a metric that no
 *   observed record holds (a typo such as `rewards` for `reward`); `details.seen` lists the names seen.
 * - `NO_RECORDS` — a replay observed no record at all (nothing to decide on).
 * - `MULTIPLE_RUNS` — a folder holds several run roots; pass one of them (`details.runs`).
 * - `CONFIG_TOO_DEEP` — a breaker config nests deeper than the documented bound (checked before parsing).
 * - `INVALID_COMMAND` — an original command line cannot be parsed safely.
 * - `UNKNOWN_TRAINER` — no resume-command builder for the given trainer.
 * - `NO_CHECKPOINT` — no complete, resumable checkpoint before the requested step.
 * - `UNSAFE_PATH` — a path escapes the run root, is a symlink pointing outside, or lies inside the source.
 * - `TARGET_EXISTS` — the recovery folder already exists.
 * - `VERIFY_FAILED` — the built recovery folder does not match its source.
 * - `SETUP_FAILED` — a file-system operation of `setupRecovery` failed.
 */
export type RecoveryErrorCode =
  | "INVALID_INPUT"
  | "INVALID_CONFIG"
  | "INVALID_STATE"
  | "INVALID_RECORD"
  | "MISSING_METRIC"
  | "OUT_OF_ORDER"
  | "SOURCE_ERROR"
  | "CRC_MISMATCH"
  | "METRIC_NEVER_SEEN"
  | "NO_RECORDS"
  | "MULTIPLE_RUNS"
  | "CONFIG_TOO_DEEP"
  | "INVALID_COMMAND"
  | "UNKNOWN_TRAINER"
  | "NO_CHECKPOINT"
  | "UNSAFE_PATH"
  | "TARGET_EXISTS"
  | "VERIFY_FAILED"
  | "SETUP_FAILED";

/** Base error of `@rlops/recovery`; check with `RecoveryError.isInstance(e)`. */
export class RecoveryError extends RlopsError<RecoveryErrorCode> {
  static override readonly marker = RlopsError.markerFor("recovery");
}
