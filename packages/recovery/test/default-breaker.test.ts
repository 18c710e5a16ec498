import { describe, expect, it } from "vitest";
import { defaultBreakerConfig, loadBreakerConfig, renderDefaultBreakerYaml } from "../src/index.js";
import { checkMetrics } from "../src/node.js";
import { data } from "./helpers.js";

const inputs = [
  { rewardMetric: "reward", lossMetric: "loss", arc: true },
  { rewardMetric: "grpo_actor/task_reward/avg", lossMetric: null, arc: false },
  { rewardMetric: null, lossMetric: "train/loss", arc: false },
  { rewardMetric: "a: b", lossMetric: "true", arc: true },
];

describe("default breaker", () => {
  it("the rendered breaker.yaml loads to exactly defaultBreakerConfig()", () => {
    for (const input of inputs) {
      const yaml = renderDefaultBreakerYaml(input);
      expect(loadBreakerConfig(yaml)).toStrictEqual(loadBreakerConfig(defaultBreakerConfig(input)));
      expect(yaml).toMatch(/# The reward collapsed|# NaN or Infinity/);
    }
    expect(defaultBreakerConfig({ rewardMetric: null, lossMetric: null, arc: false })).toBeNull();
  });

  it("the goal reads the metric ARC response logs really expose, and fires on them", async () => {
    const config = defaultBreakerConfig({ rewardMetric: null, lossMetric: null, arc: true })!;
    const result = await checkMetrics(config, [data("arc-responses/logs/responses")]);
    expect(result.verdict).toMatchObject({ action: "stop", rule: "arc-three-perfect", step: 22 });
  });
});
