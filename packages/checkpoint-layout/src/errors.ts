import { RlopsError } from "@rlops/errors";

/**
 * Stable codes of {@link CheckpointError}.
 *
 * - `INVALID_INPUT` — an argument (option, policy, plan) failed validation.
 * - `NOT_FOUND` — the directory or file does not exist in the storage.
 * - `LAYOUT_UNKNOWN` — no known checkpoint layout was recognised in the directory.
 * - `JSON_INVALID` — a metadata file is not (lenient) JSON.
 * - `METADATA_INVALID` — a metadata file parsed but does not match its schema.
 * - `STORAGE_ERROR` — the storage adapter failed (I/O error, permission, unsupported operation).
 * - `PLAN_CHANGED` — a retention plan given to apply no longer matches the run (re-plan).
 * - `KEPT_SET_INVALID` — a checkpoint a retention plan keeps for safety is gone or no longer qualifies;
 *   deletion stopped.
 * - `PICKLE_INVALID` — a pickle (or the torch zip holding it) is malformed or truncated.
 * - `PICKLE_UNSUPPORTED` — a pickle uses an opcode the safe reader does not implement.
 * - `PICKLE_LIMIT` — a pickle exceeds the reader's size, depth or item bounds.
 */
export type CheckpointErrorCode =
  | "INVALID_INPUT"
  | "NOT_FOUND"
  | "LAYOUT_UNKNOWN"
  | "JSON_INVALID"
  | "METADATA_INVALID"
  | "STORAGE_ERROR"
  | "PLAN_CHANGED"
  | "KEPT_SET_INVALID"
  | "PICKLE_INVALID"
  | "PICKLE_UNSUPPORTED"
  | "PICKLE_LIMIT";

/** Base error of `@rlops/checkpoint-layout`; check with `CheckpointError.isInstance(e)`. */
export class CheckpointError extends RlopsError<CheckpointErrorCode> {
  static override readonly marker = RlopsError.markerFor("checkpoint-layout");
}
