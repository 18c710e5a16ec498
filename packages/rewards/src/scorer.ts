import { RewardsError } from "./errors.js";
import {
  computeAdvantages,
  filterGroups,
  fracRewardZeroStd,
  groupStats,
  nanMean,
  nanStd,
  normalizeThenSum,
  type PreferencePair,
  preferencePair,
} from "./group.js";
import { KINDS } from "./kinds/index.js";
import type { KindContext, KindResult } from "./kinds/types.js";
import { type Diagnostic, normalizeSample, type Sample } from "./sample.js";
import { type GroupConfig, groupSchema, loadRewardSpec, type RewardEntry, type RewardSpec } from "./spec.js";

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
}

const BATCH_KINDS = new Set(["length.kimi", "open_r1.len_reward"]);

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

  function score(rawSamples: readonly unknown[], options: ScoreOptions = {}): ScoreResult {
    if (!Array.isArray(rawSamples))
      throw new RewardsError({ code: "INVALID_SAMPLE", message: "samples: expected an array" });
    const samples = rawSamples.map((s, i) => normalizeSample(s, i));
    const n = samples.length;
    const out: ScoredSample[] = samples.map((s) => ({
      ...(s.id !== undefined ? { id: s.id } : {}),
      reward: null,
      components: {},
      breakdown: {},
      diagnostics: [],
    }));
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
      results.forEach((r, k) => {
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
          for (const [name, v] of Object.entries(r.breakdown)) o.breakdown[`${c.entry.id}.${name}`] = v;
        if (r.diagnostics) for (const d of r.diagnostics) o.diagnostics.push({ ...d, reward: c.entry.id });
      });
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

    const groups: ScoredGroup[] = [];
    let zeroStd = Number.NaN;
    const groupCfg: GroupConfig | undefined =
      options.groups === false
        ? undefined
        : (spec.group ?? (options.groupSize !== undefined ? groupSchema.parse({}) : undefined));
    if (groupCfg) {
      const size = options.groupSize ?? groupCfg.size;
      const members = formGroups(samples, size);
      const rewardGroups = members.map((m) => m.idx.map((i) => rewards[i]!));
      let advantages: number[][];
      if (groupCfg.multiObjective === "normalize-then-sum") {
        const columns = weighted.map((c) =>
          members.map((m) => m.idx.map((i) => values.get(c.entry.id)![i] ?? Number.NaN)),
        );
        const nts = normalizeThenSum(
          columns,
          weighted.map((c) => c.entry.weight),
          groupCfg.epsilon,
          groupCfg.std,
        );
        advantages = nts.advantages;
        // TRL: the summed normalised rewards are scaled by their batch σ, which its zero-std flag uses
        zeroStd = fracRewardZeroStd(nts.rewards, "batch");
      } else {
        advantages = computeAdvantages(rewardGroups, groupCfg);
        zeroStd = fracRewardZeroStd(rewardGroups, groupCfg.scale);
      }
      const filter = groupCfg.filter;
      const kept = filter
        ? filterGroups(
            members.map((m) => m.idx.map((i) => metricValue(filter.metric, i, rewards, out))),
            filter,
          )
        : members.map(() => true);
      members.forEach((m, g) => {
        const st = groupStats(rewardGroups[g]!, groupCfg.std);
        const group: ScoredGroup = {
          key: m.key,
          members: m.idx,
          advantages: advantages[g]!,
          kept: kept[g]!,
          stats: {
            count: st.count,
            valid: st.valid,
            mean: nullable(st.mean),
            std: nullable(st.std),
            zeroStd: st.zeroStd,
          },
        };
        if (groupCfg.pairs) group.pair = preferencePair(rewardGroups[g]!);
        groups.push(group);
        m.idx.forEach((i, k) => {
          const o = out[i]!;
          o.advantage = advantages[g]![k]!;
          o.group = g;
          if (filter) o.kept = kept[g]!;
        });
      });
    }

    const metricsRewards: ScoreMetrics["rewards"] = {};
    for (const c of compiled) {
      const col = values.get(c.entry.id)!.map((v) => (v === null ? Number.NaN : v));
      metricsRewards[c.entry.id] = { mean: nullable(nanMean(col)), std: nullable(nanStd(col)) };
    }
    return {
      samples: out,
      groups,
      metrics: {
        reward: nullable(nanMean(rewards)),
        reward_std: nullable(nanStd(rewards)),
        frac_reward_zero_std: nullable(zeroStd),
        rewards: metricsRewards,
      },
    };
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

function metricValue(metric: string, i: number, rewards: number[], out: ScoredSample[]): number {
  if (metric === "reward") return rewards[i]!;
  const o = out[i]!;
  const v = metric in o.components ? o.components[metric] : o.breakdown[metric];
  return v === null || v === undefined ? Number.NaN : v;
}

function formGroups(
  samples: readonly Sample[],
  size: number | undefined,
): { key: string | number; idx: number[] }[] {
  const withGroup = samples.filter((s) => s.group !== undefined).length;
  if (withGroup > 0) {
    if (withGroup !== samples.length)
      throw new RewardsError({
        code: "GROUP_INVALID",
        message: `${samples.length - withGroup} of ${samples.length} samples lack a \`group\` field; give every sample one or none`,
      });
    const map = new Map<string | number, number[]>();
    samples.forEach((s, i) => {
      const list = map.get(s.group!);
      if (list) list.push(i);
      else map.set(s.group!, [i]);
    });
    return [...map].map(([key, idx]) => ({ key, idx }));
  }
  if (size === undefined)
    throw new RewardsError({
      code: "GROUP_INVALID",
      message: "group statistics need `group.size` (or --group-size) or a `group` field on every sample",
    });
  if (samples.length % size !== 0)
    throw new RewardsError({
      code: "GROUP_INVALID",
      message: `batch of ${samples.length} samples is not a multiple of group size ${size}`,
      details: { samples: samples.length, size },
    });
  const out: { key: number; idx: number[] }[] = [];
  for (let g = 0; g * size < samples.length; g++)
    out.push({ key: g, idx: Array.from({ length: size }, (_, k) => g * size + k) });
  return out;
}
