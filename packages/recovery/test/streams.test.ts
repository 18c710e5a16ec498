import { describe, expect, it } from "vitest";
import { type BreakerConfigInput, createMonitor, type Decision, loadBreakerConfig } from "../src/index.js";
import { checkMetrics, readMetricRecords } from "../src/node.js";
import { data } from "./helpers.js";

const collapseConfig: BreakerConfigInput = {
  rules: [
    {
      name: "reward-collapse",
      metric: "grpo_actor/task_reward/avg",
      kind: "zero",
      trigger: { consecutive: 10 },
      action: "rollback",
    },
  ],
};

describe("recorded streams", () => {
  it("reward collapse to zero at step 178 trips at 187 (10 consecutive)", async () => {
    const result = await checkMetrics(collapseConfig, [data("areal-collapse.jsonl")]);
    expect(result.verdict).toMatchObject({
      action: "rollback",
      rule: "reward-collapse",
      step: 187,
      firstBadStep: 178,
    });
    expect(result.verdict!.evidence.streak).toBe(10);
    expect(result.verdict!.evidence.resume).toEqual({ beforeStep: 178, skipRange: [178, 187] });
    expect(result.stats.observed).toBe(187);
    expect(result.decisions).toHaveLength(1);
  });

  it("9 zero steps then a pass does not trip; the 10th consecutive does", () => {
    const m = createMonitor(collapseConfig);
    const metric = "grpo_actor/task_reward/avg";
    for (let s = 1; s <= 9; s++)
      expect(m.observe({ step: s, metrics: { [metric]: 0 } }).action).toBe("continue");
    expect(m.observe({ step: 10, metrics: { [metric]: 0.1 } }).action).toBe("continue");
    for (let s = 11; s <= 19; s++)
      expect(m.observe({ step: s, metrics: { [metric]: -0 } }).action).toBe("continue");
    const d = m.observe({ step: 20, metrics: { [metric]: 0 } });
    expect(d).toMatchObject({ action: "rollback", step: 20, firstBadStep: 11 });
  });

  it("a NaN loss in trainer_state.json log_history trips at its step", async () => {
    const result = await checkMetrics(
      {
        rules: [{ name: "loss-finite", metric: "loss", kind: "nonfinite", action: "stop" }],
      },
      [data("hf-nan/trainer_state.json")],
    );
    expect(result.verdict).toMatchObject({ action: "stop", rule: "loss-finite", step: 42, firstBadStep: 42 });
    expect(result.verdict!.evidence.value).toBe("NaN");
  });

  it("a NaN trips any rule on that metric immediately by default (nonFinite: trip)", async () => {
    const result = await checkMetrics(
      {
        rules: [
          { name: "loss-high", metric: "loss", kind: "above", threshold: 10, trigger: { consecutive: 5 } },
        ],
      },
      [data("hf-nan/trainer_state.json")],
    );
    expect(result.verdict).toMatchObject({ action: "rollback", step: 42, firstBadStep: 42 });
    expect(result.verdict!.reason).toContain("NaN");
  });

  it("merges train and eval entries of the same step from log_history", async () => {
    const records = [];
    for await (const r of readMetricRecords(data("hf-nan/trainer_state.json"))) records.push(r);
    expect(records).toHaveLength(30);
    const ten = records.find((r) => r.step === 10)!;
    expect(ten.metrics.eval_loss).toBeCloseTo(2.2333);
    expect(ten.metrics.loss).toBeTypeOf("number");
  });

  it("a loss spike trips at step 120 with a robust z-score", async () => {
    const result = await checkMetrics(
      {
        rules: [
          {
            name: "loss-spike",
            metric: "loss",
            kind: "spike",
            window: 50,
            threshold: 6,
            minObservations: 20,
          },
        ],
      },
      [data("loss-spike.jsonl")],
    );
    expect(result.verdict).toMatchObject({
      action: "rollback",
      rule: "loss-spike",
      step: 120,
      firstBadStep: 120,
    });
    expect(Number(result.verdict!.evidence.z)).toBeGreaterThan(6);
    expect(result.verdict!.evidence.history).toBe(50);
  });

  it("spike values are excluded from the history (a second spike right after is still a spike)", () => {
    const m = createMonitor({
      rules: [
        {
          name: "s",
          metric: "loss",
          kind: "spike",
          window: 10,
          minObservations: 5,
          action: "save",
          trigger: { consecutive: 1 },
        },
      ],
    });
    const values = [1, 1.1, 0.9, 1.05, 0.95, 1, 50, 50, 1];
    const decisions: Decision[] = values.map((v, i) => m.observe({ step: i, metrics: { loss: v } }));
    expect(decisions.map((d) => d.action)).toEqual([
      "continue",
      "continue",
      "continue",
      "continue",
      "continue",
      "continue",
      "save",
      "save",
      "continue",
    ]);
  });

  it("early stopping with patience on a Tinker metrics.jsonl (Lightning semantics)", async () => {
    const result = await checkMetrics(
      {
        earlyStopping: [
          { name: "es", metric: "env/all/reward/total", mode: "max", patience: 3, minDelta: 0.005 },
        ],
      },
      [data("tinker-metrics.jsonl")],
    );
    expect(result.verdict).toMatchObject({ action: "stop", rule: "es", step: 50, firstBadStep: 40 });
    expect(result.verdict!.evidence).toMatchObject({
      reasonCode: "PATIENCE_EXHAUSTED",
      best: 0.46,
      bestStep: 35,
      wait: 3,
    });
  });

  it("3 perfect ARC solutions across distinct problems stop at the third distinct problem", async () => {
    const result = await checkMetrics({ goals: [{ name: "arc-3-perfect", kind: "perfect", count: 3 }] }, [
      data("arc-responses"),
    ]);
    expect(result.verdict).toMatchObject({
      action: "stop",
      rule: "arc-3-perfect",
      step: 22,
      firstBadStep: null,
    });
    expect(result.verdict!.evidence.solved).toEqual([
      { problem: "af902bf9", step: 5 },
      { problem: "b1948b0a", step: 14 },
      { problem: "c8f0f002", step: 22 },
    ]);
  });

  it("counting perfect steps instead of problems stops at step 14", async () => {
    const result = await checkMetrics(
      { goals: [{ name: "g", kind: "perfect", count: 3, distinct: false }] },
      [data("arc-responses/logs/responses")],
    );
    expect(result.verdict).toMatchObject({ step: 14 });
  });

  it("save-best emits save decisions when the reward improves", async () => {
    const result = await checkMetrics(
      {
        best: [{ name: "best", metric: "env/all/reward/total", mode: "max" }],
        earlyStopping: [
          { name: "es", metric: "env/all/reward/total", mode: "max", patience: 3, minDelta: 0.005 },
        ],
      },
      [data("tinker-metrics.jsonl")],
    );
    expect(result.decisions.filter((d) => d.action === "save").map((d) => d.step)).toEqual([
      0, 5, 10, 20, 25, 35,
    ]);
  });

  it("loads the same config from YAML", () => {
    const config = loadBreakerConfig(`
rules:
  - name: reward-collapse
    metric: grpo_actor/task_reward/avg
    kind: zero
    trigger: { consecutive: 10 }
`);
    expect(config.rules[0]).toMatchObject({ kind: "zero", eps: 0, action: "rollback", nonFinite: "trip" });
  });
});
