// Issue 16.1: every numeric input on every path is checked by the same schema, before any work.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createScorer, groupSizeSchema, loadRewardSpec, MAX_GROUP_SIZE } from "../src/index.js";
import { scoreJsonl } from "../src/node.js";

const SPEC = { version: 1, name: "n", rewards: [{ id: "g", kind: "verl.gsm8k" }], group: { size: 2 } };
const samples = [
  { completion: "#### 1", answer: "1" },
  { completion: "#### 2", answer: "1" },
];

describe("numeric options", () => {
  it.each([-1, 0, 0.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_GROUP_SIZE + 1, "2"])(
    "score(samples, {groupSize: %s}) throws INVALID_OPTIONS at once",
    (groupSize) => {
      const scorer = createScorer(SPEC);
      expect(() => scorer.score(samples, { groupSize: groupSize as number })).toThrow(
        expect.objectContaining({
          code: "INVALID_OPTIONS",
          message: expect.stringMatching(/^score options\.groupSize: /),
        }),
      );
    },
  );
  it("groups must be a boolean", () => {
    expect(() => createScorer(SPEC).score(samples, { groups: "no" as never })).toThrow(
      expect.objectContaining({ code: "INVALID_OPTIONS" }),
    );
  });
  it("a valid group size still scores; a non-divisor is GROUP_INVALID", () => {
    const scorer = createScorer(SPEC);
    expect(scorer.score(samples, { groupSize: 2 }).groups).toHaveLength(1);
    expect(scorer.score(samples, { groupSize: 1 }).groups.every((g) => g.members.length === 1)).toBe(true);
    expect(() => scorer.score([...samples, samples[0]], { groupSize: 2 })).toThrow(
      expect.objectContaining({ code: "GROUP_INVALID" }),
    );
  });
  it("the spec's group.size uses the same schema", () => {
    expect(() => loadRewardSpec({ ...SPEC, group: { size: MAX_GROUP_SIZE + 1 } })).toThrow(
      expect.objectContaining({ code: "SPEC_INVALID" }),
    );
    expect(groupSizeSchema.safeParse(8).success).toBe(true);
  });
  it.each([
    { groupSize: -1 },
    { groupSize: 0.5 },
    { batchSize: 0 },
    { batchSize: -3 },
    { maxLineBytes: 0.5 },
  ])("scoreJsonl(%j) throws INVALID_OPTIONS before reading", async (options) => {
    const input = Readable.from(['{"completion":"#### 1","answer":"1"}\n'.repeat(4)]);
    const run = async () => {
      for await (const _ of scoreJsonl(createScorer(SPEC), input, options)) void _;
    };
    await expect(run()).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
  });
});
