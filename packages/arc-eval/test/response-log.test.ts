import { describe, expect, it } from "vitest";
import {
  ArcError,
  parseResponseLog,
  type ResponseLog,
  responseLogFileStep,
  responseLogMetrics,
  responseLogScoreSchema,
  responseLogSummarySchema,
  safeParseResponseLog,
  scoreResponseLog,
  summarizeResponseLogs,
} from "../src/index.js";
import * as light from "../src/response-log/index.js";

const target = [
  [1, 2],
  [3, 4],
];

/** The seed document's example log, as the staged trainer and `rlops example` write it. */
const seedLog = {
  step: 1,
  problem_id: "af902bf9",
  prompt: "Full prompt text...",
  target_grid: [
    [0, 1, 2],
    [1, 0, 1],
  ],
  candidates: [
    {
      candidate_id: 1,
      response_text: "Model response...",
      predicted_grid: [
        [0, 1, 1],
        [1, 0, 1],
      ],
      accuracy: 0.83,
      has_grid: true,
      correct_size: true,
      perfect_match: false,
    },
  ],
  best_candidate_id: 3,
  best_accuracy: 0.95,
  timestamp: "2025-08-20T07:45:00",
};

const mixed: ResponseLog = {
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
};

describe("parseResponseLog", () => {
  it("reads the seed format from text and keeps unknown keys", () => {
    const log = parseResponseLog(JSON.stringify({ ...seedLog, temperature: 0.7 }));
    expect(log.step).toBe(1);
    expect(log.problem_id).toBe("af902bf9");
    expect(log.candidates[0]?.perfect_match).toBe(false);
    expect((log as Record<string, unknown>).temperature).toBe(0.7);
  });

  it("accepts parsed values with NaN accuracies and numeric problem ids", () => {
    const log = parseResponseLog({ step: 3, problem_id: 42, candidates: [{ accuracy: Number.NaN }] });
    expect(log.problem_id).toBe("42");
    expect(Number.isNaN(log.candidates[0]?.accuracy)).toBe(true);
  });

  it("takes the step from the options only when the log has none", () => {
    expect(parseResponseLog({ candidates: [] }, { step: 12 }).step).toBe(12);
    expect(parseResponseLog({ step: 5, candidates: [] }, { step: 12 }).step).toBe(5);
  });

  it("names the source and the first bad field", () => {
    const bad = () =>
      parseResponseLog(
        { step: 1, candidates: [{ accuracy: "high" }] },
        { source: "logs/responses/step_001.json" },
      );
    expect(bad).toThrow(ArcError);
    expect(bad).toThrow(/^logs\/responses\/step_001\.json: candidates\[0\]\.accuracy: /);
    try {
      bad();
    } catch (error) {
      expect((error as ArcError).code).toBe("INVALID_RESPONSE_LOG");
    }
    expect(() => parseResponseLog("{", { source: "x.json" })).toThrow(/x\.json: not valid JSON/);
    expect(() => parseResponseLog({ candidates: [] })).toThrow(/response log: step: /);
  });

  it("has a safe twin that returns the typed error", () => {
    const good = safeParseResponseLog(seedLog);
    expect(good.ok && good.value.step).toBe(1);
    const bad = safeParseResponseLog("[]", { source: "s.json" });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe("INVALID_RESPONSE_LOG");
    const notJson = safeParseResponseLog("NaN?", { source: "s.json" });
    expect(!notJson.ok && notJson.error.code).toBe("INVALID_JSON");
  });

  it("the light entry exports the same schema and parser", () => {
    expect(light.parseResponseLog).toBe(parseResponseLog);
    expect(light.responseLogFileStep).toBe(responseLogFileStep);
  });
});

describe("responseLogFileStep", () => {
  it("reads step_NNN.json names and paths, nothing else", () => {
    expect(responseLogFileStep("step_007.json")).toBe(7);
    expect(responseLogFileStep("/run/logs/responses/step_150.json")).toBe(150);
    expect(responseLogFileStep("C:\\run\\step_2.json")).toBe(2);
    for (const name of [
      "step_.json",
      "step_1a.json",
      "step_1.jsonl",
      "steps_1.json",
      "step_1234567890123456.json",
    ])
      expect(responseLogFileStep(name)).toBeNull();
  });
});

describe("scoreResponseLog", () => {
  it("re-scores the final channel, the plain-text form, and ignores analysis-only completions", () => {
    const score = scoreResponseLog(mixed);
    expect(score).toMatchObject({
      step: 7,
      problemId: "p1",
      basis: "rescored",
      basisReason: null,
      candidates: 4,
      withGrid: 3,
      sizeMatch: 2,
      perfect: 1,
      bestCandidateId: 1,
      bestPixelAccuracy: 1,
      loggedBestAccuracy: 0.5,
    });
    expect(score.meanPixelAccuracy).toBeCloseTo((1 + 0.75) / 4);
    expect(responseLogScoreSchema.parse(score)).toEqual(score);
  });

  it("does not trust the logged verdicts when it can re-score", () => {
    // the trainer said perfect; the text holds a different grid
    const score = scoreResponseLog(
      parseResponseLog({
        step: 2,
        target_grid: target,
        candidates: [{ response_text: "1 2\n3 3", perfect_match: true, accuracy: 1, has_grid: true }],
      }),
    );
    expect(score).toMatchObject({ perfect: 0, withGrid: 1, bestCandidateId: 1, bestPixelAccuracy: 0.75 });
  });

  it("takes the target from the task when given", () => {
    const task = { train: [{ input: [[0]], output: [[0]] }], test: [{ input: [[0]], output: [[1, 2, 3]] }] };
    const score = scoreResponseLog(mixed, task);
    expect(score).toMatchObject({ basis: "rescored", perfect: 1, bestCandidateId: 4, sizeMatch: 1 });
  });

  it("falls back to the logged verdicts without a usable target, and says why", () => {
    const noTarget = scoreResponseLog(parseResponseLog({ ...seedLog, target_grid: undefined }));
    expect(noTarget).toMatchObject({
      basis: "logged",
      basisReason: "no target_grid",
      withGrid: 1,
      sizeMatch: 1,
      perfect: 0,
      bestPixelAccuracy: 0.83,
      bestCandidateId: 1,
    });
    const ragged = scoreResponseLog(parseResponseLog({ ...seedLog, target_grid: [[1, 2], [3]] }));
    expect(ragged.basis).toBe("logged");
    expect(ragged.basisReason).toMatch(/^target_grid is not a grid \(row 1 has 1 cells/);
  });

  it("scores an empty step", () => {
    expect(scoreResponseLog({ step: 0, candidates: [] })).toMatchObject({
      candidates: 0,
      bestCandidateId: null,
      meanPixelAccuracy: 0,
      problemId: null,
    });
  });
});

describe("responseLogMetrics", () => {
  it("uses the breaker metric names", () => {
    expect(responseLogMetrics(scoreResponseLog(mixed))).toEqual({
      perfect: 1,
      perfect_count: 1,
      candidates: 4,
      best_accuracy: 1,
      mean_accuracy: 1.75 / 4,
      has_grid_rate: 0.75,
      correct_size_rate: 0.5,
    });
    expect(responseLogMetrics(scoreResponseLog({ step: 1, candidates: [], best_accuracy: 0.4 }))).toEqual({
      perfect: 0,
      perfect_count: 0,
      candidates: 0,
      best_accuracy: 0.4,
    });
  });
});

describe("summarizeResponseLogs", () => {
  it("totals logs and scores alike, sorted by step", () => {
    const early = scoreResponseLog({ ...mixed, step: 3, problem_id: "p2", best_accuracy: 1 });
    const summary = summarizeResponseLogs([
      mixed,
      early,
      { ...mixed, step: 9, candidates: mixed.candidates.slice(1) },
    ]);
    expect(summary.steps.map((s) => s.step)).toEqual([3, 7, 9]);
    expect(summary.totals).toMatchObject({
      steps: 3,
      candidates: 11,
      withGrid: 8,
      perfectSteps: 2,
      perfectProblems: ["p1", "p2"],
      loggedDisagreements: 2, // step 7 and 9 logged 0.5; step 3 logged 1 and rescored 1
    });
    expect(responseLogSummarySchema.parse(summary)).toEqual(summary);
    expect(summarizeResponseLogs([]).totals.meanBestPixelAccuracy).toBe(0);
  });

  it("does not count logged-basis steps as disagreements", () => {
    const summary = summarizeResponseLogs([parseResponseLog({ ...seedLog, target_grid: undefined })]);
    expect(summary.totals.loggedDisagreements).toBe(0);
  });
});
