import { describe, expect, it } from "vitest";
import {
  createScorer,
  toArealRewardFn,
  toOpenRlhfRewardFunc,
  toTrlRewardFunc,
  toVerifiersRewardFunc,
  toVerlComputeScore,
} from "../src/index.js";

const scorer = createScorer({
  version: 1,
  name: "a",
  rewards: [
    { id: "gsm", kind: "verl.gsm8k", appliesTo: { dataSource: "gsm" } },
    { id: "len", kind: "length.overlong", params: { maxLength: 10, buffer: 5 }, weight: 0 },
  ],
  group: { size: 2 },
});

describe("calling-convention adapters", () => {
  it("TRL: batch in, (number | null)[] out, columns per row, no grouping", () => {
    const f = toTrlRewardFunc(scorer);
    const out = f({
      prompts: ["q", "q", "q"],
      completions: [[{ role: "assistant", content: "#### 1" }], "#### 2", "#### 1"],
      completion_ids: [[1], [1, 2], [1, 2, 3]],
      solution: ["1", "1", "1"],
      data_source: ["gsm", "gsm", "other"],
      trainer_state: {},
    });
    expect(out).toEqual([1, 0, null]);
  });
  it("verl compute_score", () => {
    const f = toVerlComputeScore(scorer);
    expect(f("gsm", "#### 1", "1", { completionIds: [1, 2] })).toEqual({ score: 1, gsm: 1, len: 0 });
    expect(() => f("other", "#### 1", "1", { completionIds: [1] })).toThrow(/no reward applies/);
  });
  it("OpenRLHF reward_func", () => {
    const f = toOpenRlhfRewardFunc(
      createScorer({ version: 1, name: "o", rewards: [{ id: "g", kind: "verl.gsm8k" }] }),
    );
    expect(f(["Q#### 1", "Q#### 3"], ["Q", "Q"], ["1", "1"])).toEqual({
      rewards: [1, 0],
      scores: [1, 0],
      extra_logs: { g: [1, 0] },
    });
  });
  it("AReaL and verifiers per-sample shapes", () => {
    expect(
      toArealRewardFn(scorer)("q", "#### 1", [0], Array(12).fill(0), { answer: "1", dataSource: "gsm" }),
    ).toBe(1);
    expect(toVerifiersRewardFunc(scorer)("#### 1", "1", { dataSource: "gsm", completionIds: [1] })).toBe(1);
  });
});
