import { describe, expect, it } from "vitest";
import {
  computeAdvantages,
  filterGroups,
  fracRewardZeroStd,
  nanStd,
  normalizeThenSum,
  preferencePair,
} from "../src/index.js";

const base = { scale: "group", std: "sample", singleton: "zero", estimator: "grpo" } as const;
const close = (a: readonly number[], b: readonly number[], tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(tol);
  });
};

describe("GRPO advantages reproduce the peers (reference §11)", () => {
  const acc = [[1, 0, 0, 1]];
  it("TRL ε=1e-4", () =>
    close(computeAdvantages(acc, { ...base, epsilon: 1e-4 })[0]!, [0.86588, -0.86588, -0.86588, 0.86588]));
  it("verl ε=1e-6", () =>
    close(
      computeAdvantages(acc, { ...base, epsilon: 1e-6, singleton: "passthrough" })[0]!,
      [0.86602, -0.86602, -0.86602, 0.86602],
    ));
  it("OpenRLHF group_norm ε=1e-9", () =>
    close(
      computeAdvantages(acc, { ...base, epsilon: 1e-9 })[0]!,
      [0.866025, -0.866025, -0.866025, 0.866025],
      1e-6,
    ));
  it("AReaL ε=1e-5", () =>
    close(computeAdvantages(acc, { ...base, epsilon: 1e-5 })[0]!, [0.86601, -0.86601, -0.86601, 0.86601]));
  it("TRL [0,0,0,1]", () =>
    close(
      computeAdvantages([[0, 0, 0, 1]], { ...base, epsilon: 1e-4 })[0]!,
      [-0.4999, -0.4999, -0.4999, 1.4997],
      1e-4,
    ));
  it("population std", () => {
    // σ_pop of [1,0,0,1] = 0.5 → ±1/(0.5+ε)
    close(computeAdvantages(acc, { ...base, std: "population", epsilon: 0 })[0]!, [1, -1, -1, 1], 1e-12);
  });
});

describe("null / NaN semantics (TRL)", () => {
  it("unscorable rows get advantage 0 and do not poison the group", () => {
    const a = computeAdvantages([[1, Number.NaN, 0, 1, 0]], { ...base, epsilon: 1e-4 })[0]!;
    expect(a[1]).toBe(0);
    close([a[0]!, a[2]!], [0.86588, -0.86588]);
  });
  it("a group with one valid value: zero (TRL) vs passthrough (verl μ=0, σ=1)", () => {
    expect(computeAdvantages([[0.7]], { ...base, epsilon: 1e-4 })).toEqual([[0]]);
    close(
      computeAdvantages([[0.7]], { ...base, epsilon: 1e-6, singleton: "passthrough" })[0]!,
      [0.7 / (1 + 1e-6)],
      1e-12,
    );
    expect(
      computeAdvantages([[0.7]], { ...base, epsilon: 1e-6, singleton: "passthrough", scale: "none" }),
    ).toEqual([[0.7]]);
    expect(computeAdvantages([[Number.NaN, Number.NaN]], { ...base, epsilon: 1e-4 })).toEqual([[0, 0]]);
  });
  it("constant group → 0 advantages (no NaN)", () => {
    expect(computeAdvantages([[1, 1, 1]], { ...base, epsilon: 1e-4 })).toEqual([[0, 0, 0]]);
  });
  it("nanStd: Bessel needs 2 values", () => {
    expect(Number.isNaN(nanStd([1]))).toBe(true);
    expect(nanStd([1], "population")).toBe(0);
  });
});

describe("scale modes and estimators", () => {
  const groups = [
    [1, 0],
    [1, 1],
  ];
  it("batch std (LitePPO): group mean, batch std", () => {
    const s = nanStd([1, 0, 1, 1]);
    close(
      computeAdvantages(groups, { ...base, scale: "batch", epsilon: 1e-4 }).flat(),
      [0.5 / (s + 1e-4), -0.5 / (s + 1e-4), 0, 0],
      1e-12,
    );
  });
  it("none (Dr.GRPO) = mean-centered", () => {
    expect(computeAdvantages(groups, { ...base, scale: "none", epsilon: 1e-4 })).toEqual([
      [0.5, -0.5],
      [0, 0],
    ]);
    expect(computeAdvantages(groups, { ...base, estimator: "mean-centered", epsilon: 1e-4 })).toEqual([
      [0.5, -0.5],
      [0, 0],
    ]);
  });
  it("RLOO = r − mean(others)", () => {
    close(
      computeAdvantages([[1, 0, 0, 1]], { ...base, estimator: "rloo", epsilon: 0 })[0]!,
      [1 - 1 / 3, -2 / 3, -2 / 3, 1 - 1 / 3],
      1e-12,
    );
    expect(
      computeAdvantages([[3]], { ...base, estimator: "rloo", singleton: "passthrough", epsilon: 0 }),
    ).toEqual([[3]]);
  });
  it("reinforce-baseline: group mean then batch whitening", () => {
    const a = computeAdvantages(
      [
        [1, 0],
        [3, 1],
      ],
      { ...base, estimator: "reinforce-baseline", epsilon: 0 },
    ).flat();
    // centered: [0.5,-0.5,1,-1]; mean 0, std (Bessel) = sqrt((0.25+0.25+1+1)/3)
    const s = Math.sqrt(2.5 / 3);
    close(a, [0.5 / s, -0.5 / s, 1 / s, -1 / s], 1e-12);
  });
});

describe("GDPO normalize_then_sum", () => {
  it("normalises each reward per group, sums, then normalises over the batch", () => {
    const { rewards, advantages } = normalizeThenSum([[[1, 0, 1, 0]], [[0, 0, 1, 1]]], [1, 1], 1e-4);
    const z = 0.5 / (nanStd([1, 0, 1, 0]) + 1e-4);
    close(rewards[0]!, [0, -2 * z, 2 * z, 0], 1e-9);
    const s = nanStd(rewards[0]!);
    close(
      advantages[0]!,
      rewards[0]!.map((r) => r / (s + 1e-4)),
      1e-9,
    );
  });
  it("an all-null row stays unscorable (advantage 0) instead of NaN-poisoning", () => {
    const { rewards, advantages } = normalizeThenSum([[[1, 0, Number.NaN]]], [1], 1e-4);
    expect(Number.isNaN(rewards[0]![2]!)).toBe(true);
    expect(advantages[0]![2]).toBe(0);
  });
});

describe("DAPO filters (reference §11)", () => {
  const pm = [[1, -1, -1, 1], [1, 1, 1, 1], [-1, -1, -1, -1], [5]];
  it("verl keeps mixed groups and singletons", () => {
    expect(filterGroups(pm, { kind: "verl", metric: "reward" })).toEqual([true, false, false, true]);
  });
  it("OpenRLHF (0,1) drops a ±1 group with mean 0", () => {
    expect(filterGroups(pm, { kind: "openrlhf", metric: "reward", lower: 0, upper: 1 })).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(
      filterGroups(
        [
          [1, 0, 0, 1],
          [1, 1],
        ],
        { kind: "openrlhf", metric: "reward", lower: 0, upper: 1 },
      ),
    ).toEqual([true, false]);
  });
  it("slime unbiased std > 1e-6 drops singletons", () => {
    expect(filterGroups(pm, { kind: "slime", metric: "reward", threshold: 1e-6 })).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
  it("tinker keeps one group when all are constant", () => {
    expect(
      filterGroups(
        [
          [1, 1],
          [0, 0],
        ],
        { kind: "tinker", metric: "reward" },
      ),
    ).toEqual([true, false]);
    expect(
      filterGroups(
        [
          [1, 1],
          [0, 1],
        ],
        { kind: "tinker", metric: "reward" },
      ),
    ).toEqual([false, true]);
  });
  it("band-pass is inclusive", () => {
    expect(
      filterGroups(
        [
          [1, 0],
          [1, 1],
        ],
        { kind: "band", metric: "reward", lower: 0, upper: 0.5 },
      ),
    ).toEqual([true, false]);
  });
  it("frac_reward_zero_std", () => {
    expect(fracRewardZeroStd([[1, 0], [1, 1], [0, 0], [2]])).toBe(0.75);
  });
});

describe("preference pairs", () => {
  it("best vs worst weighted by the difference", () => {
    expect(preferencePair([0.2, 0.95, 0.1, 0.5])).toEqual({ chosen: 1, rejected: 2, weight: 0.95 - 0.1 });
    expect(preferencePair([0.5, 0.5])).toBeNull();
    expect(preferencePair([Number.NaN, 1])).toBeNull();
  });
});
