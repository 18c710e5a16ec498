import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scoreResponseLog, summarizeResponseLogs } from "@rlops/arc-eval";
import { parseResponseLog } from "@rlops/arc-eval/response-log";
import { readTrainingArgs } from "@rlops/checkpoint-layout";
import { createNodeStorage, listCheckpoints, validateCheckpoint } from "@rlops/checkpoint-layout/node";
import { defaultBreakerConfig, shellJoin, shellQuote } from "@rlops/recovery";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { writeExampleRuns } from "./example/generate.js";
import { formatBytes, formatNumber, sparkline, table, visibleWidth } from "./format.js";
import { detectLossMetric, detectRewardMetric, downsample, SeriesCollector } from "./metrics.js";

describe("SeriesCollector", () => {
  it("first source wins per (metric, step); records come out in step order with every metric", () => {
    const c = new SeriesCollector();
    c.add({ step: 2, values: { reward: 0.5 } });
    c.add({ step: 1, values: { reward: 0.1, loss: 2 } });
    c.add({ step: 2, values: { reward: 9, loss: Number.NaN } });
    expect([...c.records()]).toEqual([
      { step: 1, values: { reward: 0.1, loss: 2 } },
      { step: 2, values: { reward: 0.5, loss: Number.NaN } },
    ]);
    expect(c.series()).toEqual([
      {
        name: "loss",
        points: [
          [1, 2],
          [2, null],
        ],
      },
      {
        name: "reward",
        points: [
          [1, 0.1],
          [2, 0.5],
        ],
      },
    ]);
  });

  it("keeps at most maxSteps distinct steps (bounded memory)", () => {
    const c = new SeriesCollector(3);
    for (let step = 0; step < 10; step++) c.add({ step, values: { x: step } });
    expect(c.sortedSteps()).toEqual([0, 1, 2]);
    expect(c.full).toBe(true);
    expect(c.add({ step: 1, values: { y: 1 } })).toBe(true);
  });

  it("keeps the problem id for goal rules", () => {
    const c = new SeriesCollector();
    c.add({ step: 4, values: { "arc/perfect": 1 }, problem: "6150a2bd" });
    expect([...c.records()][0]?.problem).toBe("6150a2bd");
  });
});

describe("metric detection and downsampling", () => {
  it("prefers the known reward names and skips std metrics", () => {
    expect(detectRewardMetric(["loss", "reward_std", "reward"])).toBe("reward");
    expect(detectRewardMetric(["grpo_actor/task_reward/avg", "reward"])).toBe("grpo_actor/task_reward/avg");
    expect(detectRewardMetric(["x/reward_std", "my_reward_mean"])).toBe("my_reward_mean");
    expect(detectRewardMetric(["loss"])).toBeNull();
    expect(detectLossMetric(["train_loss", "lr"])).toBe("train_loss");
    expect(detectLossMetric(["lossless"])).toBeNull();
  });

  it("downsample keeps extremes, nulls and the marked steps, and never exceeds the input", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { nil: null }), {
          maxLength: 400,
        }),
        fc.integer({ min: 6, max: 100 }),
        (values, max) => {
          const points = values.map((v, i) => [i, v] as [number, number | null]);
          const keep = new Set([Math.floor(values.length / 2)]);
          const out = downsample(points, max, keep);
          expect(out.length).toBeLessThanOrEqual(points.length);
          const steps = new Set(out.map((p) => p[0]));
          for (const p of points) if (p[1] === null || keep.has(p[0])) expect(steps.has(p[0])).toBe(true);
          const finite = points.filter((p) => p[1] !== null).map((p) => p[1] as number);
          if (finite.length > 0) {
            const outFinite = out.filter((p) => p[1] !== null).map((p) => p[1] as number);
            expect(Math.max(...outFinite)).toBe(Math.max(...finite));
            expect(Math.min(...outFinite)).toBe(Math.min(...finite));
          }
          for (let i = 1; i < out.length; i++) expect(out[i]![0]).toBeGreaterThan(out[i - 1]![0]);
        },
      ),
    );
  });
});

describe("formatting", () => {
  it("formats bytes, numbers and sparklines", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(5 * 1024 ** 3)).toBe("5.0 GiB");
    expect(formatBytes(null)).toBe("?");
    expect(formatNumber(Number.NaN)).toBe("NaN");
    expect(formatNumber(0.123456)).toBe("0.1235");
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([1, null, 1])).toBe("▄·▄");
    expect(sparkline([])).toBe("");
  });

  it("aligns table columns ignoring ANSI colour", () => {
    const red = "\u001b[31mNO\u001b[39m";
    expect(visibleWidth(red)).toBe(2);
    expect(
      table(
        ["A", "BB"],
        [
          [red, "x"],
          ["yes", "z"],
        ],
      ),
    ).toEqual(["A    BB", `${red}   x`, "yes  z"]);
  });
});

describe("shell quoting", () => {
  it("quotes only what needs it, and the quoting round-trips through sh semantics", () => {
    expect(shellQuote("--before-step")).toBe("--before-step");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("epoch=1-step=800.ckpt")).toBe("epoch=1-step=800.ckpt");
    expect(shellJoin(["echo", "it's"])).toBe(`echo 'it'\\''s'`);
    fc.assert(
      fc.property(fc.string(), (arg) => {
        const quoted = shellQuote(arg);
        // Unquote per POSIX rules for the two forms shellQuote produces.
        const unquoted = quoted.startsWith("'") ? quoted.slice(1, -1).split(`'\\''`).join("'") : quoted;
        expect(unquoted).toBe(arg);
      }),
    );
  });
});

describe("ARC re-scoring", () => {
  const target = [
    [1, 2],
    [3, 4],
  ];
  it("reads the final channel, the plain-text form, and ignores analysis-only completions", () => {
    const step = scoreResponseLog(
      parseResponseLog({
        step: 7,
        problem_id: "p1",
        target_grid: target,
        best_accuracy: 0.5,
        candidates: [
          {
            candidate_id: 1,
            response_text:
              "<|channel|>analysis<|message|>1 1\n1 1<|end|><|start|>assistant<|channel|>final<|message|>1 2\n3 4<|return|>",
          },
          { candidate_id: 2, response_text: "Based on the pattern analysis:\n1 2\n3 0" },
          { candidate_id: 3, response_text: "<|channel|>analysis<|message|>1 2\n3 4 thinking<|end|>" },
          { candidate_id: 4, response_text: "1 2 3" },
        ],
      }),
    );
    expect(step).toMatchObject({
      step: 7,
      problemId: "p1",
      candidates: 4,
      withGrid: 3,
      sizeMatch: 2,
      perfect: 1,
      bestCandidateId: 1,
      bestPixelAccuracy: 1,
      loggedBestAccuracy: 0.5,
    });
    expect(step.meanPixelAccuracy).toBeCloseTo((1 + 0.75) / 4);
    const summary = summarizeResponseLogs([
      step,
      { ...step, step: 3, perfect: 0, problemId: "p2", loggedBestAccuracy: 1 },
    ]);
    expect(summary.steps.map((s) => s.step)).toEqual([3, 7]);
    expect(summary.totals).toMatchObject({
      steps: 2,
      perfectSteps: 1,
      perfectProblems: ["p1"],
      loggedDisagreements: 1,
    });
  });
});

describe("default breaker", () => {
  it("adapts to the metrics present", () => {
    expect(defaultBreakerConfig({ rewardMetric: null, lossMetric: null, arc: false })).toBeNull();
    const config = defaultBreakerConfig({ rewardMetric: "reward", lossMetric: null, arc: true }) as {
      rules: { name: string }[];
      goals: { name: string }[];
    };
    expect(config.rules.map((r) => r.name)).toEqual(["reward-collapse"]);
    expect(config.goals.map((g) => g.name)).toEqual(["arc-three-perfect"]);
  });
});

describe("example runs", () => {
  it("writes checkpoints that checkpoint-layout's deep validation accepts, and a readable training_args.bin", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rlops-example-"));
    try {
      const runs = await writeExampleRuns(dir);
      const arc = runs.find((r) => r.name === "arc-dapo")!;
      const listing = await listCheckpoints(arc.dir);
      const complete = listing.checkpoints.filter((c) => c.complete);
      expect(complete.length).toBeGreaterThan(0);
      const newest = complete[complete.length - 1]!;
      const report = await validateCheckpoint(newest.location, { deep: true });
      expect(JSON.stringify(report)).not.toMatch(/TRUNCATED|ZIP_INVALID|SAFETENSORS_INVALID|CRC/);
      const args = await readTrainingArgs(createNodeStorage(), join(newest.location, "training_args.bin"));
      expect(args).toMatchObject({ save_total_limit: null, save_steps: 25, max_steps: 500 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
