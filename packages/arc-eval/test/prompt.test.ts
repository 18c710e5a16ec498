import { describe, expect, it } from "vitest";
import { ArcError, extractGrid, formatTaskPrompt, type Task } from "../src/index.js";

const task: Task = {
  train: [
    {
      input: [
        [0, 1, 2],
        [1, 0, 1],
      ],
      output: [
        [1, 0, 2],
        [0, 1, 0],
      ],
    },
    { input: [[1]], output: [[2]] },
  ],
  test: [
    {
      input: [
        [1, 2, 0],
        [0, 1, 2],
      ],
    },
    { input: [[3]] },
  ],
};

describe("formatTaskPrompt", () => {
  it("seed style (gpt-oss ARC DAPO prompts)", () => {
    expect(formatTaskPrompt(task)).toBe(
      "Solve this pattern:\nExample 1: Input:\n0 1 2\n1 0 1\nOutput:\n1 0 2\n0 1 0\nExample 2: Input:\n1\nOutput:\n2\nTest Input:\n1 2 0\n0 1 2\nTest Output:",
    );
    expect(formatTaskPrompt(task, { testIndex: 1, instruction: "Solve:" })).toMatch(
      /^Solve:\n[\s\S]*Test Input:\n3\nTest Output:$/,
    );
  });

  it("arc-agi-benchmarking JSON style, examples numbered from 0", () => {
    const small: Task = { train: [{ input: [[1]], output: [[2]] }], test: [{ input: [[3]] }] };
    const text = formatTaskPrompt(small, { style: "json" });
    expect(text).toContain("--Example 0-- \n\n INPUT: \n\n[[1]]\n\nOUTPUT: \n\n[[2]]\n\n");
    expect(text.endsWith("--Test Input--\n[[3]]\n--End of Test Input--\n\nYour response:")).toBe(true);
    expect(text.startsWith("You are participating in a puzzle solving competition.")).toBe(true);
    expect(formatTaskPrompt(task, { style: "json" })).toContain("[[0, 1, 2], [1, 0, 1]]");
  });

  it("ARC Prize text style", () => {
    const text = formatTaskPrompt(task, { style: "arc-prize" });
    expect(
      text.startsWith(
        "Find the common rule that maps an input grid to an output grid, given the examples below.\n\nExample 1:\n\nInput:\n0 1 2\n1 0 1\nOutput:\n1 0 2\n0 1 0\n\nExample 2:",
      ),
    ).toBe(true);
    expect(
      text.endsWith("Your final answer should just be the text output grid itself.\n\nInput:\n1 2 0\n0 1 2"),
    ).toBe(true);
  });

  it("the last grid of a prompt is the test input, in the chosen grid format", () => {
    for (const gridFormat of ["json", "digits", "pipe", "color-words"] as const) {
      const r = extractGrid(formatTaskPrompt(task, { gridFormat }));
      expect(r.ok && r.grid).toEqual(task.test[0]?.input);
    }
  });

  it("harmony style renders the seed prompt as a user turn for completion", () => {
    const text = formatTaskPrompt(task, { style: "harmony" });
    expect(text).toBe(`<|start|>user<|message|>${formatTaskPrompt(task)}<|end|><|start|>assistant`);
    const withDev = formatTaskPrompt(task, {
      style: "harmony",
      harmony: { developerInstructions: "Answer with a grid.", reasoningEffort: "high" },
    });
    expect(withDev.startsWith("<|start|>system<|message|>")).toBe(true);
    expect(withDev).toContain("Reasoning: high");
    expect(withDev).toContain("<|start|>developer<|message|># Instructions\n\nAnswer with a grid.");
    expect(withDev.endsWith("Test Output:<|end|><|start|>assistant")).toBe(true);
  });

  it("throws INVALID_OPTIONS for a bad test index or style", () => {
    for (const options of [{ testIndex: 2 }, { style: "xml" as never }]) {
      try {
        formatTaskPrompt(task, options);
        expect.unreachable();
      } catch (e) {
        expect(ArcError.isInstance(e) && e.code).toBe("INVALID_OPTIONS");
      }
    }
  });
});
