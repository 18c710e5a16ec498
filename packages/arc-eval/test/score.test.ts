import { describe, expect, it } from "vitest";
import {
  ArcError,
  buildSubmission,
  compareGrids,
  parseSubmission,
  scoreSubmission,
  submissionFromBenchmarking,
} from "../src/index.js";

const one = { a: [[[1, 1]]] };
const two = {
  b: [[[1]], [[2, 2]]],
};

describe("compareGrids", () => {
  it("pixel accuracy is the share of equal cells when shapes match", () => {
    expect(
      compareGrids(
        [
          [0, 1, 1],
          [1, 0, 1],
        ],
        [
          [0, 1, 2],
          [1, 0, 1],
        ],
      ),
    ).toEqual({
      sizeMatch: true,
      pixelAccuracy: 5 / 6,
      perfect: false,
      cellsWrong: 1,
    });
    expect(compareGrids([[3]], [[3]])).toEqual({
      sizeMatch: true,
      pixelAccuracy: 1,
      perfect: true,
      cellsWrong: 0,
    });
  });

  it("is 0 on size mismatch (no alignment), unless the overlap alternative is asked for", () => {
    expect(
      compareGrids(
        [[0, 1]],
        [
          [0, 1],
          [1, 1],
        ],
      ),
    ).toEqual({ sizeMatch: false, pixelAccuracy: 0, perfect: false, cellsWrong: 4 });
    expect(
      compareGrids(
        [[0, 1]],
        [
          [0, 1],
          [1, 1],
        ],
        { sizeMismatch: "overlap" },
      ).pixelAccuracy,
    ).toBe(2 / 4);
  });

  it("treats extra columns as a mismatch (the official UI bug) and invalid predictions as wrong", () => {
    expect(compareGrids([[1, 2, 3]], [[1, 2]]).sizeMatch).toBe(false);
    expect(compareGrids(null, [[1, 2]])).toEqual({
      sizeMatch: false,
      pixelAccuracy: 0,
      perfect: false,
      cellsWrong: 2,
    });
    expect(compareGrids([["1", 2]], [[1, 2]]).perfect).toBe(false);
    expect(compareGrids([[true, 1]], [[1, 1]]).perfect).toBe(false);
    expect(
      compareGrids(
        [[1, 2], [3]],
        [
          [1, 2],
          [3, 4],
        ],
      ).sizeMatch,
    ).toBe(false);
  });
});

describe("scoreSubmission", () => {
  it("takes the denominator from the ground truth (2-test task, only test 0 submitted)", () => {
    const r = scoreSubmission({ b: [{ attempt_1: [[1]], attempt_2: [[0]] }] }, two);
    expect(r.score).toBe(0.5);
    expect(r.problems).toEqual([expect.objectContaining({ taskId: "b", index: 1, code: "MISSING_OUTPUT" })]);
    expect(r.tasks[0]?.outputs).toEqual([
      expect.objectContaining({
        index: 0,
        solved: true,
        solvedBy: "attempt_1",
        sizeMatch: true,
        pixelAccuracy: 1,
      }),
      expect.objectContaining({
        index: 1,
        solved: false,
        solvedBy: null,
        sizeMatch: false,
        pixelAccuracy: 0,
      }),
    ]);
  });

  it("a null attempt_1 is wrong but attempt_2 still counts", () => {
    const r = scoreSubmission({ a: [{ attempt_1: null, attempt_2: [[1, 1]] }] }, one);
    expect(r.score).toBe(1);
    expect(r.tasks[0]?.outputs[0]?.solvedBy).toBe("attempt_2");
    expect(r.problems.map((p) => p.code)).toEqual(["MISSING_ATTEMPT"]);
  });

  it("counts only the first `attempts` attempts (attempt_3 is ignored, attempt_10 is not attempt_1)", () => {
    const sub = {
      a: [{ attempt_1: [[0, 0]], attempt_2: [[0, 0]], attempt_3: [[1, 1]], attempt_10: [[1, 1]] }],
    };
    const r = scoreSubmission(sub, one);
    expect(r.score).toBe(0);
    expect(r.problems.filter((p) => p.code === "IGNORED_ATTEMPT").map((p) => p.attempt)).toEqual([
      "attempt_3",
      "attempt_10",
    ]);
    expect(scoreSubmission(sub, one, { attempts: 3 }).score).toBe(1);
  });

  it("uses strict equality: booleans, strings and ragged grids never match", () => {
    const cases = [[[true, true]], [["1", "1"]], "final: [[1, 1]]", [[1, 1], [1]], [[1, 1, 1]]];
    for (const answer of cases) {
      const r = scoreSubmission({ a: [{ attempt_1: answer, attempt_2: [] }] }, one);
      expect(r.score).toBe(0);
    }
    const codes = scoreSubmission({ a: [{ attempt_1: "final: [[1, 1]]", attempt_2: [] }] }, one).problems.map(
      (p) => p.code,
    );
    expect(codes).toEqual(["INVALID_ATTEMPT", "EMPTY_ATTEMPT"]);
  });

  it("never gives a task more than 1: duplicate entries are EXTRA_OUTPUT", () => {
    const r = scoreSubmission(
      {
        a: [
          { attempt_1: [[1, 1]], attempt_2: [[1, 1]] },
          { attempt_1: [[1, 1]], attempt_2: [[1, 1]] },
        ],
      },
      one,
    );
    expect(r.score).toBe(1);
    expect(r.solved).toBe(1);
    expect(r.problems.map((p) => p.code)).toEqual(["EXTRA_OUTPUT"]);
  });

  it("maps attempts to test outputs by position, not metadata", () => {
    // answering test 0's output for test 1 does not solve test 1
    const r = scoreSubmission(
      {
        b: [
          { attempt_1: [[1]], attempt_2: [[1]] },
          { attempt_1: [[1]], attempt_2: [[1]] },
        ],
      },
      two,
    );
    expect(r.score).toBe(0.5);
  });

  it("counts missing tasks in the denominator and lists them; unknown tasks are reported", () => {
    const r = scoreSubmission(
      { a: [{ attempt_1: [[1, 1]], attempt_2: [[0]] }], zzz: [] },
      { ...one, ...two },
    );
    expect(r.score).toBe(0.5);
    expect(r.total).toBe(2);
    expect(r.missing).toEqual(["b"]);
    expect(r.problems.map((p) => p.code).sort()).toEqual(["MISSING_TASK", "UNKNOWN_TASK"]);
  });

  it("the three aggregations differ on multi-test tasks", () => {
    const sub = {
      a: [{ attempt_1: [[1, 1]], attempt_2: [[0]] }],
      b: [
        { attempt_1: [[1]], attempt_2: [[0]] },
        { attempt_1: [[0]], attempt_2: [[0]] },
      ],
    };
    const truth = { ...one, ...two };
    expect(scoreSubmission(sub, truth).score).toBe(0.75);
    expect(scoreSubmission(sub, truth, { aggregation: "per-output" }).score).toBe(2 / 3);
    const strict = scoreSubmission(sub, truth, { aggregation: "all-or-nothing" });
    expect(strict.score).toBe(0.5);
    expect(strict.tasks.map((t) => t.score)).toEqual([1, 0]);
  });

  it("reports malformed entries as problems", () => {
    const r = scoreSubmission(
      { a: { attempt_1: [[1, 1]] }, b: ["x", { attempt_1: [[2, 2]] }] },
      { ...one, ...two },
    );
    expect(r.problems.map((p) => p.code)).toEqual([
      "MALFORMED_TASK_ENTRY",
      "MALFORMED_OUTPUT_ENTRY",
      "MISSING_ATTEMPT",
    ]);
    expect(r.score).toBe(0.25);
  });

  it("accepts full tasks as ground truth", () => {
    const task = { train: [{ input: [[0]], output: [[1]] }], test: [{ input: [[0]], output: [[1]] }] };
    expect(scoreSubmission({ t: [{ attempt_1: [[1]], attempt_2: [[1]] }] }, { t: task }).score).toBe(1);
  });

  it("throws typed errors for bad arguments", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(ArcError.isInstance(e)).toBe(true);
        return (e as ArcError).code;
      }
      return "no error";
    };
    expect(code(() => scoreSubmission([], one))).toBe("INVALID_SUBMISSION");
    expect(code(() => scoreSubmission({}, { a: [[[1, 10]]] }))).toBe("INVALID_SOLUTIONS");
    expect(code(() => scoreSubmission({}, { a: [] }))).toBe("INVALID_SOLUTIONS");
    expect(code(() => scoreSubmission({}, one, { attempts: 0 }))).toBe("INVALID_OPTIONS");
    expect(code(() => scoreSubmission({}, one, { aggregation: "macro" as never }))).toBe("INVALID_OPTIONS");
    expect(code(() => parseSubmission("{"))).toBe("INVALID_JSON");
    expect(code(() => parseSubmission("[1]"))).toBe("INVALID_SUBMISSION");
  });
});

describe("buildSubmission", () => {
  it("writes both attempts for every test output, with a placeholder", () => {
    const sub = buildSubmission({ a: [[[[1, 1]], null]] }, { a: 1, b: 2 });
    expect(sub).toEqual({
      a: [{ attempt_1: [[1, 1]], attempt_2: [[0]] }],
      b: [
        { attempt_1: [[0]], attempt_2: [[0]] },
        { attempt_1: [[0]], attempt_2: [[0]] },
      ],
    });
  });
});

describe("submissionFromBenchmarking", () => {
  const meta = (pair_index: number) => ({ model: "m", pair_index });
  it("parses string answers, keeps nulls, maps pairs by position", () => {
    const results = {
      b: [
        { attempt_1: { answer: "final: [[1]]", metadata: meta(1) }, attempt_2: null },
        {
          attempt_1: { answer: [[2, 2]], metadata: meta(0) },
          attempt_2: { answer: "no idea", metadata: meta(0) },
        },
      ],
    };
    const sub = submissionFromBenchmarking(results);
    expect(sub).toEqual({
      b: [
        { attempt_1: [[1]], attempt_2: null },
        { attempt_1: [[2, 2]], attempt_2: "no idea" },
      ],
    });
    const r = scoreSubmission(sub, two);
    expect(r.score).toBe(1);
    expect(r.problems.map((p) => p.code)).toEqual(["MISSING_ATTEMPT", "INVALID_ATTEMPT"]);
  });

  it("two entries claiming pair 0 cannot give a task more than 1 (arc-agi-benchmarking #97)", () => {
    const results = {
      a: [
        { attempt_1: { answer: [[1, 1]], metadata: meta(0) }, attempt_2: null },
        { attempt_1: { answer: [[1, 1]], metadata: meta(0) }, attempt_2: null },
      ],
    };
    const r = scoreSubmission(submissionFromBenchmarking(results), one);
    expect(r.score).toBe(1);
    expect(r.problems.map((p) => p.code)).toContain("EXTRA_OUTPUT");
  });

  it("rejects a task that is not a list", () => {
    try {
      submissionFromBenchmarking({ a: {} });
      expect.unreachable();
    } catch (e) {
      expect(ArcError.isInstance(e) && e.code).toBe("INVALID_SUBMISSION");
    }
  });
});

describe("scoreResponse and fingerprintTasks", () => {
  it("scoreResponse gives the per-candidate training record", async () => {
    const { scoreResponse } = await import("../src/index.js");
    const r = scoreResponse("Let me think.\n0 1 1\n1 0 1", [
      [0, 1, 2],
      [1, 0, 1],
    ]);
    expect(r).toMatchObject({
      hasGrid: true,
      sizeMatch: true,
      perfect: false,
      cellsWrong: 1,
      grid: [
        [0, 1, 1],
        [1, 0, 1],
      ],
    });
    expect(r.pixelAccuracy).toBeCloseTo(5 / 6, 12);
    expect(scoreResponse("no grid", [[1]])).toMatchObject({
      hasGrid: false,
      grid: null,
      pixelAccuracy: 0,
      extraction: { ok: false, reason: "NO_GRID" },
    });
  });

  it("fingerprintTasks ignores key order and file layout, and changes with the data", async () => {
    const { fingerprintTasks, parseTask } = await import("../src/index.js");
    const a = parseTask(
      '{"train": [{"input": [[1]], "output": [[2]]}], "test": [{"input": [[3]], "output": [[4]]}]}',
    );
    const b = parseTask(
      '{"test": [{"output": [[4]], "input": [[3]]}], "train": [{"output": [[2]], "input": [[1]]}], "name": "x"}',
    );
    expect(fingerprintTasks({ t: a })).toBe(fingerprintTasks({ t: b }));
    expect(fingerprintTasks({ t: a })).toMatch(/^[0-9a-f]{16}$/);
    const c = parseTask(
      '{"train": [{"input": [[1]], "output": [[2]]}], "test": [{"input": [[3]], "output": [[5]]}]}',
    );
    expect(fingerprintTasks({ t: c })).not.toBe(fingerprintTasks({ t: a }));
    expect(fingerprintTasks({ u: a })).not.toBe(fingerprintTasks({ t: a }));
    expect(fingerprintTasks({ t: [[[4]]] })).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("parseKaggle2020Submission", () => {
  it("reads output_id,output rows with up to 3 flattened grids", async () => {
    const { parseKaggle2020Submission } = await import("../src/index.js");
    const csv = "output_id,output\na_0,|11| |00| |22|\nb_0,|1| \nb_1,|22| |33|\n";
    const sub = parseKaggle2020Submission(csv);
    expect(sub).toEqual({
      a: [{ attempt_1: [[1, 1]], attempt_2: [[0, 0]], attempt_3: [[2, 2]] }],
      b: [{ attempt_1: [[1]] }, { attempt_1: [[2, 2]], attempt_2: [[3, 3]] }],
    });
    expect(scoreSubmission(sub, { ...one, ...two }, { attempts: 3 }).score).toBe(1);
    expect(scoreSubmission(sub, { ...one, ...two }, { attempts: 1 }).problems.map((p) => p.code)).toContain(
      "IGNORED_ATTEMPT",
    );
  });

  it("keeps malformed cells as text and rejects malformed rows", async () => {
    const { parseKaggle2020Submission } = await import("../src/index.js");
    expect(parseKaggle2020Submission("a_0,|1x|")).toEqual({ a: [{ attempt_1: "|1x|" }] });
    expect(() => parseKaggle2020Submission("output_id,output\nnope")).toThrow(/line 2/);
    expect(() => parseKaggle2020Submission("a_1,|1|")).toThrow(/a_0 is missing/);
  });
});
