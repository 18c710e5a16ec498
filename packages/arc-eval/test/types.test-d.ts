import { describe, expectTypeOf, it } from "vitest";
import type { ExtractResult, Grid, ScoreResult, Task } from "../src/index.js";
import { compareGrids, extractGrid, scoreSubmission } from "../src/index.js";

describe("public types", () => {
  it("Grid is number[][] and Task pairs hold grids", () => {
    expectTypeOf<Grid>().toEqualTypeOf<number[][]>();
    expectTypeOf<Task["train"][number]["output"]>().toEqualTypeOf<number[][]>();
    expectTypeOf<Task["test"][number]["output"]>().toEqualTypeOf<number[][] | undefined>();
  });

  it("ExtractResult narrows on ok", () => {
    const r = extractGrid("1 2");
    expectTypeOf(r).toEqualTypeOf<ExtractResult>();
    if (r.ok) expectTypeOf(r.grid).toEqualTypeOf<Grid>();
    else
      expectTypeOf(r.reason).toEqualTypeOf<"NO_GRID" | "RAGGED_ROWS" | "VALUE_OUT_OF_RANGE" | "TOO_LARGE">();
  });

  it("compareGrids and scoreSubmission results", () => {
    expectTypeOf(compareGrids([[1]], [[1]]).pixelAccuracy).toEqualTypeOf<number>();
    expectTypeOf(scoreSubmission({}, {})).toEqualTypeOf<ScoreResult>();
    expectTypeOf<ScoreResult["aggregation"]>().toEqualTypeOf<"per-task" | "per-output" | "all-or-nothing">();
  });
});
