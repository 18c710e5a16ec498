// Group statistics: GRPO-family advantages, DAPO dynamic-sampling filters, preference pairs.
// NaN is "not applicable / unscorable" throughout (TRL semantics); JSON output writes it as null.
import type { GroupConfig, GroupFilter } from "./spec.js";

/** Options of {@link computeAdvantages} (the `group` block of a spec, defaults applied). */
export type AdvantageOptions = Pick<GroupConfig, "scale" | "std" | "epsilon" | "singleton" | "estimator">;

/** NaN-aware mean; NaN when there is no valid value. */
export function nanMean(values: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values)
    if (!Number.isNaN(v)) {
      sum += v;
      n++;
    }
  return n === 0 ? Number.NaN : sum / n;
}

/**
 * NaN-aware standard deviation. `sample` = Bessel (n−1; NaN with fewer than 2 valid values, as TRL's
 * `nanstd` and `torch.std`), `population` = n (NaN when empty).
 */
export function nanStd(values: readonly number[], correction: "sample" | "population" = "sample"): number {
  const mean = nanMean(values);
  let ss = 0;
  let n = 0;
  for (const v of values)
    if (!Number.isNaN(v)) {
      ss += (v - mean) * (v - mean);
      n++;
    }
  const dof = correction === "sample" ? n - 1 : n;
  return dof <= 0 ? Number.NaN : Math.sqrt(ss / dof);
}

function countValid(values: readonly number[]): number {
  let n = 0;
  for (const v of values) if (!Number.isNaN(v)) n++;
  return n;
}

/** Statistics of one group. */
export interface GroupStats {
  /** Number of samples in the group. */
  count: number;
  /** Number of samples with a valid (non-null) reward. */
  valid: number;
  /** NaN-aware mean of the rewards. */
  mean: number;
  /** NaN-aware std with the configured correction. */
  std: number;
  /** `isclose(σ, 0)` with TRL's σ (Bessel; 0 for one sample). */
  zeroStd: boolean;
}

/** Per-group statistics (mean, std with the given correction, TRL's zero-std flag). */
export function groupStats(rewards: readonly number[], std: "sample" | "population" = "sample"): GroupStats {
  const trlStd = rewards.length > 1 ? nanStd(rewards, "sample") : 0;
  return {
    count: rewards.length,
    valid: countValid(rewards),
    mean: nanMean(rewards),
    std: nanStd(rewards, std),
    zeroStd: Math.abs(trlStd) <= 1e-8,
  };
}

/**
 * Advantages for a batch of groups (`groups[g][i]` = reward, NaN = unscorable). Unscorable samples get
 * advantage 0 (TRL `nan_to_num`). Estimators:
 * - `grpo`: `(r − μ_g)/(σ + ε)`; σ per `scale` (`group`, `batch` = std of all rewards, `none` = no division).
 * - `mean-centered`: `r − μ_g` (verifiers, prime-rl, Tinker).
 * - `rloo`: `r − mean(others)` = `(n·r − Σ)/(n − 1)` (verl RLOO, OpenRLHF rloo).
 * - `reinforce-baseline`: `r − μ_g`, then whitened over the batch `(a − mean)/(std + ε)` (OpenRLHF).
 * A group with one valid reward: `singleton: "zero"` → 0 (TRL); `"passthrough"` → μ=0, σ=1 (verl).
 */
export function computeAdvantages(
  groups: readonly (readonly number[])[],
  options: AdvantageOptions,
): number[][] {
  const { scale, std, epsilon, singleton, estimator } = options;
  const batchStd = scale === "batch" ? nanStd(groups.flat(), std) : Number.NaN;
  const out = groups.map((g) => {
    const valid = countValid(g);
    if (valid === 0) return g.map(() => 0);
    if (valid === 1) {
      if (singleton === "zero") return g.map(() => 0);
      // verl: μ = 0, σ = 1
      return g.map((r) => {
        if (Number.isNaN(r)) return 0;
        if (estimator === "grpo" && scale !== "none") return r / (1 + epsilon);
        return r;
      });
    }
    const mean = nanMean(g);
    if (estimator === "rloo") {
      let sum = 0;
      for (const r of g) if (!Number.isNaN(r)) sum += r;
      return g.map((r) => (Number.isNaN(r) ? 0 : (valid * r - sum) / (valid - 1)));
    }
    if (estimator === "mean-centered" || estimator === "reinforce-baseline" || scale === "none")
      return g.map((r) => (Number.isNaN(r) ? 0 : r - mean));
    const sigma = scale === "batch" ? batchStd : nanStd(g, std);
    return g.map((r) => {
      const a = (r - mean) / (sigma + epsilon);
      return Number.isNaN(a) ? 0 : a;
    });
  });
  if (estimator === "reinforce-baseline") {
    const flat = out.flat();
    const m = nanMean(flat);
    const s = nanStd(flat, std);
    return out.map((g) =>
      g.map((a) => {
        const w = (a - m) / (s + epsilon);
        return Number.isNaN(w) ? 0 : w;
      }),
    );
  }
  return out;
}

/**
 * GDPO `normalize_then_sum`: each reward column is normalised per group (`(R − μ)/(σ + ε)`, Bessel),
 * columns are summed with weights (NaN counts 0; all-NaN row → NaN), then the sums are normalised over
 * the whole batch. `columns[k][g][i]` = value of reward `k`. Returns `{rewards, advantages}` per group.
 */
export function normalizeThenSum(
  columns: readonly (readonly (readonly number[])[])[],
  weights: readonly number[],
  epsilon: number,
  std: "sample" | "population" = "sample",
): { rewards: number[][]; advantages: number[][] } {
  const nGroups = columns[0]?.length ?? 0;
  const rewards: number[][] = [];
  for (let g = 0; g < nGroups; g++) {
    const size = columns[0]![g]!.length;
    const sums = new Array<number>(size).fill(0);
    const any = new Array<boolean>(size).fill(false);
    columns.forEach((col, k) => {
      const vals = col[g]!;
      const mu = nanMean(vals);
      const sigma = nanStd(vals, std);
      vals.forEach((v, i) => {
        if (Number.isNaN(v)) return;
        any[i] = true;
        const z = (v - mu) / (sigma + epsilon);
        if (!Number.isNaN(z)) sums[i]! += weights[k]! * z;
      });
    });
    rewards.push(sums.map((s, i) => (any[i] ? s : Number.NaN)));
  }
  const flat = rewards.flat();
  const mu = nanMean(flat);
  const sigma = nanStd(flat, std);
  const advantages = rewards.map((g) =>
    g.map((r) => {
      const a = (r - mu) / (sigma + epsilon);
      return Number.isNaN(a) ? 0 : a;
    }),
  );
  return { rewards, advantages };
}

/**
 * DAPO dynamic-sampling filter: which groups to keep, given each group's metric values (NaN ignored).
 * `verl`: population std > 0 or one sample; `slime`: unbiased std > threshold; `openrlhf`:
 * lower < mean < upper; `tinker`: not all equal (all constant → keep the first group); `band`:
 * lower ≤ mean ≤ upper.
 */
export function filterGroups(groups: readonly (readonly number[])[], filter: GroupFilter): boolean[] {
  const keep = groups.map((raw) => {
    const g = raw.filter((v) => !Number.isNaN(v));
    switch (filter.kind) {
      case "verl":
        return g.length === 1 || (g.length > 1 && nanStd(g, "population") > 0);
      case "slime": {
        const s = nanStd(g, "sample");
        return !Number.isNaN(s) && s > filter.threshold;
      }
      case "openrlhf": {
        const m = nanMean(g);
        return m > filter.lower && m < filter.upper;
      }
      case "band": {
        const m = nanMean(g);
        return m >= filter.lower && m <= filter.upper;
      }
      case "tinker":
        return g.some((v) => v !== g[0]);
    }
    return false;
  });
  if (filter.kind === "tinker" && groups.length > 0 && !keep.some(Boolean)) keep[0] = true;
  return keep;
}

/**
 * TRL `frac_reward_zero_std` of one optimizer batch: the fraction of groups whose σ is ~0 (`isclose(σ, 0)`,
 * Bessel; a group of one sample has σ = 0, a group with one valid reward has σ = NaN, not zero).
 * `scale: "batch"` follows TRL, whose logged flag then uses the σ that scaled the advantages, the batch σ
 * (0 or 1 for the whole batch); `group` and `none` use each group's σ.
 */
export function fracRewardZeroStd(
  groups: readonly (readonly number[])[],
  scale: "group" | "batch" | "none" = "group",
): number {
  if (groups.length === 0) return Number.NaN;
  if (scale === "batch") {
    const flat = groups.flat();
    const sigma = flat.length > 1 ? nanStd(flat, "sample") : 0;
    return Math.abs(sigma) <= 1e-8 ? 1 : 0;
  }
  let n = 0;
  for (const g of groups) if (groupStats(g).zeroStd) n++;
  return n / groups.length;
}

/** The best/worst preference pair of a group (indices into the group). */
export interface PreferencePair {
  chosen: number;
  rejected: number;
  /** Reward difference `r_chosen − r_rejected` (> 0), the loss weight in the seed's DAPO recipe. */
  weight: number;
}

/** Best vs worst sample of a group, weighted by the reward difference; `null` if all equal or < 2 valid. */
export function preferencePair(rewards: readonly number[]): PreferencePair | null {
  let best = -1;
  let worst = -1;
  rewards.forEach((r, i) => {
    if (Number.isNaN(r)) return;
    if (best < 0 || r > rewards[best]!) best = i;
    if (worst < 0 || r < rewards[worst]!) worst = i;
  });
  if (best < 0 || best === worst) return null;
  const weight = rewards[best]! - rewards[worst]!;
  return weight > 0 ? { chosen: best, rejected: worst, weight } : null;
}
