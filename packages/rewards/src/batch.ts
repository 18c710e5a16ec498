// Group statistics of one optimizer batch: advantages, DAPO filter, pairs and TRL's batch metrics, from
// the per-sample results alone. Used by Scorer.score and by the JSONL bridge, which scores records in
// chunks and computes the batch's statistics once the batch is complete (records need not stay in memory).
import { RewardsError } from "./errors.js";
import * as stats from "./group.js";
import type { ScoredGroup, ScoredSample, ScoreMetrics, ScoreOptions, ScoreResult } from "./scorer.js";
import { type GroupConfig, groupSchema, type RewardSpec } from "./spec.js";

function nullable(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

/**
 * The {@link ScoreResult} of a batch from its per-sample results (`out[i].reward` and `components`, as
 * `Scorer.score` computes them) and each sample's `group` field (`keys`). Sets `advantage`, `group`
 * and `kept` on `out`. Same input → same output as `Scorer.score` on the whole batch.
 */
export function batchResult(
  spec: RewardSpec,
  out: ScoredSample[],
  keys: readonly (string | number | undefined)[],
  options: ScoreOptions = {},
): ScoreResult {
  const rewards = out.map((o) => (o.reward === null ? Number.NaN : o.reward));
  const weighted = spec.rewards.filter((r) => r.weight !== 0);
  const groups: ScoredGroup[] = [];
  let zeroStd = Number.NaN;
  const groupCfg: GroupConfig | undefined =
    options.groups === false
      ? undefined
      : (spec.group ?? (options.groupSize !== undefined ? groupSchema.parse({}) : undefined));
  if (groupCfg) {
    const size = options.groupSize ?? groupCfg.size;
    const members = formGroups(keys, size);
    const rewardGroups = members.map((m) => m.idx.map((i) => rewards[i]!));
    let advantages: number[][];
    if (groupCfg.multiObjective === "normalize-then-sum") {
      const columns = weighted.map((c) =>
        members.map((m) => m.idx.map((i) => out[i]!.components[c.id] ?? Number.NaN)),
      );
      const nts = stats.normalizeThenSum(
        columns,
        weighted.map((c) => c.weight),
        groupCfg.epsilon,
        groupCfg.std,
      );
      advantages = nts.advantages;
      // TRL: the summed normalised rewards are scaled by their batch σ, which its zero-std flag uses
      zeroStd = stats.fracRewardZeroStd(nts.rewards, "batch");
    } else {
      advantages = stats.computeAdvantages(rewardGroups, groupCfg);
      zeroStd = stats.fracRewardZeroStd(rewardGroups, groupCfg.scale);
    }
    const filter = groupCfg.filter;
    const kept = filter
      ? stats.filterGroups(
          members.map((m) => m.idx.map((i) => metricValue(filter.metric, i, rewards, out))),
          filter,
        )
      : members.map(() => true);
    members.forEach((m, g) => {
      const st = stats.groupStats(rewardGroups[g]!, groupCfg.std);
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
      if (groupCfg.pairs) group.pair = stats.preferencePair(rewardGroups[g]!);
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
  for (const entry of spec.rewards) {
    const col = out.map((o) => o.components[entry.id] ?? Number.NaN);
    metricsRewards[entry.id] = { mean: nullable(stats.nanMean(col)), std: nullable(stats.nanStd(col)) };
  }
  return {
    samples: out,
    groups,
    metrics: {
      reward: nullable(stats.nanMean(rewards)),
      reward_std: nullable(stats.nanStd(rewards)),
      frac_reward_zero_std: nullable(zeroStd),
      rewards: metricsRewards,
    },
  };
}

function metricValue(metric: string, i: number, rewards: number[], out: ScoredSample[]): number {
  if (metric === "reward") return rewards[i]!;
  const o = out[i]!;
  const v = metric in o.components ? o.components[metric] : o.breakdown[metric];
  return v === null || v === undefined ? Number.NaN : v;
}

function formGroups(
  samples: readonly (string | number | undefined)[],
  size: number | undefined,
): { key: string | number; idx: number[] }[] {
  const withGroup = samples.filter((s) => s !== undefined).length;
  if (withGroup > 0) {
    if (withGroup !== samples.length)
      throw new RewardsError({
        code: "GROUP_INVALID",
        message: `${samples.length - withGroup} of ${samples.length} samples lack a \`group\` field; give every sample one or none`,
      });
    const map = new Map<string | number, number[]>();
    samples.forEach((s, i) => {
      const list = map.get(s!);
      if (list) list.push(i);
      else map.set(s!, [i]);
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
