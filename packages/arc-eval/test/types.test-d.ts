import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { Aggregation, ExtractResult, Grid, ScoreResult, Task } from "../src/index.js";
import {
  compareGrids,
  extractGrid,
  type gridSchema,
  scoreSubmission,
  type taskSchema,
} from "../src/index.js";

describe("public types", () => {
  it("grids and tasks are inferred from the zod schemas", () => {
    expectTypeOf<Grid>().toEqualTypeOf<z.infer<typeof gridSchema>>();
    expectTypeOf<Task>().toEqualTypeOf<z.infer<typeof taskSchema>>();
    expectTypeOf<Grid[number][number]>().toEqualTypeOf<number>();
    expectTypeOf<Task["test"][number]["input"]>().toEqualTypeOf<Grid>();
  });
  it("extraction results narrow on ok", () => {
    expectTypeOf(extractGrid).returns.toEqualTypeOf<ExtractResult>();
    expectTypeOf<Extract<ExtractResult, { ok: true }>["grid"]>().toEqualTypeOf<Grid>();
    expectTypeOf<Extract<ExtractResult, { ok: false }>>().not.toHaveProperty("grid");
  });
  it("scoring has the contract signatures and aggregation names", () => {
    expectTypeOf<Aggregation>().toEqualTypeOf<"per-task" | "per-output" | "all-or-nothing">();
    expectTypeOf(scoreSubmission).returns.toEqualTypeOf<ScoreResult>();
    expectTypeOf<ScoreResult["aggregations"]>().toEqualTypeOf<
      Record<Aggregation, ScoreResult["aggregations"]["per-task"]>
    >();
    expectTypeOf(compareGrids).returns.toHaveProperty("pixelAccuracy").toEqualTypeOf<number>();
    expectTypeOf(compareGrids).returns.toHaveProperty("sizeMatch").toEqualTypeOf<boolean>();
  });
});
