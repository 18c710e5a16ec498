import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  ArcError,
  parseChallenges,
  parseSolutions,
  parseTask,
  scoreSubmission,
  taskSchema,
} from "../src/index.js";
import {
  loadAnySubmission,
  loadBenchmarkingSubmission,
  loadKaggleFiles,
  loadSolutions,
  loadSubmission,
  loadTaskDir,
  loadTaskFile,
} from "../src/node.js";

const DATA = fileURLToPath(new URL("../test-data/", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "arc-eval-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function errorOf(f: () => unknown): ArcError {
  try {
    f();
  } catch (e) {
    if (ArcError.isInstance(e)) return e;
    throw e;
  }
  throw new Error("expected an ArcError");
}

async function asyncErrorOf(f: () => Promise<unknown>): Promise<ArcError> {
  try {
    await f();
  } catch (e) {
    if (ArcError.isInstance(e)) return e;
    throw e;
  }
  throw new Error("expected an ArcError");
}

const small = { train: [{ input: [[1]], output: [[2]] }], test: [{ input: [[3]], output: [[4, 4]] }] };

describe("parseTask", () => {
  it("accepts single-line and pretty-printed JSON, test-first order, extra keys", () => {
    const pretty = JSON.stringify({ name: "x", test: small.test, train: small.train, extra: 1 }, null, 4);
    const task = parseTask(pretty);
    expect(task).toEqual({ ...small, name: "x" });
    expect(parseTask(JSON.stringify(small))).toEqual(small);
    expect(taskSchema.parse(task)).toEqual(task);
  });

  it("accepts ARC-AGI-2 style files: pretty-printed with indent 4 (one integer per line), 4 test inputs", () => {
    const big = Array.from({ length: 20 }, (_, r) => Array.from({ length: 20 }, (_, c) => (r + c) % 10));
    const v2 = {
      train: [small.train[0], small.train[0]],
      test: [0, 1, 2, 3].map((k) => ({ input: big, output: [[k]] })),
    };
    const text = JSON.stringify(v2, null, 4);
    expect(text.length).toBeGreaterThan(20_000);
    const task = parseTask(text);
    expect(task.test.map((p) => p.output)).toEqual([[[0]], [[1]], [[2]], [[3]]]);
  });

  it("accepts challenge tasks without test outputs unless outputs are required", () => {
    const challenge = { train: small.train, test: [{ input: [[3]] }] };
    expect(parseTask(challenge).test[0]).toEqual({ input: [[3]] });
    const e = errorOf(() => parseTask(challenge, { requireOutputs: true }));
    expect(e.code).toBe("INVALID_TASK");
    expect(e.message).toContain("test[0].output");
  });

  it("names the exact path of a bad cell, with the source", () => {
    const bad = {
      train: small.train,
      test: [
        small.test[0],
        {
          input: [
            [0, 0],
            [0, 0],
            [0, 0],
            [0, 1.5],
          ],
          output: [[1]],
        },
      ],
    };
    const e = errorOf(() => parseTask(bad, { source: "t.json" }));
    expect(e.code).toBe("INVALID_TASK");
    expect(e.message).toBe("t.json: test[1].input[3][1]: expected an integer 0-9, got 1.5");
    expect(e.details.path).toBe("test[1].input[3][1]");
    for (const [value, problem] of [
      [[[true]], "VALUE_OUT_OF_RANGE"],
      [[["1"]], "VALUE_OUT_OF_RANGE"],
      [[[10]], "VALUE_OUT_OF_RANGE"],
      [[[1, 2], [3]], "RAGGED_ROWS"],
      [[], "EMPTY"],
      [Array(31).fill([0]), "TOO_LARGE"],
      ["grid", "NOT_A_GRID"],
    ] as const) {
      const err = errorOf(() => parseTask({ train: [{ input: value, output: [[1]] }], test: small.test }));
      expect(err.details.problem).toBe(problem);
    }
  });

  it("the zod taskSchema agrees with parseTask on valid and invalid tasks", () => {
    const bad = [
      { train: [{ input: [[1.5]], output: [[1]] }], test: small.test },
      { train: [{ input: [[1, 2], [3]], output: [[1]] }], test: small.test },
      { train: [{ input: [[10]], output: [[1]] }], test: small.test },
      { train: [{ input: Array(31).fill([0]), output: [[1]] }], test: small.test },
      { train: [{ input: [[true]], output: [[1]] }], test: small.test },
      { train: [{ input: [], output: [[1]] }], test: small.test },
      { train: [], test: small.test },
      { train: small.train },
    ];
    for (const value of bad) {
      expect(taskSchema.safeParse(value).success).toBe(false);
      expect(() => parseTask(value)).toThrow(ArcError);
    }
    const good = {
      name: "n",
      test: [{ input: [[0]] }],
      train: [{ input: Array(30).fill(Array(30).fill(9)), output: [[0]] }],
    };
    expect(taskSchema.parse(good)).toEqual(parseTask(good));
  });

  it("reports invalid JSON and a missing train with typed codes, keeping the cause", () => {
    const e = errorOf(() => parseTask("{", { source: "f.json" }));
    expect(e.code).toBe("INVALID_JSON");
    expect(e.message).toMatch(/^f\.json: not valid JSON/);
    expect(e.cause).toBeInstanceOf(SyntaxError);
    expect(errorOf(() => parseTask({ test: small.test })).message).toBe("train: expected a list of pairs");
    expect(errorOf(() => parseTask({ train: [], test: small.test })).code).toBe("INVALID_TASK");
  });
});

describe("Kaggle bundles", () => {
  it("parses challenges and solutions and merges them", async () => {
    const { tasks, solutions } = await loadKaggleFiles(
      `${DATA}kaggle/arc-agi_sample_challenges.json`,
      `${DATA}kaggle/arc-agi_sample_solutions.json`,
    );
    expect(Object.keys(tasks)).toHaveLength(6);
    expect(tasks["27a28665"]?.test).toHaveLength(3);
    expect(tasks["239be575"]?.test[1]?.output).toEqual([[0]]);
    expect(solutions?.["12997ef3"]).toHaveLength(2);
    const file = await loadTaskFile(`${DATA}arc-agi-1/evaluation/12997ef3.json`);
    expect(tasks["12997ef3"]).toEqual(file);
  });

  it("rejects solutions that do not match the challenges", async () => {
    const sol = join(tmp, "bad_solutions.json");
    writeFileSync(sol, JSON.stringify({ nope: [[[1]]] }));
    const e = await asyncErrorOf(() => loadKaggleFiles(`${DATA}kaggle/arc-agi_sample_challenges.json`, sol));
    expect(e.code).toBe("UNKNOWN_TASK");
    writeFileSync(sol, JSON.stringify({ "27a28665": [[[1]]] }));
    expect(
      (await asyncErrorOf(() => loadKaggleFiles(`${DATA}kaggle/arc-agi_sample_challenges.json`, sol))).code,
    ).toBe("INVALID_SOLUTIONS");
  });

  it("parseSolutions / parseChallenges validate", () => {
    expect(errorOf(() => parseSolutions({ a: [[[1, 2], [3]]] })).message).toBe(
      "solutions: a[0][1]: row 1 has 1 cells, row 0 has 2",
    );
    expect(errorOf(() => parseSolutions({ a: [] })).code).toBe("INVALID_SOLUTIONS");
    expect(errorOf(() => parseChallenges([])).code).toBe("INVALID_TASK");
    expect(errorOf(() => parseChallenges({ a: { train: [], test: [] } })).message).toBe(
      "a: train: has no pairs",
    );
  });
});

describe("node loaders", () => {
  it("loadTaskDir reads a folder keyed by id; recursive ids are relative paths", async () => {
    const tasks = await loadTaskDir(`${DATA}arc-agi-1/evaluation`);
    expect(Object.keys(tasks)).toHaveLength(400);
    expect(tasks["00576224"]?.test).toHaveLength(1);
    const none = await loadTaskDir(`${DATA}arc-agi-1`);
    expect(Object.keys(none)).toHaveLength(0);
  });

  it("loadSolutions accepts a task folder, a solutions file or one task file", async () => {
    const nested = join(tmp, "nested");
    mkdirSync(join(nested, "training"), { recursive: true });
    mkdirSync(join(nested, "evaluation"), { recursive: true });
    copyFileSync(`${DATA}arc-agi-1/training/239be575.json`, join(nested, "training", "239be575.json"));
    copyFileSync(`${DATA}arc-agi-1/evaluation/12997ef3.json`, join(nested, "evaluation", "12997ef3.json"));
    expect(Object.keys(await loadSolutions(nested)).sort()).toEqual(["12997ef3", "239be575"]);
    expect(Object.keys(await loadSolutions(join(nested, "training")))).toEqual(["239be575"]);
    copyFileSync(`${DATA}arc-agi-1/training/239be575.json`, join(nested, "evaluation", "239be575.json"));
    expect((await asyncErrorOf(() => loadSolutions(nested))).message).toContain("appears twice");
    expect(await loadSolutions(`${DATA}kaggle/arc-agi_sample_solutions.json`)).toHaveProperty("27a28665");
    expect(await loadSolutions(`${DATA}arc-agi-1/training/239be575.json`)).toEqual({
      "239be575": [[[8]], [[0]]],
    });
  });

  it("reads arc-agi-benchmarking submission folders (results.json skipped)", async () => {
    const dir = join(tmp, "bench-sub");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "00576224.json"),
      JSON.stringify([
        { attempt_1: { answer: "```json\n[[1]]\n```", metadata: { pair_index: 0 } }, attempt_2: null },
      ]),
    );
    writeFileSync(join(dir, "results.json"), JSON.stringify({ score: 1, total_tasks: 1 }));
    const sub = await loadBenchmarkingSubmission(dir);
    expect(sub).toEqual({ "00576224": [{ attempt_1: [[1]], attempt_2: null }] });
    expect(await loadAnySubmission(dir)).toEqual(sub);
  });

  it("typed errors for unreadable paths and bad files", async () => {
    expect((await asyncErrorOf(() => loadTaskFile(join(tmp, "missing.json")))).code).toBe("FILE_READ_FAILED");
    expect((await asyncErrorOf(() => loadSolutions(join(tmp, "missing")))).code).toBe("FILE_READ_FAILED");
    const bad = join(tmp, "bad.json");
    writeFileSync(bad, "{not json");
    expect((await asyncErrorOf(() => loadSubmission(bad))).code).toBe("INVALID_JSON");
    expect((await asyncErrorOf(() => loadTaskFile(bad))).message).toContain(bad);
  });

  it("scores a submission file against a task folder end to end", async () => {
    const solutions = await loadSolutions(`${DATA}arc-agi-1/evaluation`);
    const sub = join(tmp, "submission.json");
    writeFileSync(
      sub,
      JSON.stringify({ "00576224": [{ attempt_1: solutions["00576224"]?.[0], attempt_2: [[0]] }] }),
    );
    const result = scoreSubmission(await loadSubmission(sub), solutions);
    expect(result.solved).toBe(1);
    expect(result.total).toBe(400);
    expect(result.missing).toHaveLength(399);
  });
});
