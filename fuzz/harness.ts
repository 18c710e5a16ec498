/**
 * The fuzz harness: a registry of targets (one parser each), a bounded fast-check run per target
 * with a fixed seed, and a time-per-MB check over large hostile inputs.
 *
 * A target fails when
 * - it throws anything but an rlops error subclass with a stable code (`contract: "typed"`), or
 *   throws at all (`contract: "never-throws"`), or its own `check` rejects the result;
 * - one of its large inputs takes more than {@link SLOWDOWN_LIMIT}× the median time per MB of the
 *   target's baseline inputs (typical valid documents of the same size, read to the end; the median
 *   of all inputs would be that of inputs rejected at their first byte), and more than
 *   {@link SLOW_FLOOR_MS} in absolute terms, so timer noise on fast inputs cannot fail the run.
 */

import fc from "fast-check";
import { RlopsError } from "../packages/errors/src/index.js";

/** What a target promises about throwing. */
type Contract = "typed" | "never-throws";

/** One large input for the time-per-MB check. */
export interface LargeInput<T> {
  label: string;
  input: T;
  /** A typical valid input the parser reads to the end: the median is taken over these. */
  baseline?: boolean;
}

/** A parser under fuzz. */
export interface Target<T> {
  /** Unique name, e.g. `rewards/loadRewardSpec`. */
  name: string;
  /** Package group the time budget is shared by. */
  group: string;
  contract: Contract;
  /** Small inputs: random and structured hostile ones. */
  arbitrary: fc.Arbitrary<T>;
  /** Runs the parser; returns a {@link Broken} when the result breaks a promise (anything else is fine). */
  run(input: T): unknown;
  /** Large inputs (≈ 0.25–1 MB each) for the time-per-MB check. */
  large(): LargeInput<T>[];
  /** Size of an input in bytes (for time per MB). */
  size(input: T): number;
}

/** What a target's `run` returns when the parser returned but broke a promise (e.g. lost data). */
export class Broken {
  constructor(readonly why: string) {}
}

/** A target whose input type is erased (the registry holds many input types). */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds targets of different input types
export type AnyTarget = Target<any>;

/** Error codes are SCREAMING_SNAKE_CASE literals. */
const STABLE_CODE = /^[A-Z][A-Z0-9_]*$/;

/** A large input may be this many times slower per MB than the target's median. */
const SLOWDOWN_LIMIT = 10;
/** …and must also take longer than this (ms) to count as slow. */
const SLOW_FLOOR_MS = 50;

/** Why `error` breaks the target's contract, or null when it is an allowed typed error. */
function contractBreach(contract: Contract, error: unknown): string | null {
  if (contract === "never-throws") return `threw although it promises never to: ${describe(error)}`;
  if (!RlopsError.isInstance(error)) return `untyped throw: ${describe(error)}`;
  const e = error as RlopsError;
  if (e.name === "RlopsError")
    return `threw the RlopsError base class, not a package subclass: ${describe(e)}`;
  if (typeof e.code !== "string" || !STABLE_CODE.test(e.code))
    return `rlops error without a stable code (${String(e.code)}): ${describe(e)}`;
  return null;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.slice(0, 300)}`;
  return `${typeof error} ${String(error).slice(0, 300)}`;
}

/** Runs one input through a target: the breach text, or null when it kept its promises. */
async function probe<T>(target: Target<T>, input: T): Promise<string | null> {
  try {
    const result = await target.run(input);
    return result instanceof Broken ? result.why : null;
  } catch (error) {
    return contractBreach(target.contract, error);
  }
}

/** Result of one target's run. */
export interface TargetReport {
  name: string;
  runs: number;
  ms: number;
  interrupted: boolean;
  failures: string[];
  /** Time per MB of each large input (ms/MB), and the median. */
  perMb: Array<{ label: string; msPerMb: number; ms: number; baseline: boolean }>;
  medianMsPerMb: number;
}

/** Shortens an input for printing (a counterexample can be megabytes). */
function preview(input: unknown): string {
  const text =
    input instanceof Uint8Array
      ? `bytes(${input.length}) ${Buffer.from(input.subarray(0, 96)).toString("hex")}`
      : typeof input === "string"
        ? JSON.stringify(input.length > 300 ? `${input.slice(0, 300)}…(${input.length} chars)` : input)
        : fc.stringify(input).slice(0, 400);
  return text;
}

/** Options of {@link runTarget}. */
export interface RunOptions {
  runs: number;
  budgetMs: number;
  seed: number;
}

/** Fuzzes one target (bounded by `runs` and `budgetMs`), then times its large inputs. */
export async function runTarget<T>(target: Target<T>, options: RunOptions): Promise<TargetReport> {
  const failures: string[] = [];
  const started = performance.now();
  let runs = 0;
  let firstBreach: string | null = null;
  const details = await fc.check(
    fc.asyncProperty(target.arbitrary, async (input) => {
      runs++;
      const breach = await probe(target, input);
      if (breach !== null) firstBreach ??= breach;
      return breach === null;
    }),
    {
      numRuns: options.runs,
      seed: options.seed,
      interruptAfterTimeLimit: options.budgetMs,
      markInterruptAsFailure: false,
      endOnFailure: false,
      maxSkipsPerRun: 0,
    },
  );
  if (details.failed) {
    const counterexample = details.counterexample?.[0];
    const breach = counterexample === undefined ? firstBreach : await probe(target, counterexample);
    failures.push(
      `${breach ?? firstBreach}\n    input (shrunk): ${preview(counterexample)}\n    replay: seed ${details.seed}, path "${details.counterexamplePath}"`,
    );
  }
  const ms = performance.now() - started;
  let perMb = await timeLarge(target, failures);
  let medianMsPerMb = baselineMedian(perMb, failures);
  const isSlow = (p: TargetReport["perMb"][number]): boolean =>
    p.msPerMb > SLOWDOWN_LIMIT * medianMsPerMb && p.ms > SLOW_FLOOR_MS;
  if (perMb.some(isSlow)) {
    // Other load on the machine can slow one input: time the slow ones and the baselines again,
    // back to back, and keep each input's best.
    const again = new Set(perMb.filter((p) => isSlow(p) || p.baseline).map((p) => p.label));
    const second = new Map((await timeLarge(target, [], again)).map((p) => [p.label, p]));
    perMb = perMb.map((p) => {
      const q = second.get(p.label);
      return q !== undefined && q.ms < p.ms ? q : p;
    });
    medianMsPerMb = baselineMedian(perMb, []);
  }
  for (const p of perMb.filter(isSlow))
    failures.push(
      `slow input "${p.label}": ${p.msPerMb.toFixed(1)} ms/MB, ${(p.msPerMb / medianMsPerMb).toFixed(1)}× the median ${medianMsPerMb.toFixed(1)} ms/MB (limit ${SLOWDOWN_LIMIT}×)`,
    );
  return { name: target.name, runs, ms, interrupted: details.interrupted, failures, perMb, medianMsPerMb };
}

/** Median time per MB of the baseline inputs. */
function baselineMedian(perMb: TargetReport["perMb"], failures: string[]): number {
  const base = perMb.filter((p) => p.baseline);
  if (base.length === 0 && perMb.length > 0) failures.push("no baseline large input (harness error)");
  const sorted = base.map((p) => p.msPerMb).sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

/** Timed runs per large input (the minimum is kept: it filters GC pauses and other load). */
const SAMPLES = 5;
/** Stop sampling an input after this much time spent on it (ms). */
const SAMPLE_BUDGET_MS = 3000;

/** Best of up to {@link SAMPLES} timed runs of each large input (or those in `only`), after a GC when `--expose-gc` is on. */
async function timeLarge<T>(
  target: Target<T>,
  failures: string[],
  only?: ReadonlySet<string>,
): Promise<TargetReport["perMb"]> {
  const out: TargetReport["perMb"] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  for (const { label, input, baseline = false } of target.large()) {
    if (only !== undefined && !only.has(label)) continue;
    let best = Number.POSITIVE_INFINITY;
    let spent = 0;
    gc?.();
    for (let i = 0; i < SAMPLES && spent < SAMPLE_BUDGET_MS; i++) {
      const t0 = performance.now();
      const breach = await probe(target, input);
      const t = performance.now() - t0;
      spent += t;
      if (breach !== null) {
        failures.push(`${breach}\n    large input "${label}" (${target.size(input)} bytes)`);
        break;
      }
      best = Math.min(best, t);
    }
    if (Number.isFinite(best))
      out.push({ label, ms: best, msPerMb: best / (target.size(input) / 2 ** 20), baseline });
  }
  return out;
}

/** A target over text: the group is the name's prefix (`group/parser`), the size its UTF-8 length. */
export function textTarget(
  name: string,
  arbitrary: fc.Arbitrary<string>,
  run: (text: string) => unknown,
  large: () => LargeInput<string>[],
  contract: Contract = "typed",
): AnyTarget {
  const group = name.slice(0, name.indexOf("/"));
  return { name, group, contract, arbitrary, run, large, size: (text: string) => Buffer.byteLength(text) };
}

/** A target over bytes (see {@link textTarget}). */
export function bytesTarget(
  name: string,
  arbitrary: fc.Arbitrary<Uint8Array>,
  run: (bytes: Uint8Array) => unknown,
  large: () => LargeInput<Uint8Array>[],
): AnyTarget {
  const group = name.slice(0, name.indexOf("/"));
  return { name, group, contract: "typed", arbitrary, run, large, size: (bytes: Uint8Array) => bytes.length };
}
