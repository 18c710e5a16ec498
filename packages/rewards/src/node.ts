import { readFileSync, statSync } from "node:fs";
import { RewardsError } from "./errors.js";
import { loadRewardSpec, MAX_SPEC_BYTES, type RewardSpec } from "./spec.js";

export type { JsonlResult, ScoreJsonlOptions } from "./jsonl.js";
/** The JSONL bridge: one optimizer batch at a time, with a batch summary. */
export {
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_MAX_BATCH_RECORDS,
  scoreJsonl,
  scoreJsonlOptionsSchema,
} from "./jsonl.js";
export type { Line } from "./lines.js";
/** Byte-level JSONL line splitting with a bound on line length. */
export { readLines } from "./lines.js";
export type {
  RequestLogEntry,
  RequestLogSink,
  RewardServer,
  RewardServerLimits,
  RewardServerLimitsInput,
  RewardServerOptions,
} from "./server/index.js";
export {
  /** The reward HTTP server (OpenRLHF, slime and native routes; worker-thread scoring). */
  createRewardServer,
  /** Default port of the reward server (8377; 8000 is vLLM's). */
  DEFAULT_PORT,
  /** The request log line format. */
  formatLogLine,
  openRlhfResponse,
  openRlhfSamples,
  /** Fields `/reward` scores that `metadata` may not carry. */
  REWARD_SCORED_FIELDS,
  /** Zod schema of the server options (every number bounded). */
  rewardServerOptionsSchema,
  SERVER_PROTOCOL,
  SERVER_VERSION,
} from "./server/index.js";

/**
 * Reads and validates a reward spec file (YAML or JSON). Refuses files over {@link MAX_SPEC_BYTES}
 * before reading them (`SPEC_TOO_LARGE`); other errors as {@link loadRewardSpec}, plus `INVALID_OPTIONS`
 * when the file cannot be read.
 */
export function loadRewardSpecFile(path: string): RewardSpec {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile())
      throw new RewardsError({
        code: "INVALID_OPTIONS",
        message: `reward spec ${path} is ${stat.isDirectory() ? "a directory" : "not a regular file"}; pass the spec file (YAML or JSON)`,
        details: { path },
        // the errno a read would give, so callers can tell a file/folder mix-up from bad content
        cause: Object.assign(new Error(`${path}: not a file`), {
          code: stat.isDirectory() ? "EISDIR" : "EINVAL",
          path,
        }),
      });
    size = stat.size;
  } catch (cause) {
    if (RewardsError.isInstance(cause)) throw cause;
    throw new RewardsError({
      code: "INVALID_OPTIONS",
      message: `cannot read reward spec ${path}: ${(cause as Error).message}`,
      details: { path },
      cause,
    });
  }
  if (size > MAX_SPEC_BYTES)
    throw new RewardsError({
      code: "SPEC_TOO_LARGE",
      message: `reward spec ${path} is ${size} bytes; the limit is ${MAX_SPEC_BYTES}`,
      details: { path, bytes: size },
    });
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new RewardsError({
      code: "INVALID_OPTIONS",
      message: `cannot read reward spec ${path}: ${(cause as Error).message}`,
      details: { path },
      cause,
    });
  }
  try {
    return loadRewardSpec(text);
  } catch (error) {
    if (RewardsError.isInstance(error))
      throw new RewardsError({
        code: error.code,
        message: `${path}: ${error.message}`,
        cause: error,
        details: { ...error.details, file: path },
      });
    throw error;
  }
}
