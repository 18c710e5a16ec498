import type { BreakerConfigInput } from "../../src/config.js";
import type { MetricRecord, RestoreReport } from "../../src/monitor.js";

// Golden traces: the shapes of the recorded files and their JSON codec. Numbers JSON cannot hold
// (NaN, ±Infinity, -0) are written as {"$n": "NaN" | "Infinity" | "-Infinity" | "-0"}.

/** A thrown error as recorded. */
export interface TracedError {
  error: { code?: unknown; message: string };
}

/**
 * What observe answered: "ok" stands for the plain `continue` decision of that step, "latched" for
 * the same decision as the previous observe while tripped.
 */
export type ObserveOut = "ok" | "latched" | TracedError | Record<string, unknown>;

/** One recorded monitor operation and what the monitor answered. */
export type TraceOp =
  | { observe: MetricRecord; out: ObserveOut; tripped: boolean }
  /** save: the digest of the snapshot taken (see `snapshotDigest`). */
  | { save: string }
  | { restore: RestoreReport }
  /** reconfigure: the state restored into the config with every window this much smaller. */
  | { reconfigure: number; report: RestoreReport }
  | { rollback: { toStep: number; withSaved: boolean }; out: TracedError | { ok: null }; tripped: boolean }
  /** The digest of a periodic snapshot (every {@link SNAPSHOT_EVERY} operations). */
  | { snapshot: string };

/** One seeded config with its operation sequence and the final state (its snapshot without the config). */
export interface MonitorTrace {
  id: string;
  config: BreakerConfigInput;
  ops: TraceOp[];
  final: { snapshot: unknown; stats: unknown; ledger: unknown };
}

/** One seeded config and JSONL text with what `checkMetrics` returned (or threw). */
export interface CheckTrace {
  id: string;
  config: BreakerConfigInput;
  text: string;
  result: { decisions: unknown; state: unknown; stats: unknown; diagnostics: unknown } | TracedError;
}

/** A periodic snapshot is recorded after every this many operations. */
export const SNAPSHOT_EVERY = 5;

/** Seeds and counts of the recorded files (the generator and the replay agree on them). */
export const GOLDEN = {
  monitor: { file: "monitor.jsonl", seed: 20_261_202, traces: 200, minOps: 20, maxOps: 60 },
  check: { file: "check.jsonl", seed: 1_202_2026, traces: 150 },
} as const;

function replacer(_key: string, value: unknown): unknown {
  if (typeof value !== "number") return value;
  if (Number.isNaN(value)) return { $n: "NaN" };
  if (value === Number.POSITIVE_INFINITY) return { $n: "Infinity" };
  if (value === Number.NEGATIVE_INFINITY) return { $n: "-Infinity" };
  if (Object.is(value, -0)) return { $n: "-0" };
  return value;
}

const SPECIAL: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
  "-0": -0,
};

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const n = (value as { $n?: unknown }).$n;
    if (keys.length === 1 && typeof n === "string" && Object.hasOwn(SPECIAL, n)) return SPECIAL[n];
  }
  return value;
}

/** JSON text of `value`, non-finite numbers and -0 kept. */
export function encodeTrace(value: unknown): string {
  return JSON.stringify(value, replacer);
}

/** Parses {@link encodeTrace} text. */
export function decodeTrace<T>(text: string): T {
  return JSON.parse(text, reviver) as T;
}

/** `value` as a trace file holds it (undefined properties dropped): compare this with decoded traces. */
export function asTraced<T>(value: T): T {
  return decodeTrace(encodeTrace(value));
}

/** Runs `f`, returning its result or the error it threw as recorded. */
export function outcome<T>(f: () => T): { ok: T } | TracedError {
  try {
    return { ok: f() };
  } catch (error) {
    return { error: { code: (error as { code?: unknown }).code, message: (error as Error).message } };
  }
}
