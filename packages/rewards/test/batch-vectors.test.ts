// Group statistics over whole optimizer batches equal TRL's and verl's own computations
// (vectors/batch/reference.py; see vectors/batch/SOURCE.md).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type BatchSummary, createScorer } from "../src/index.js";
import { scoreJsonl } from "../src/node.js";

interface Case {
  name: string;
  spec: unknown;
  batchSize: number | null;
  batches: { rewards: (number | null)[]; advantages: number[]; metrics?: Record<string, number | null> }[];
}
const dir = new URL("../vectors/batch/", import.meta.url);
const expected: { componentsPerRecord: (number | null)[][]; cases: Case[] } = JSON.parse(
  readFileSync(new URL("expected.json", dir), "utf8"),
);
const inputText = readFileSync(new URL("input.jsonl", dir), "utf8");
const records = inputText
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l));
const TOL = 1e-6;

function near(actual: number | null | undefined, want: number | null, where: string): void {
  if (want === null) return void expect(actual ?? null, where).toBeNull();
  expect(typeof actual, where).toBe("number");
  expect(Math.abs((actual as number) - want), `${where}: ${actual} vs ${want}`).toBeLessThanOrEqual(TOL);
}

function checkMetrics(
  got: Record<string, number | null>,
  want: Record<string, number | null>,
  where: string,
) {
  expect(Object.keys(got).sort(), where).toEqual(Object.keys(want).sort());
  for (const [k, v] of Object.entries(want)) near(got[k], v, `${where} ${k}`);
}

async function* chunks(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe("batch group statistics = TRL / verl reference (vectors/batch)", () => {
  it("has every case", () => {
    expect(expected.cases.map((c) => c.name)).toEqual([
      "trl scale_rewards=group",
      "trl scale_rewards=group, batch 12",
      "trl scale_rewards=batch",
      "trl scale_rewards=batch, batch 12",
      "trl scale_rewards=none",
      "trl scale_rewards=none, batch 12",
      "verl compute_grpo_outcome_advantage norm_adv_by_std_in_grpo=True",
      "verl compute_grpo_outcome_advantage norm_adv_by_std_in_grpo=False",
    ]);
  });
  for (const c of expected.cases) {
    it(`${c.name}: scoreJsonl`, async () => {
      const scorer = createScorer(c.spec);
      const summaries: BatchSummary[] = [];
      const out = [];
      for await (const r of scoreJsonl(scorer, chunks(inputText, 333), {
        ...(c.batchSize !== null ? { batchSize: c.batchSize } : {}),
        onSummary: (s) => summaries.push(s),
      }))
        out.push(r);
      const rewards = c.batches.flatMap((b) => b.rewards);
      const advantages = c.batches.flatMap((b) => b.advantages);
      expect(out).toHaveLength(records.length);
      out.forEach((r, i) => {
        expect(r.id).toBe(records[i].id);
        near(r.reward, rewards[i]!, `${r.id}.reward`);
        near(r.advantage, advantages[i]!, `${r.id}.advantage`);
        if (c.name.startsWith("trl")) {
          near(r.components.acc, expected.componentsPerRecord[i]![0]!, `${r.id}.acc`);
          near(r.components.tags, expected.componentsPerRecord[i]![1]!, `${r.id}.tags`);
        }
      });
      expect(summaries).toHaveLength(c.batches.length);
      c.batches.forEach((b, k) => {
        expect(summaries[k]).toMatchObject({
          batch: k,
          records: b.advantages.length,
          groups: b.advantages.length / 4,
        });
        if (b.metrics) checkMetrics(summaries[k]!.metrics, b.metrics, `${c.name} batch ${k}`);
      });
    });
    it(`${c.name}: Scorer.score per batch`, () => {
      const scorer = createScorer(c.spec);
      let at = 0;
      for (const b of c.batches) {
        const result = scorer.score(records.slice(at, at + b.advantages.length));
        result.samples.forEach((s, i) => {
          near(s.advantage, b.advantages[i]!, `${c.name} ${s.id}`);
        });
        if (b.metrics) {
          near(result.metrics.reward, b.metrics.reward!, "reward");
          near(result.metrics.reward_std, b.metrics.reward_std!, "reward_std");
          near(result.metrics.frac_reward_zero_std, b.metrics.frac_reward_zero_std!, "frac_reward_zero_std");
        }
        at += b.advantages.length;
      }
    });
  }
  it("a batch split mid-group, or not a multiple of the group size, is refused", async () => {
    const scorer = createScorer(expected.cases[0]!.spec);
    const run = async (options: object) => {
      for await (const _ of scoreJsonl(scorer, chunks(inputText, 1 << 16), options)) {
      }
    };
    await expect(run({ batchSize: 6 })).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    await expect(run({ batchSize: 0 })).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    await expect(run({ batchSize: 2.5 })).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    // the default batch is the whole input, up to a stated bound; beyond it, a typed error asks for a batch size
    await expect(run({ maxBatchRecords: 10 })).rejects.toMatchObject({
      code: "INPUT_TOO_LARGE",
      message: expect.stringContaining(
        "larger than 10 records, the bound for scoring it as one optimizer batch; pass a batch size",
      ),
    });
    // a batch-level kind holds the records themselves: the bound is in bytes
    const kimi = createScorer({
      version: 1,
      name: "kimi",
      rewards: [
        { id: "acc", kind: "verl.gsm8k" },
        { id: "len", kind: "length.kimi", params: { unit: "chars", correct: { reward: "acc" } } },
      ],
      group: { size: 4 },
    });
    const held = async (options: object) => {
      for await (const _ of scoreJsonl(kimi, chunks(inputText, 1 << 16), options)) {
      }
    };
    await expect(held({ maxBatchBytes: 1000 })).rejects.toMatchObject({ code: "INPUT_TOO_LARGE" });
    await expect(held({})).resolves.toBeUndefined();
  });
  it("a batch scored in chunks as it streams equals Scorer.score on the whole batch", async () => {
    // 20 copies of the input: 480 records, several scoring chunks, one optimizer batch
    const many = Array.from({ length: 20 }, (_, c) =>
      records.map((r) => ({ ...r, id: `${r.id}-${c}` })),
    ).flat();
    for (const spec of [
      expected.cases[2]!.spec,
      { ...(expected.cases[0]!.spec as object), group: { size: 4, filter: { kind: "verl" }, pairs: true } },
    ]) {
      const scorer = createScorer(spec);
      const whole = scorer.score(many);
      const summaries: BatchSummary[] = [];
      const out = [];
      const text = many.map((r) => JSON.stringify(r)).join("\n");
      for await (const r of scoreJsonl(scorer, chunks(text, 4096), { onSummary: (x) => summaries.push(x) }))
        out.push(r);
      expect(out.map((r) => [r.id, r.reward, r.advantage, r.kept])).toEqual(
        whole.samples.map((s) => [s.id, s.reward, s.advantage, s.kept]),
      );
      expect(summaries).toHaveLength(1);
      expect(summaries[0]!.metrics.frac_reward_zero_std).toBe(whole.metrics.frac_reward_zero_std);
      expect(summaries[0]!.filteredGroups).toBe(whole.groups.filter((g) => !g.kept).length);
    }
  });
});
