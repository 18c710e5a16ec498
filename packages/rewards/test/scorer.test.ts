import { describe, expect, it } from "vitest";
import { createScorer, RewardsError } from "../src/index.js";

describe("aggregation with TRL null semantics", () => {
  const scorer = createScorer({
    version: 1,
    name: "multi",
    rewards: [
      { id: "gsm", kind: "verl.gsm8k", appliesTo: { dataSource: "openai/gsm8k" }, weight: 1 },
      { id: "fmt", kind: "trl.think_format", appliesTo: { dataSource: ["math"] }, weight: 0.5 },
      { id: "steps", kind: "open_r1.reasoning_steps", weight: 0 },
    ],
  });
  it("weighted nansum; null = not applicable; all-null row → null reward", () => {
    const r = scorer.score([
      { completion: "#### 4", answer: "4", dataSource: "openai/gsm8k" },
      { completion: "<think>x</think>", dataSource: "math" },
      { completion: "Step 1: x", dataSource: "other" },
    ]);
    expect(r.samples.map((s) => s.reward)).toEqual([1, 0.5, null]);
    expect(r.samples[0]!.components).toEqual({ gsm: 1, fmt: null, steps: 0 });
    expect(r.samples[2]!.components.steps).toBeCloseTo(1 / 3, 12);
    expect(r.metrics.rewards.gsm).toEqual({ mean: 1, std: null });
  });
  it("mean aggregation, transform and clip", () => {
    const s = createScorer({
      version: 1,
      name: "m",
      aggregation: "mean",
      transform: { bias: -0.5, scale: 10 },
      clip: { min: -2, max: 2 },
      rewards: [
        { id: "a", kind: "open_r1.tag_count", weight: 1 },
        { id: "b", kind: "open_r1.format", weight: 3 },
      ],
    });
    const [x] = s.score([{ completion: "<think>\nr\n</think>\n<answer>\n1\n</answer>" }]).samples;
    expect(x!.reward).toBe(2); // (1 + 3)/4 = 1 → (1 − 0.5)·10 = 5 → clip 2
  });
});

describe("stopProperly (ProRL)", () => {
  const spec = (coef: number) => ({
    version: 1,
    name: "p",
    stopProperly: { coef },
    rewards: [{ id: "g", kind: "verl.gsm8k" }],
  });
  it("scales or replaces the reward of truncated samples only", () => {
    const samples = [
      { completion: "#### 1", answer: "1", truncated: true },
      { completion: "#### 1", answer: "1", finish_reason: "length" },
      { completion: "#### 1", answer: "1" },
    ];
    expect(
      createScorer(spec(0.5))
        .score(samples)
        .samples.map((s) => s.reward),
    ).toEqual([0.5, 0.5, 1]);
    expect(
      createScorer(spec(-1))
        .score(samples)
        .samples.map((s) => s.reward),
    ).toEqual([-1, -1, 1]);
  });
});

describe("onError", () => {
  const spec = (onError: unknown) => ({
    version: 1,
    name: "e",
    rewards: [{ id: "g", kind: "verl.gsm8k", onError }],
  });
  it("fail throws REWARD_FAILED naming the reward and the sample", () => {
    try {
      createScorer(spec("fail")).score([{ completion: "#### 1", answer: "1" }, { completion: "#### 2" }]);
      expect.unreachable();
    } catch (e) {
      expect(RewardsError.isInstance(e) && e.code).toBe("REWARD_FAILED");
      expect((e as Error).message).toContain('rewards["g"] (verl.gsm8k) on samples[1]');
    }
  });
  it("null and a fixed value keep a diagnostic", () => {
    const a = createScorer(spec(null)).score([{ completion: "x" }]).samples[0]!;
    expect(a.reward).toBeNull();
    expect(a.diagnostics[0]!.code).toBe("MISSING_ANSWER");
    const b = createScorer(spec(-1)).score([{ completion: "x" }]).samples[0]!;
    expect(b.reward).toBe(-1);
  });
  it("invalid samples are rejected with INVALID_SAMPLE", () => {
    expect(() => createScorer(spec(null)).score([{ completion: 5 }])).toThrow(/samples\[0\]\.completion/);
  });
});

describe("groups", () => {
  const base = { version: 1, name: "g", rewards: [{ id: "acc", kind: "verl.gsm8k" }] } as const;
  const batch = ["1", "0", "0", "1"].map((a, i) => ({ id: i, completion: `#### ${a}`, answer: "1" }));
  it("TRL-style consecutive groups", () => {
    const r = createScorer({ ...base, group: { size: 4 } }).score(batch);
    expect(r.groups).toHaveLength(1);
    expect(r.samples.map((s) => Number(s.advantage!.toFixed(5)))).toEqual([
      0.86588, -0.86588, -0.86588, 0.86588,
    ]);
    expect(r.groups[0]!.stats).toMatchObject({ count: 4, valid: 4, mean: 0.5, zeroStd: false });
    expect(r.metrics.frac_reward_zero_std).toBe(0);
  });
  it("--group-size override and group field", () => {
    const r = createScorer(base).score(batch, { groupSize: 2 });
    expect(r.groups.map((g) => g.members)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    const byField = createScorer({ ...base, group: {} }).score(batch.map((s, i) => ({ ...s, group: i % 2 })));
    expect(byField.groups.map((g) => g.members)).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect(byField.metrics.frac_reward_zero_std).toBe(0);
  });
  it("size mismatch is GROUP_INVALID", () => {
    expect(() => createScorer({ ...base, group: { size: 3 } }).score(batch)).toThrow(
      /not a multiple of group size 3/,
    );
  });
  it("filter on a component and preference pairs", () => {
    const r = createScorer({
      ...base,
      group: { size: 2, filter: { kind: "verl", metric: "acc" }, pairs: true },
    }).score([...batch, { completion: "#### 1", answer: "1" }, { completion: "#### 1", answer: "1" }]);
    expect(r.groups.map((g) => g.kept)).toEqual([true, true, false]);
    expect(r.samples.map((s) => s.kept)).toEqual([true, true, true, true, false, false]);
    expect(r.groups[0]!.pair).toEqual({ chosen: 0, rejected: 1, weight: 1 });
    expect(r.groups[2]!.pair).toBeNull();
  });
  it("deterministic: same input gives the same output", () => {
    const s = createScorer({ ...base, group: { size: 2 } });
    expect(JSON.stringify(s.score(batch))).toBe(JSON.stringify(s.score(batch)));
  });
});

describe("length kinds through the scorer", () => {
  it("length.cosine reads correctness from an earlier reward", () => {
    const s = createScorer({
      version: 1,
      name: "c",
      rewards: [
        { id: "acc", kind: "verl.gsm8k", weight: 0 },
        {
          id: "cos",
          kind: "length.cosine",
          params: { maxLength: 100, unit: "tokens", correct: { reward: "acc" } },
        },
      ],
    });
    const ids = Array.from({ length: 50 }, (_, i) => i);
    const r = s.score([
      { completion: "#### 1", completionIds: ids, answer: "1" },
      { completion: "#### 2", completionIds: ids, answer: "1" },
    ]);
    expect(r.samples.map((x) => x.reward)).toEqual([0.75, -0.75]);
  });
  it("length.overlong in tokens needs completion_ids", () => {
    const s = createScorer({
      version: 1,
      name: "o",
      rewards: [{ id: "o", kind: "length.overlong", params: { maxLength: 100, buffer: 20 }, onError: null }],
    });
    const r = s.score([{ completion_ids: Array(90).fill(1) }, { completion: "x" }]);
    expect(r.samples[0]!.reward).toBeCloseTo(-0.5, 12);
    expect(r.samples[1]!.diagnostics[0]!.code).toBe("MISSING_COMPLETION_IDS");
  });
});
