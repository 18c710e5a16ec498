import { describe, expect, it } from "vitest";
import { createScorer } from "../src/index.js";
import { arcLangGridSimilarity } from "../src/kinds/arc.js";

const scorer = createScorer({
  version: 1,
  name: "arc",
  rewards: [
    {
      id: "grid",
      kind: "arc.grid",
      params: { weights: { perfect: 1, sizeMatch: 1, pixelAccuracy: 1, formatValid: 1 } },
    },
  ],
});
const target = [
  [1, 2],
  [3, 4],
];
const harmony = (analysis: string, final: string) =>
  `<|channel|>analysis<|message|>${analysis}<|end|><|start|>assistant<|channel|>final<|message|>${final}<|return|>`;
const run = (completion: string, answer: unknown = target) =>
  scorer.score([{ completion, answer }]).samples[0]!;

describe("arc.grid", () => {
  it("perfect match in the final channel", () => {
    const r = run(harmony("the input was [[0,0],[0,0]]", "[[1,2],[3,4]]"));
    expect(r.breakdown).toEqual({
      "grid.perfect": 1,
      "grid.sizeMatch": 1,
      "grid.pixelAccuracy": 1,
      "grid.formatValid": 1,
    });
    expect(r.reward).toBe(1);
  });
  it("never reads the analysis channel", () => {
    const r = run(harmony("answer: [[1,2],[3,4]]", "I am not sure"));
    expect(r.breakdown["grid.formatValid"]).toBe(0);
    expect(r.reward).toBe(0);
    const noFinal = run("<|channel|>analysis<|message|>[[1,2],[3,4]]<|end|>");
    expect(noFinal.reward).toBe(0);
    expect(noFinal.diagnostics.map((d) => d.code)).toContain("ARC_NO_FINAL");
  });
  it("pixel accuracy on equal size, 0 on size mismatch", () => {
    expect(run(harmony("a", "[[1,2],[3,0]]")).breakdown["grid.pixelAccuracy"]).toBe(0.75);
    const r = run(harmony("a", "[[1,2,3],[3,4,5]]"));
    expect(r.breakdown["grid.sizeMatch"]).toBe(0);
    expect(r.breakdown["grid.pixelAccuracy"]).toBe(0);
    expect(r.breakdown["grid.formatValid"]).toBe(1);
  });
  it("ragged grids are not a valid format", () => {
    const r = run(harmony("a", "[[1,2],[3]]"));
    expect(r.breakdown["grid.formatValid"]).toBe(0);
    expect(r.diagnostics.some((d) => d.code.startsWith("ARC_"))).toBe(true);
  });
  it("seed ARC-log form: <|return|> used as a separator after channel headers", () => {
    const seed =
      "<|channel|>analysis<|return|>\nLooking at the examples, the rule is...\n\n<|channel|>final<|return|>\n1 2\n3 4\n<|end|>";
    const r = run(seed);
    expect(r.breakdown["grid.perfect"]).toBe(1);
  });
  it("plain text completions and text grids", () => {
    expect(run("Output:\n1 2\n3 4").breakdown["grid.perfect"]).toBe(1);
  });
  it("stripped harmony reads after the last assistantfinal", () => {
    const r = run("analysisthe grid [[0,0],[0,0]]assistantfinal[[1,2],[3,4]]");
    expect(r.breakdown["grid.perfect"]).toBe(1);
    expect(r.diagnostics[0]!.code).toBe("HARMONY_MARKERS_STRIPPED");
  });
  it("answer as JSON text; a bad answer is an error, not a 0", () => {
    expect(run(harmony("a", "[[1,2],[3,4]]"), "[[1,2],[3,4]]").reward).toBe(1);
    expect(() => run(harmony("a", "[[1]]"), [[1, 2], [3]])).toThrow(/rectangular grid/);
    expect(() => run(harmony("a", "[[1]]"), null)).toThrow(/target grid/);
  });
});

describe("arc_lang.grid_similarity (parity)", () => {
  it("0 on empty or shape mismatch, else the equal-cell share", () => {
    expect(
      arcLangGridSimilarity(
        [
          [1, 2],
          [3, 4],
        ],
        [
          [1, 2],
          [3, 0],
        ],
      ),
    ).toBe(0.75);
    expect(arcLangGridSimilarity([[1, 2]], [])).toBe(0);
    expect(arcLangGridSimilarity([[1, 2]], [[1, 2, 3]])).toBe(0);
    // only row 0's width is checked: a longer later row is ignored, a shorter one raises IndexError
    expect(
      arcLangGridSimilarity(
        [
          [1, 2],
          [3, 4],
        ],
        [
          [1, 2],
          [3, 4, 5],
        ],
      ),
    ).toBe(1);
    expect(() =>
      arcLangGridSimilarity(
        [
          [1, 2],
          [3, 4],
        ],
        [[1, 2], [3]],
      ),
    ).toThrow(/IndexError/);
    expect(
      arcLangGridSimilarity(
        [
          [1, 2],
          [3, 4],
        ],
        [[1, 2], [3]],
        "skip",
      ),
    ).toBe(0.75);
  });
  it("as a kind: prediction field or the final channel", () => {
    const s = createScorer({
      version: 1,
      name: "a",
      rewards: [{ id: "sim", kind: "arc_lang.grid_similarity", onError: null }],
    });
    const r = s.score([
      {
        completion: "",
        prediction: [
          [1, 2],
          [3, 0],
        ],
        answer: [
          [1, 2],
          [3, 4],
        ],
      },
      {
        completion: harmony("[[9]]", "[[1,2],[3,4]]"),
        answer: [
          [1, 2],
          [3, 4],
        ],
      },
      {
        completion: "",
        prediction: [[1, 2], [3]],
        answer: [
          [1, 2],
          [3, 4],
        ],
      },
    ]);
    expect(r.samples.map((x) => x.reward)).toEqual([0.75, 1, null]);
    expect(r.samples[2]!.diagnostics[0]!.code).toBe("INDEX_ERROR");
  });
});
