import { availableParallelism } from "node:os";
import * as z from "zod";
import { groupSizeSchema, parseOptions } from "../limits.js";
import { DEFAULT_PORT } from "./version.js";

const MiB = 1024 * 1024;

const int = (min: number, max: number) =>
  z
    .number({ error: "expected a number" })
    .int("expected an integer")
    .min(min, `expected at least ${min}`)
    .max(max, `expected at most ${max}`);

/** One line per request (`line`) and its fields (`entry`). */
export type RequestLogSink = (line: string, entry: RequestLogEntry) => void;

/** Fields of a request log line. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  samples: number;
  ms: number;
  code?: string;
}

/**
 * Options of `createRewardServer` (besides `spec`), with their defaults. Every number is bounded; the
 * same schema validates the library call and the `rlops rewards serve` flags.
 */
export const rewardServerOptionsSchema = z.strictObject({
  /** Interface to bind (default `127.0.0.1`, loopback only). */
  host: z.string().min(1).default("127.0.0.1"),
  /** Port (default {@link DEFAULT_PORT}; 0 = any free port). */
  port: int(0, 65_535).default(DEFAULT_PORT),
  /** Largest request body (default 32 MiB) → 413 `BODY_TOO_LARGE`, also for chunked bodies. */
  maxBodyBytes: int(1, 1024 * MiB).default(32 * MiB),
  /** Bytes of request bodies held at once over all requests (default 512 MiB) → 503 `OVERLOADED`. */
  maxBufferedBytes: int(1, 16 * 1024 * MiB).default(512 * MiB),
  /** Requests admitted at once (reading, queued or scoring; default 64) → 503 `OVERLOADED`. */
  maxConcurrency: int(1, 65_536).default(64),
  /** Most samples in one request (default 65,536) → 413 `INPUT_TOO_LARGE`. */
  maxSamples: int(1, 16_777_216).default(65_536),
  /** Time to receive the request headers (default 30 s) → 408 `HEADERS_TIMEOUT`. */
  headersTimeoutMs: int(1, 3_600_000).default(30_000),
  /** Time to receive the request body (default 30 s) → 408 `REQUEST_TIMEOUT`. */
  bodyTimeoutMs: int(1, 3_600_000).default(30_000),
  /** @deprecated Alias of `bodyTimeoutMs`. */
  requestTimeoutMs: int(1, 3_600_000).optional(),
  /** Slowest accepted body upload after `bodyGraceMs` (default 64 KiB/s; 0 = off) → 408 `BODY_TOO_SLOW`. */
  minBodyBytesPerSecond: int(0, 1024 * MiB).default(64 * 1024),
  /** Time before the minimum rate applies (default 5 s). */
  bodyGraceMs: int(0, 3_600_000).default(5_000),
  /** Idle keep-alive connections are closed after this (default 5 s). */
  keepAliveTimeoutMs: int(1, 3_600_000).default(5_000),
  /** Scoring threads (default one per core; 0 = score on the server's thread). */
  workers: int(0, 1024).default(() => availableParallelism()),
  /** Bodies smaller than this are scored on the server's thread (default 64 KiB). */
  inlineBelowBytes: int(0, 1024 * MiB).default(64 * 1024),
  /** Default group size of `/score`. */
  groupSize: groupSizeSchema.optional(),
  /** Request log: `true` (default) = one line per request on stderr, `false` = none, or a sink. */
  log: z.union([z.boolean(), z.custom<RequestLogSink>((v) => typeof v === "function")]).default(true),
});

/** Options accepted by `createRewardServer` (besides `spec`). */
export type RewardServerLimitsInput = z.input<typeof rewardServerOptionsSchema>;
/** Options with defaults applied. */
export type RewardServerLimits = z.output<typeof rewardServerOptionsSchema>;

/** Validates server options (`INVALID_OPTIONS` naming the field) and applies the defaults. */
export function resolveServerOptions(options: RewardServerLimitsInput): RewardServerLimits {
  const resolved = parseOptions(rewardServerOptionsSchema, options, "reward server options");
  if (resolved.requestTimeoutMs !== undefined && options.bodyTimeoutMs === undefined)
    resolved.bodyTimeoutMs = resolved.requestTimeoutMs;
  return resolved;
}
