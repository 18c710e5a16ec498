import { describe, expect, it } from "vitest";
import {
  cosineScaled,
  kimiLengthRewards,
  overlongDapo,
  overlongOpenRlhf,
  overlongVerl,
} from "../src/kinds/length.js";
import { lastBoxedOnlyString, minervaAnswers, verlMathDapoScore } from "../src/kinds/parity/math-dapo.js";
import { normalizeFinalAnswer } from "../src/kinds/parity/math-normalize.js";
import {
  countReasoningSteps,
  openR1CodeFormat,
  openR1Format,
  openR1ReasoningSteps,
  openR1RepetitionPenalty,
  openR1TagCount,
} from "../src/kinds/parity/open-r1.js";
import { trlRepetitionPenalty, trlSoftOverlong, trlThinkFormat } from "../src/kinds/parity/trl.js";
import { verlGsm8kExtract, verlGsm8kScore } from "../src/kinds/parity/verl-gsm8k.js";

const WELL = "<think>\nreasoning here\n</think>\n<answer>\n42\n</answer>";

describe("format parity (reference §11 worked values)", () => {
  const cases: [string, string, number, number, number][] = [
    ["well-formed", WELL, 1, 1, 1],
    ["trailing junk", `${WELL}\nPS: ignore the above`, 1, 1, 1],
    ["duplicate </answer>", `${WELL}\n</answer>`, 1, 1, 0.75],
    ["two blocks", `${WELL}\n${WELL}`, 0, 1, 0],
    ["prefilled <think>", "reasoning continues\n</think>\nThe answer is 4", 0, 0, 0.25],
    ["no newlines", "<think>x</think><answer>y</answer>", 1, 0, 0],
    ["empty output", "", 0, 0, 0],
  ];
  for (const [name, text, think, format, tags] of cases) {
    it(name, () => {
      expect(trlThinkFormat(text)).toBe(think);
      expect(openR1Format(text)).toBe(format);
      expect(openR1TagCount(text)).toBe(tags);
    });
  }
  it("open-r1 format: MULTILINE $ needs a newline or end after </answer>", () => {
    expect(openR1Format(`${WELL}junk`)).toBe(0);
    expect(openR1Format(`${WELL}junk\n</answer>`)).toBe(1);
  });
  it("code_format", () => {
    const ok = "<think>\nplan\n</think>\n<answer>\n```python\nprint(1)\n```\n</answer>";
    expect(openR1CodeFormat(ok, "python")).toBe(1);
    expect(openR1CodeFormat(ok, "cpp")).toBe(0);
    expect(openR1CodeFormat(`${ok}\ntrailing`, "python")).toBe(1);
    expect(
      openR1CodeFormat("<think>\nplan\n</think>\n<answer>\n```python\nprint(1)\n</answer>", "python"),
    ).toBe(0);
  });
});

describe("open-r1 reasoning_steps", () => {
  it("counts markers like re.findall", () => {
    expect(countReasoningSteps("Step 1: a\nStep 2: b\nStep 3: c")).toBe(3);
    expect(countReasoningSteps("1. a\n2. b")).toBe(1); // ^ only at string start (no MULTILINE)
    expect(countReasoningSteps("First, x. Second, y.\n- z\n* w")).toBe(4);
    expect(countReasoningSteps("Step x: no")).toBe(0);
    expect(openR1ReasoningSteps("First, Next, Finally, Second,")).toBe(1);
    expect(openR1ReasoningSteps("First,")).toBeCloseTo(1 / 3, 12);
  });
});

describe("repetition penalties", () => {
  it("TRL token docstring example (n=2)", () => {
    expect(trlRepetitionPenalty([1, 2, 3, 4], 2, -1)).toBe(0);
    expect(trlRepetitionPenalty([5, 5, 5, 5, 5], 2, -1)).toBeCloseTo(-0.75, 12);
    expect(trlRepetitionPenalty([1], 2, -1)).toBe(0);
  });
  it("open-r1 emits -0.0 when nothing repeats, +0 for empty / short", () => {
    expect(Object.is(openR1RepetitionPenalty("a b c d e", 3, -1), -0)).toBe(true);
    expect(Object.is(openR1RepetitionPenalty("", 3, -1), 0)).toBe(true);
    expect(Object.is(openR1RepetitionPenalty("a b", 3, -1), 0)).toBe(true);
    // words lower-cased: "A b a B a b" → ngrams (a,b,a),(b,a,b),(a,b,a),(b,a,b) → 2 unique / 4
    expect(openR1RepetitionPenalty("A b a B a b", 3, -1)).toBeCloseTo(-0.5, 12);
  });
});

describe("length shaping (reference §11 token rewards, Lmax=100, Lcache=20)", () => {
  const table: [number, number, number, number][] = [
    [80, 0, 0, 0],
    [81, -0.05, -0.05, -0.05],
    [90, -0.5, -0.5, -0.5],
    [100, -1, -1, -1],
    [101, -1, -1.05, -1],
  ];
  for (const [L, dapo, verl, orl] of table) {
    it(`L=${L}`, () => {
      expect(overlongDapo(L, 100, 20)).toBeCloseTo(dapo, 12);
      expect(trlSoftOverlong(L, 100, 20)).toBeCloseTo(dapo, 12);
      expect(overlongVerl(L, 100, 20)).toBeCloseTo(verl, 12);
      expect(overlongOpenRlhf(L, 100, 20)).toBeCloseTo(orl, 12);
    });
  }
  it("cosine docstring example: max_len=100, 50 tokens → [0.75, -0.75]", () => {
    const v = { minValueWrong: -1, maxValueWrong: -0.5, minValueCorrect: 0.5, maxValueCorrect: 1 };
    expect(cosineScaled(50, 100, true, v, true)).toBeCloseTo(0.75, 12);
    expect(cosineScaled(50, 100, false, v, true)).toBeCloseTo(-0.75, 12);
    // clamp vs open-r1 no clamp beyond max_len
    expect(cosineScaled(200, 100, true, v, true)).toBeCloseTo(0.5, 12);
    expect(cosineScaled(200, 100, true, v, false)).toBeCloseTo(1, 12);
  });
  it("Kimi len_reward", () => {
    const r = kimiLengthRewards([10, 20, 30], [true, false, true]);
    expect(r[0]).toBeCloseTo(0.5, 12);
    expect(r[1]).toBeCloseTo(0, 12);
    expect(r[2]).toBeCloseTo(-0.5, 12);
    expect(kimiLengthRewards([5, 5], [true, false])).toEqual([0, 0]);
    expect(kimiLengthRewards([10, 30], [false, false])).toEqual([0, -0.5]);
  });
});

describe("verl gsm8k", () => {
  it("strict takes the last #### match, strips , and $", () => {
    expect(verlGsm8kExtract("so #### 1,234", "strict")).toBe("1234");
    expect(verlGsm8kExtract("#### 1 then #### -5", "strict")).toBe("-5");
    expect(verlGsm8kExtract("no marker 42", "strict")).toBe(null);
    expect(verlGsm8kScore("The answer is #### 72", "72")).toBe(1);
    expect(verlGsm8kScore("The answer is 72", "72")).toBe(0);
    expect(verlGsm8kScore("#### 71", "72", "strict", 0.1)).toBe(0.1);
  });
  it("flexible keeps commas and a trailing dot", () => {
    expect(verlGsm8kExtract("it is 1234.", "flexible")).toBe("1234.");
    expect(verlGsm8kScore("it is 1234.", "1234", "flexible")).toBe(0);
    expect(verlGsm8kExtract("a 1,000 b", "flexible")).toBe("1,000");
    expect(verlGsm8kExtract("x 12 and .", "flexible")).toBe("12");
    expect(verlGsm8kExtract("only .", "flexible")).toBe(".");
    expect(verlGsm8kExtract("nothing", "flexible")).toBe(null);
  });
  it("only the last 300 characters are read", () => {
    expect(verlGsm8kExtract(`#### 5${" ".repeat(400)}`, "strict")).toBe(null);
  });
});

describe("verl math_dapo", () => {
  it("normalize_final_answer", () => {
    expect(normalizeFinalAnswer("x = 5")).toBe("5");
    expect(normalizeFinalAnswer("\\boxed{10}")).toBe("10");
    expect(normalizeFinalAnswer("$\\frac12$")).toBe("\\frac{1}{2}");
    expect(normalizeFinalAnswer("1,000")).toBe("1000");
    expect(normalizeFinalAnswer("5 dollars")).toBe("5");
    expect(normalizeFinalAnswer("\\text{(A)}")).toBe("(A)");
    expect(normalizeFinalAnswer("\\sqrt2")).toBe("\\sqrt{2}");
  });
  it("Minerva answer regex", () => {
    expect(minervaAnswers("Answer: 5\nanswer :  7")).toEqual(["5", "7"]);
    expect(minervaAnswers("ANSWER:\n 9")).toEqual(["9"]);
    expect(minervaAnswers("no")).toEqual([]);
  });
  it("compute_score", () => {
    expect(verlMathDapoScore("... Answer: 42", "42")).toEqual({ score: 1, acc: true, pred: "42" });
    expect(verlMathDapoScore("... Answer: 41", "42").score).toBe(-1);
    expect(verlMathDapoScore("no answer", "42")).toEqual({ score: -1, acc: false, pred: "[INVALID]" });
    expect(verlMathDapoScore("so \\boxed{42}", "42", true).score).toBe(1);
    expect(lastBoxedOnlyString("a \\boxed{1} b \\boxed{{2}}")).toBe("\\boxed{{2}}");
    expect(lastBoxedOnlyString("\\boxed{unclosed")).toBe(null);
  });
});
