import { describe, expect, it } from "vitest";
import { createScorer, RewardsError } from "../src/index.js";
import { scoreJsonl } from "../src/node.js";

const acc = { version: 1, name: "j", rewards: [{ id: "acc", kind: "verl.gsm8k" }] };
const line = (id: number | string, a: string, extra: object = {}) =>
  JSON.stringify({ id, completion: `#### ${a}`, answer: "1", ...extra });

async function collect(scorer: ReturnType<typeof createScorer>, chunks: string[], options = {}) {
  async function* input() {
    yield* chunks;
  }
  const out = [];
  for await (const r of scoreJsonl(scorer, input(), options)) out.push(r);
  return out;
}

describe("scoreJsonl", () => {
  it("splits lines across chunks, skips blank lines, keeps order and ids", async () => {
    const text = `${line("a", "1")}\n\n${line("b", "0")}\n`;
    const out = await collect(createScorer(acc), [text.slice(0, 7), text.slice(7, 30), text.slice(30)]);
    expect(out).toEqual([
      { id: "a", reward: 1, components: { acc: 1 } },
      { id: "b", reward: 0, components: { acc: 0 } },
    ]);
  });
  it("groups consecutive records by size", async () => {
    const out = await collect(
      createScorer(acc),
      [[1, 0, 0, 1, 1, 1].map((a, i) => line(i, String(a))).join("\n")],
      { groupSize: 2 },
    );
    expect(out.map((o) => o.advantage)).toEqual([
      expect.closeTo(Math.SQRT1_2, 3),
      expect.closeTo(-Math.SQRT1_2, 3),
      expect.closeTo(-Math.SQRT1_2, 3),
      expect.closeTo(Math.SQRT1_2, 3),
      0,
      0,
    ]);
  });
  it("groups consecutive records by their group field when the spec has a group block", async () => {
    const scorer = createScorer({ ...acc, group: { filter: { kind: "verl" } } });
    const lines = [
      line(0, "1", { group: "p" }),
      line(1, "0", { group: "p" }),
      line(2, "1", { group: "q" }),
      line(3, "1", { group: "q" }),
    ];
    const out = await collect(scorer, [lines.join("\n")]);
    expect(out.map((o) => o.kept)).toEqual([true, true, false, false]);
  });
  it("a bad line is JSONL_INVALID naming the line; an incomplete group is GROUP_INVALID", async () => {
    await expect(collect(createScorer(acc), [`${line(0, "1")}\n{nope\n`])).rejects.toMatchObject({
      code: "JSONL_INVALID",
      message: expect.stringContaining("line 2"),
    });
    await expect(collect(createScorer(acc), [`${line(0, "1")}\n`], { groupSize: 2 })).rejects.toSatisfy(
      (e: unknown) => RewardsError.isInstance(e) && e.code === "GROUP_INVALID",
    );
  });
  it("bounds the line length", async () => {
    await expect(
      collect(createScorer(acc), ["x".repeat(2000)], { maxLineBytes: 1000 }),
    ).rejects.toMatchObject({ code: "INPUT_TOO_LARGE" });
  });
});

describe("scorer extras", () => {
  it("timeoutMs turns a slow reward into onError (no signals)", () => {
    const spec = (onError: unknown) => ({
      version: 1,
      name: "t",
      rewards: [{ id: "rep", kind: "open_r1.repetition_penalty", timeoutMs: 1, onError }],
    });
    const huge = Array.from({ length: 100_000 }, (_, i) => `w${i % 5000}`).join(" ");
    const r = createScorer(spec(null)).score([{ completion: huge }]).samples[0]!;
    expect(r.reward).toBeNull();
    expect(r.diagnostics[0]!.code).toBe("REWARD_TIMEOUT");
    expect(() => createScorer(spec("fail")).score([{ completion: huge }])).toThrow(/exceeded timeoutMs 1/);
  });
  it("normalize-then-sum (GDPO) through the scorer", () => {
    const s = createScorer({
      version: 1,
      name: "gdpo",
      rewards: [
        { id: "a", kind: "verl.gsm8k" },
        { id: "b", kind: "open_r1.tag_count" },
      ],
      group: { size: 2, multiObjective: "normalize-then-sum" },
    });
    const r = s.score([
      { completion: "#### 1", answer: "1" },
      { completion: "#### 0", answer: "1" },
    ]);
    // b is constant (0) → its normalised column is 0; a gives ±z, then batch normalisation → ±0.7070...
    expect(r.samples[0]!.advantage).toBeCloseTo(Math.SQRT1_2, 3);
    expect(r.samples[1]!.advantage).toBeCloseTo(-Math.SQRT1_2, 3);
  });
  it("the same sample object scored twice after mutation is re-analysed", () => {
    const s = createScorer({ version: 1, name: "h", rewards: [{ id: "f", kind: "harmony.channels" }] });
    const sample = { completion: "<|channel|>final<|message|>4<|return|>" };
    const first = s.score([sample]).samples[0]!.reward;
    sample.completion =
      "<|channel|>analysis<|message|>a<|end|><|start|>assistant<|channel|>final<|message|>4<|return|>";
    expect(s.score([sample]).samples[0]!.reward).not.toBe(first);
  });
});
