import { batchResult } from "./batch.js";
import { RewardsError } from "./errors.js";
import type { PreferencePair } from "./group.js";
import { KINDS } from "./kinds/index.js";
import type { KindContext, KindResult } from "./kinds/types.js";
import { parseOptions, scoreOptionsSchema } from "./limits.js";
import { type Diagnostic, normalizeSample, type Sample } from "./sample.js";
import { loadRewardSpec, type RewardEntry, type RewardSpec } from "./spec.js";

/** Result of one sample. `null` = not applicable / unscorable (NaN in TRL). */
export interface ScoredSample {
  id?: string | number;
  /** Aggregated reward (after transform and clip); `null` when every weighted reward is `null`. */
  reward: number | null;
  /** Value of every reward (including weight-0 metrics), by id. */
  components: Record<string, number | null>;
  /** Sub-scores of rewards that have them, as `<id>.<name>`. */
  breakdown: Record<string, number>;
  diagnostics: Diagnostic[];
  /** Advantage (when the spec has a `group` block). */
  advantage?: number;
  /** Whether the sample's group passed the DAPO filter (when the spec has `group.filter`). */
  kept?: boolean;
  /** Index of the sample's group in `groups`. */
  group?: number;
}

/** Statistics of one group, with NaN written as `null`. */
export interface ScoredGroupStats {
  count: number;
  valid: number;
  mean: number | null;
  std: number | null;
  zeroStd: boolean;
}

/** Result of one group. */
export interface ScoredGroup {
  /** The `group` field value, or the chunk index when grouping by size. */
  key: string | number;
  /** Indices of the group's samples in the input batch. */
  members: number[];
  advantages: number[];
  kept: boolean;
  stats: ScoredGroupStats;
  /** Best/worst pair (indices into `members`) when `group.pairs` is on. */
  pair?: PreferencePair | null;
}

/**
 * Batch-level metrics (TRL names and formulas of `GRPOTrainer._generate_and_score_completions`): all
 * over the whole batch passed to {@link Scorer.score}, which is one optimizer batch.
 */
export interface ScoreMetrics {
  /** NaN-aware mean of the rewards. */
  reward: number | null;
  /** NaN-aware Bessel std of the rewards. */
  reward_std: number | null;
  /** See {@link fracRewardZeroStd}; `null` without group statistics. */
  frac_reward_zero_std: number | null;
  /** Per reward: nan-aware mean/std over the samples where it applies. */
  rewards: Record<string, { mean: number | null; std: number | null }>;
}

/** Output of {@link Scorer.score}. Same input → same output. */
export interface ScoreResult {
  samples: ScoredSample[];
  groups: ScoredGroup[];
  metrics: ScoreMetrics;
}

/** Per-call options of {@link Scorer.score}. */
export interface ScoreOptions {
  /** Overrides `group.size` (consecutive samples per group). */
  groupSize?: number;
  /** `false` skips group statistics even when the spec has a `group` block. */
  groups?: boolean;
}

/** A compiled reward spec. */
export interface Scorer {
  readonly spec: RewardSpec;
  /** Scores a batch (TRL calling shape: batch-level; `null` = not applicable). */
  score(samples: readonly unknown[], options?: ScoreOptions): ScoreResult;
  /** Async form of {@link Scorer.score} (same result), for callers that await reward functions. */
  scoreAsync(samples: readonly unknown[], options?: ScoreOptions): Promise<ScoreResult>;
}

type Evaluator = (samples: readonly Sample[], ctx: KindContext) => KindResult[];

interface Compiled {
  entry: RewardEntry;
  evaluate: Evaluator;
  batch: boolean;
  /** `<id>.<name>` breakdown keys by name, built once (not one string per sample). */
  keys: Map<string, string>;
}

function breakdownKey(c: Compiled, name: string): string {
  let key = c.keys.get(name);
  if (key === undefined) {
    key = `${c.entry.id}.${name}`;
    c.keys.set(name, key);
  }
  return key;
}

/** Kinds whose value depends on the other samples of the batch (they must see the whole batch). */
export const BATCH_KINDS: ReadonlySet<string> = new Set(["length.kimi", "open_r1.len_reward"]);

function asList(v: string | string[] | undefined): string[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

function applies(entry: RewardEntry, s: Sample): boolean {
  const a = entry.appliesTo;
  if (!a) return true;
  const ds = asList(a.dataSource);
  if (ds && !(typeof s.dataSource === "string" && ds.includes(s.dataSource))) return false;
  const task = asList(a.task);
  if (task && !(typeof s.task === "string" && task.includes(s.task))) return false;
  if (a.fields) {
    for (const [field, want] of Object.entries(a.fields)) {
      const list = Array.isArray(want) ? want : [want];
      if (!list.includes(s[field] as never)) return false;
    }
  }
  return true;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" ? code : "REWARD_FAILED";
}

function nullable(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}

/**
 * Compiles a reward spec (text, object or an already loaded spec) into a {@link Scorer}.
 * Throws the same errors as {@link loadRewardSpec}.
 */
export function createScorer(specInput: string | unknown): Scorer {
  const spec = loadRewardSpec(specInput);
  const compiled: Compiled[] = spec.rewards.map((entry) => ({
    entry,
    evaluate: KINDS.get(entry.kind)!.create(entry.params as never),
    batch: BATCH_KINDS.has(entry.kind),
    keys: new Map(),
  }));

  function evaluateEntry(
    c: Compiled,
    subset: Sample[],
    idx: number[],
    values: Map<string, (number | null)[]>,
  ): KindResult[] {
    const subValues = new Map<string, (number | null)[]>();
    for (const [k, v] of values)
      subValues.set(
        k,
        idx.map((i) => v[i]!),
      );
    const ctx: KindContext = { values: subValues, rewardId: c.entry.id };
    const timeout = c.entry.timeoutMs;
    if (timeout === undefined) return c.evaluate(subset, ctx);
    if (c.batch) {
      const t0 = now();
      const r = c.evaluate(subset, ctx);
      if (now() - t0 > timeout * Math.max(1, subset.length))
        return r.map(() => ({ value: null, error: timeoutError(c, timeout) }));
      return r;
    }
    return subset.map((s, k) => {
      const one = new Map<string, (number | null)[]>();
      for (const [key, v] of subValues) one.set(key, [v[k]!]);
      const t0 = now();
      const r = c.evaluate([s], { values: one, rewardId: c.entry.id })[0]!;
      return now() - t0 > timeout ? { value: null, error: timeoutError(c, timeout) } : r;
    });
  }

  function score(rawSamples: readonly unknown[], rawOptions: ScoreOptions = {}): ScoreResult {
    // Numbers first: a bad groupSize must fail before any work (groupSize -1 used to loop forever).
    const options: ScoreOptions = parseOptions(scoreOptionsSchema, rawOptions, "score options");
    if (!Array.isArray(rawSamples))
      throw new RewardsError({ code: "INVALID_SAMPLE", message: "samples: expected an array" });
    const samples = rawSamples.map((s, i) => normalizeSample(s, i));
    const n = samples.length;
    // object literals (one shape each), not a spread: this runs for every sample
    const out: ScoredSample[] = samples.map((s) =>
      s.id !== undefined
        ? { id: s.id, reward: null, components: {}, breakdown: {}, diagnostics: [] }
        : { reward: null, components: {}, breakdown: {}, diagnostics: [] },
    );
    const values = new Map<string, (number | null)[]>();
    for (const c of compiled) {
      const col = new Array<number | null>(n).fill(null);
      const idx: number[] = [];
      for (let i = 0; i < n; i++) if (applies(c.entry, samples[i]!)) idx.push(i);
      const results =
        idx.length > 0
          ? evaluateEntry(
              c,
              idx.map((i) => samples[i]!),
              idx,
              values,
            )
          : [];
      for (let k = 0; k < results.length; k++) {
        const r = results[k]!;
        const i = idx[k]!;
        const o = out[i]!;
        let value = r.value;
        if (r.error !== undefined) {
          const timedOut = (r.error as { code?: string })?.code === "REWARD_TIMEOUT";
          const message = `rewards["${c.entry.id}"] (${c.entry.kind}) on samples[${i}]: ${(r.error as Error)?.message ?? String(r.error)}`;
          if (c.entry.onError === "fail")
            throw new RewardsError({
              code: timedOut ? "REWARD_TIMEOUT" : "REWARD_FAILED",
              message,
              cause: r.error,
              details: { reward: c.entry.id, sample: i, reason: errorCode(r.error) },
            });
          value = c.entry.onError;
          o.diagnostics.push({
            code: timedOut ? "REWARD_TIMEOUT" : errorCode(r.error),
            message,
            reward: c.entry.id,
          });
        }
        if (value !== null && !Number.isFinite(value)) value = null;
        col[i] = value;
        if (r.breakdown)
          for (const name in r.breakdown) o.breakdown[breakdownKey(c, name)] = r.breakdown[name]!;
        if (r.diagnostics) for (const d of r.diagnostics) o.diagnostics.push({ ...d, reward: c.entry.id });
      }
      values.set(c.entry.id, col);
      for (let i = 0; i < n; i++) out[i]!.components[c.entry.id] = col[i]!;
    }

    const weighted = compiled.filter((c) => c.entry.weight !== 0);
    const rewards = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      let wsum = 0;
      let any = false;
      for (const c of weighted) {
        const v = values.get(c.entry.id)![i];
        if (v === null || v === undefined) continue;
        any = true;
        sum += c.entry.weight * v;
        wsum += Math.abs(c.entry.weight);
      }
      let r = any ? (spec.aggregation === "mean" ? sum / wsum : sum) : Number.NaN;
      if (spec.stopProperly && !Number.isNaN(r) && isTruncated(samples[i]!)) {
        const coef = spec.stopProperly.coef;
        r = coef >= 0 ? r * coef : coef;
      }
      if (spec.transform) r = (r + spec.transform.bias) * spec.transform.scale;
      if (spec.clip) {
        if (spec.clip.min !== undefined && r < spec.clip.min) r = spec.clip.min;
        if (spec.clip.max !== undefined && r > spec.clip.max) r = spec.clip.max;
      }
      rewards[i] = r;
      out[i]!.reward = nullable(r);
    }

    return batchResult(
      spec,
      out,
      samples.map((sm) => sm.group),
      options,
    );
  }

  return {
    spec,
    score,
    scoreAsync: async (samples, options) => score(samples, options),
  };
}

function isTruncated(s: Sample): boolean {
  return s.truncated === true || s.finishReason === "length" || s.finish_reason === "length";
}

function timeoutError(_c: Compiled, timeout: number): Error & { code: string } {
  return Object.assign(new Error(`exceeded timeoutMs ${timeout}`), { code: "REWARD_TIMEOUT" });
}
