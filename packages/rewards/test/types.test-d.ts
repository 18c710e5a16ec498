import { describe, expectTypeOf, it } from "vitest";
import { createScorer, loadRewardSpec, type RewardSpec, type ScoreResult } from "../src/index.js";

describe("public types", () => {
  it("spec and results are inferred", () => {
    const spec = loadRewardSpec("version: 1\nname: x\nrewards: [{id: a, kind: format.think}]");
    expectTypeOf(spec).toEqualTypeOf<RewardSpec>();
    expectTypeOf(spec.rewards[0]!.onError).toEqualTypeOf<"fail" | null | number>();
    expectTypeOf(spec.group).toEqualTypeOf<RewardSpec["group"]>();
    const result = createScorer(spec).score([]);
    expectTypeOf(result).toEqualTypeOf<ScoreResult>();
    expectTypeOf(result.samples[0]!.reward).toEqualTypeOf<number | null>();
    expectTypeOf(result.samples[0]!.components).toEqualTypeOf<Record<string, number | null>>();
  });
});
