import { describe, expect, it } from "vitest";
import { extractGrid, extractGrids, inspectGrids } from "../src/index.js";

function grid(text: string, options?: Parameters<typeof extractGrid>[1]) {
  const r = extractGrid(text, options);
  return r.ok ? r.grid : r.reason;
}

describe("extractGrid: last grid wins", () => {
  it("never returns the echoed input when a later grid exists (community-environments #746)", () => {
    expect(grid("Input:\n1 2\n3 4\nOutput:\n2 4\n6 8")).toEqual([
      [2, 4],
      [6, 8],
    ]);
  });

  it("takes the last JSON grid, not the first (opencompass #2563)", () => {
    expect(grid("first [[1]] then [[4,4]]")).toEqual([[4, 4]]);
  });

  it("takes a later JSON grid over an earlier \\boxed{} (unlike arc-agi-benchmarking)", () => {
    expect(grid("\\boxed{[[1,2],[3,4]]} but actually [[5, 6]]")).toEqual([[5, 6]]);
  });

  it("reads \\boxed{} (arc-agi-benchmarking PR #50)", () => {
    expect(grid("so \\boxed{[[4, 4]]}")).toEqual([[4, 4]]);
  });

  it("ignores braces and brackets in prose after the grid", () => {
    expect(grid("[[1,2],[3,4]] as per {rule} (see step 3]")).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("reads through object wrappers and code fences", () => {
    expect(grid('{"output": [[1,2],[3,4]]}')).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(grid('```json\n{"grid": [[0, 7],\n [7, 0]]}\n```\nThat is it.')).toEqual([
      [0, 7],
      [7, 0],
    ]);
    expect(grid("```python\nresult = [[1, 1], [2, 2]]\n```")).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it("reads Python tuples and numpy-style lists", () => {
    expect(extractGrid("((1, 2), (3, 4))")).toMatchObject({
      ok: true,
      format: "python-tuple",
      grid: [
        [1, 2],
        [3, 4],
      ],
    });
    expect(grid("array:\n[[0 1 2]\n [3 4 5]]")).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });

  it("reads lists wrapped in Python calls or grouping parentheses", () => {
    expect(grid("x = np.array([[1, 2], [3, 4]])")).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(grid("print(((1, 2), (3, 4)))")).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(grid("return tuple(map(tuple, [[5]]))")).toEqual([[5]]);
  });

  it("reads one list per line without an outer list, and not a lone list", () => {
    expect(extractGrid("Output:\n[0, 1, 2]\n[3, 4, 5]\n")).toMatchObject({
      ok: true,
      format: "json",
      grid: [
        [0, 1, 2],
        [3, 4, 5],
      ],
    });
    expect(extractGrid("(1, 2),\n(3, 4)")).toMatchObject({ ok: true, format: "python-tuple" });
    expect(extractGrid("see [1]\n\n and [2]")).toMatchObject({ ok: false, reason: "NO_GRID" });
    expect(extractGrid("[1, 2]\n[3]")).toMatchObject({ ok: false, reason: "RAGGED_ROWS" });
  });

  it("reads a first row written after a caption on the same line", () => {
    const text = "Input:\n1 2\n3 4\nOutput: 2 4\n6 8";
    const r = extractGrid(text);
    expect(r).toMatchObject({
      ok: true,
      grid: [
        [2, 4],
        [6, 8],
      ],
      format: "space-separated",
    });
    if (r.ok) expect(text.slice(r.span.start, r.span.end)).toBe("2 4\n6 8");
    expect(grid("Final answer: 077\n777")).toEqual([
      [0, 7, 7],
      [7, 7, 7],
    ]);
    expect(grid("0 0\n0 0\nSize: 3 3")).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(grid("Answer: 5")).toEqual([[5]]);
  });

  it("reads pretty-printed JSON with one integer per line as one grid", () => {
    const text = JSON.stringify(
      [
        [0, 7],
        [1, 2],
      ],
      null,
      4,
    );
    const all = extractGrids(text);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      format: "json",
      grid: [
        [0, 7],
        [1, 2],
      ],
      span: { start: 0, end: text.length },
    });
  });

  it("reads space-separated rows (gpt-oss prompts) with trailing spaces", () => {
    expect(extractGrid("Based on the pattern analysis:\n2 0 1  \n1 2 0\n")).toMatchObject({
      ok: true,
      format: "space-separated",
      grid: [
        [2, 0, 1],
        [1, 2, 0],
      ],
    });
  });

  it("reads contiguous digits, pipes, flattened pipes, row numbers, spreadsheets, colour words", () => {
    expect(extractGrid("077\n777")).toMatchObject({
      format: "digits",
      grid: [
        [0, 7, 7],
        [7, 7, 7],
      ],
    });
    expect(extractGrid("| 0 | 7 |\n| 7 | 0 |")).toMatchObject({
      format: "pipe",
      grid: [
        [0, 7],
        [7, 0],
      ],
    });
    expect(extractGrid("|077|777|")).toMatchObject({
      format: "pipe-flattened",
      grid: [
        [0, 7, 7],
        [7, 7, 7],
      ],
    });
    expect(extractGrid("1 077\n2 777")).toMatchObject({
      format: "row-numbered",
      grid: [
        [0, 7, 7],
        [7, 7, 7],
      ],
    });
    expect(extractGrid("Row 1: 0 7\nRow 2: 7 0")).toMatchObject({
      format: "row-numbered",
      grid: [
        [0, 7],
        [7, 0],
      ],
    });
    expect(extractGrid(" |A|B|C\n1|0|7|7\n2|7|7|7")).toMatchObject({
      format: "spreadsheet",
      grid: [
        [0, 7, 7],
        [7, 7, 7],
      ],
    });
    expect(extractGrid("Black Orange\nteal, Gray")).toMatchObject({
      format: "color-words",
      grid: [
        [0, 7],
        [8, 5],
      ],
    });
    expect(extractGrid("Black Orange\nTeal Gray")).toMatchObject({
      format: "color-words",
      grid: [
        [0, 7],
        [8, 5],
      ],
    });
    expect(extractGrid("comma rows:\n0,7,7\n7,7,7")).toMatchObject({
      format: "comma-separated",
      grid: [
        [0, 7, 7],
        [7, 7, 7],
      ],
    });
  });

  it("reads every grid of a Kaggle 2020 output cell", () => {
    const all = extractGrids("|01|10| |11|00|");
    expect(all.map((c) => [c.format, c.grid, c.span])).toEqual([
      [
        "pipe-flattened",
        [
          [0, 1],
          [1, 0],
        ],
        { start: 0, end: 7 },
      ],
      [
        "pipe-flattened",
        [
          [1, 1],
          [0, 0],
        ],
        { start: 8, end: 15 },
      ],
    ]);
  });

  it("uses a caller palette for colour words", () => {
    expect(grid("purple pink", { palette: { purple: 6, pink: 8 } })).toEqual([[6, 8]]);
    expect(grid("purple pink")).toEqual([[8, 6]]);
  });

  it("does not read Berman-2025 style garbage: contiguous digits are cells, not numbers", () => {
    expect(grid("012\n345")).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });
});

describe("extractGrid: failures are reasons, never exceptions", () => {
  it("NO_GRID", () => {
    expect(extractGrid("I could not solve it.")).toMatchObject({ ok: false, reason: "NO_GRID" });
    expect(extractGrid("")).toMatchObject({ ok: false, reason: "NO_GRID" });
    expect(extractGrid("[[]]")).toMatchObject({ ok: false, reason: "NO_GRID" });
    expect(extractGrid("[[[1]]]")).toMatchObject({ ok: false, reason: "NO_GRID" }); // 3-D is not a grid
    expect(extractGrid(42 as unknown as string)).toMatchObject({ ok: false, reason: "NO_GRID" });
  });

  it("RAGGED_ROWS", () => {
    expect(extractGrid("[[1,2],[3]]")).toMatchObject({ ok: false, reason: "RAGGED_ROWS" });
    expect(extractGrid("1 2 3\n4 5")).toMatchObject({ ok: false, reason: "RAGGED_ROWS" });
  });

  it("VALUE_OUT_OF_RANGE (also floats and booleans-as-numbers are not accepted)", () => {
    expect(extractGrid("[[1,20],[3,-4]]")).toMatchObject({ ok: false, reason: "VALUE_OUT_OF_RANGE" });
    expect(extractGrid("[[1.0, 2.0]]")).toMatchObject({ ok: false, reason: "VALUE_OUT_OF_RANGE" });
    expect(extractGrid("1 2\n3 12")).toMatchObject({ ok: false, reason: "VALUE_OUT_OF_RANGE" });
  });

  it("TOO_LARGE", () => {
    const big = Array.from({ length: 31 }, () => "0".repeat(5)).join("\n");
    expect(extractGrid(big)).toMatchObject({ ok: false, reason: "TOO_LARGE" });
    expect(
      extractGrid(`[${Array.from({ length: 2 }, () => `[${Array(31).fill(1).join(",")}]`).join(",")}]`),
    ).toMatchObject({
      ok: false,
      reason: "TOO_LARGE",
    });
    expect(extractGrid("0 0\n0 0", { maxSize: 1 })).toMatchObject({ ok: false, reason: "TOO_LARGE" });
  });

  it("a valid earlier grid beats a later invalid block", () => {
    expect(grid("[[1,2],[3,4]] then [[1,2],[3]]")).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const inspected = inspectGrids("[[1,2],[3,4]] then [[1,2],[3]]");
    expect(inspected.candidates).toHaveLength(1);
    expect(inspected.rejected[0]).toMatchObject({ reason: "RAGGED_ROWS", format: "json" });
  });
});

describe("extractGrids", () => {
  it("returns every candidate with format and span", () => {
    const text = "Input:\n1 2\n3 4\nOutput: [[2, 4], [6, 8]]";
    const all = extractGrids(text);
    expect(all.map((c) => c.format)).toEqual(["space-separated", "json"]);
    for (const c of all) expect(text.slice(c.span.start, c.span.end).length).toBe(c.span.end - c.span.start);
    expect(text.slice(all[0]?.span.start, all[0]?.span.end)).toBe("1 2\n3 4");
    expect(text.slice(all[1]?.span.start, all[1]?.span.end)).toBe("[[2, 4], [6, 8]]");
  });

  it("can be restricted to some formats", () => {
    expect(extractGrids("1 2\n3 4\n[[5]]", { formats: ["space-separated"] }).map((c) => c.grid)).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
  });
});

describe("harmony completions", () => {
  const completion =
    "<|channel|>analysis<|message|>The input is\n1 1\n1 1\nso I double it.<|end|>" +
    "<|start|>assistant<|channel|>final<|message|>2 2\n2 2<|return|>";

  it("prefers the final channel", () => {
    const r = extractGrid(completion);
    expect(r).toMatchObject({
      ok: true,
      channel: "final",
      grid: [
        [2, 2],
        [2, 2],
      ],
    });
    if (r.ok) expect(completion.slice(r.span.start, r.span.end)).toBe("2 2\n2 2");
  });

  it("prefers the final channel even when analysis has a later-looking grid in the raw text order", () => {
    const text =
      "<|start|>assistant<|channel|>final<|message|>[[3]]<|end|>" +
      "<|start|>assistant<|channel|>analysis<|message|>scratch: [[9, 9]]<|end|>";
    expect(grid(text)).toEqual([[3]]);
  });

  it("reads the seed's malformed `final<|return|>` header", () => {
    const seed =
      "<|channel|>analysis<|return|>\nLooking at the examples, I can see the pattern is...\n\n<|channel|>final<|return|>\n2 0 1\n1 2 0\n<|end|>";
    expect(grid(seed)).toEqual([
      [2, 0, 1],
      [1, 2, 0],
    ]);
  });

  it("falls back to the whole text unless final-only", () => {
    const text =
      "<|channel|>analysis<|message|>[[1, 2]]<|end|><|start|>assistant<|channel|>final<|message|>no idea<|return|>";
    expect(grid(text)).toEqual([[1, 2]]);
    expect(grid(text, { harmony: "final-only" })).toBe("NO_GRID");
    expect(extractGrid(text, { harmony: "ignore" })).toMatchObject({ ok: true });
  });
});

describe("long responses", () => {
  it("finds the last grid of a long response and is not fooled by a grid inside a 3-D list", () => {
    const prose = "Let me think about the rows and columns. ".repeat(500);
    const answer = Array.from({ length: 30 }, (_, r) =>
      Array.from({ length: 30 }, (_, c) => (r * c) % 10).join(" "),
    ).join("\n");
    const r = extractGrid(`${prose}\nInput:\n1 2\n3 4\n${prose}\nFinal answer:\n${answer}\nThat's all.`);
    expect(r.ok && r.grid.length === 30 && r.grid[29]?.[29]).toBe((29 * 29) % 10);
    const nested = `${prose}[[[1, 2], [3, 4]],\n${"[[5, 6], [7, 8]],\n".repeat(400)}[[9, 9], [9, 9]]]`;
    expect(extractGrid(`[[0]] ${nested}`)).toMatchObject({ ok: true, grid: [[0]] });
  });

  it("bounds the work on huge texts to the last maxChars characters", () => {
    const huge = `${"[[1]] ".repeat(400_000)}\nfinal:\n0 1\n1 0`;
    expect(extractGrid(huge)).toMatchObject({
      ok: true,
      grid: [
        [0, 1],
        [1, 0],
      ],
    });
    const early = `[[7]]\n${"word ".repeat(300_000)}`;
    expect(extractGrid(early)).toMatchObject({ ok: false, reason: "NO_GRID" });
    expect(extractGrid(early, { maxChars: 2_000_000 })).toMatchObject({ ok: true, grid: [[7]] });
  });

  it("a grid whose first rows sit before the scan window is read whole", () => {
    const prose = "words ".repeat(3000);
    const rows = Array.from({ length: 1200 }, () => "1 2 3").join("\n");
    // 1200 rows is TOO_LARGE as a whole; a window-truncated read must not return a valid fragment
    expect(extractGrid(`${prose}\n${rows}`)).toMatchObject({ ok: false, reason: "TOO_LARGE" });
  });
});
