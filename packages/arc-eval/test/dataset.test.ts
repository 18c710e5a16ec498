import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type Aggregation, scoreSubmission, type Task } from "../src/index.js";
import { loadTaskDir } from "../src/node.js";

const DATA = fileURLToPath(new URL("../test-data/", import.meta.url));
const read = (p: string) => readFileSync(`${DATA}${p}`, "utf8");

let tasks: Record<string, Task>;

beforeAll(async () => {
  tasks = await loadTaskDir(`${DATA}arc-agi-1`, { recursive: true, requireOutputs: true });
});

function ids(split: string): string[] {
  return Object.keys(tasks).filter((id) => id.startsWith(`${split}/`));
}

/** The cross-check submission of the reference notes (§2.5). */
function crossCheck(list: string[]): Record<string, Array<Record<string, unknown>>> {
  const out: Record<string, Array<Record<string, unknown>>> = {};
  for (const id of list)
    out[id] = (tasks[id] as Task).test.map((pair, i) => ({
      attempt_1: [[0]],
      attempt_2: i === 0 ? pair.output : [[0]],
    }));
  return out;
}

function solutionsOf(list: string[]): Record<string, Task> {
  return Object.fromEntries(list.map((id) => [id, tasks[id] as Task]));
}

describe("ARC-AGI-1 (all 800 task files)", () => {
  it("loads 400 training and 400 evaluation tasks", () => {
    expect(ids("training")).toHaveLength(400);
    expect(ids("evaluation")).toHaveLength(400);
  });

  it("has 416 / 419 test outputs and the documented multi-test counts", () => {
    const count = (split: string) => ids(split).reduce((n, id) => n + (tasks[id] as Task).test.length, 0);
    expect(count("training")).toBe(416);
    expect(count("evaluation")).toBe(419);
    const histogram = (split: string) => {
      const h: Record<number, number> = {};
      for (const id of ids(split)) {
        const n = (tasks[id] as Task).test.length;
        h[n] = (h[n] ?? 0) + 1;
      }
      return h;
    };
    expect(histogram("training")).toEqual({ 1: 386, 2: 12, 3: 2 });
    expect(histogram("evaluation")).toEqual({ 1: 381, 2: 19 });
    expect((tasks["training/27a28665"] as Task).test).toHaveLength(3);
  });

  it("keeps the extra name key of the 11 fixed tasks and tolerates test-first files", () => {
    const named = Object.keys(tasks).filter((id) => (tasks[id] as Task).name !== undefined);
    expect(named).toHaveLength(11);
    expect(named).toContain("training/9edfc990");
    expect(named).toContain("training/b230c067");
    expect((tasks["training/9edfc990"] as Task).name).toBe("9edfc990");
    const testFirst = (split: string) =>
      ids(split).filter((id) => read(`arc-agi-1/${id}.json`).startsWith('{"test"')).length;
    expect(testFirst("training")).toBe(39);
    expect(testFirst("evaluation")).toBe(42);
  });

  it("has 239be575 test 1 = [[0]] and 30x30 grids in 3631a71a", () => {
    expect((tasks["training/239be575"] as Task).test[1]?.output).toEqual([[0]]);
    const big = tasks["training/3631a71a"] as Task;
    expect(big.train[0]?.input).toHaveLength(30);
    expect(big.train[0]?.input[0]).toHaveLength(30);
    expect(read("arc-agi-1/training/3631a71a.json").length).toBe(27746);
  });
});

describe("golden-40", () => {
  const golden = JSON.parse(read("golden-40.json")) as {
    tasks: string[];
    expected: Record<
      Aggregation,
      { score: number; sum?: number; solved?: number; total?: number; solved_tasks?: number; tasks?: number }
    >;
  };

  it("reproduces the three aggregations", () => {
    const list = golden.tasks;
    expect(list).toHaveLength(40);
    const submission = crossCheck(list);
    const solutions = solutionsOf(list);
    const perTask = scoreSubmission(submission, solutions, { aggregation: "per-task" });
    expect(perTask.score).toBeCloseTo(golden.expected["per-task"].score, 12);
    expect(perTask.solved).toBeCloseTo(golden.expected["per-task"].sum as number, 12);
    expect(perTask.total).toBe(golden.expected["per-task"].tasks);
    const perOutput = scoreSubmission(submission, solutions, { aggregation: "per-output" });
    expect(perOutput.solved).toBe(golden.expected["per-output"].solved);
    expect(perOutput.total).toBe(golden.expected["per-output"].total);
    expect(perOutput.score).toBeCloseTo(golden.expected["per-output"].score, 12);
    const strict = scoreSubmission(submission, solutions, { aggregation: "all-or-nothing" });
    expect(strict.solved).toBe(golden.expected["all-or-nothing"].solved_tasks);
    expect(strict.total).toBe(golden.expected["all-or-nothing"].tasks);
    expect(strict.score).toBeCloseTo(golden.expected["all-or-nothing"].score, 12);
    // the [[0]] placeholder solves 239be575 test 1 through attempt_1
    const t = perTask.tasks.find((x) => x.id === "training/239be575");
    expect(t?.outputs[1]).toMatchObject({ solved: true, solvedBy: "attempt_1" });
    // three test inputs: only test 0 solved
    const three = perTask.tasks.find((x) => x.id === "training/27a28665");
    expect(three?.score).toBeCloseTo(1 / 3, 12);
    expect(perTask.problems).toEqual([]);
  });
});

describe("full-dataset golden cases (independent Python computation)", () => {
  const golden = JSON.parse(read("golden-full.json")) as Record<
    string,
    Record<
      string,
      { score: number; sum?: number; solved?: number; total?: number; solved_tasks?: number; tasks?: number }
    >
  >;

  function check(result: ReturnType<typeof scoreSubmission>, expected: (typeof golden)[string]) {
    const a = result.aggregations;
    expect(a["per-task"].score).toBeCloseTo(expected["per-task"]?.score as number, 12);
    expect(a["per-task"].solved).toBeCloseTo(expected["per-task"]?.sum as number, 9);
    expect(a["per-task"].total).toBe(expected["per-task"]?.tasks);
    expect(a["per-output"].solved).toBe(expected["per-output"]?.solved);
    expect(a["per-output"].total).toBe(expected["per-output"]?.total);
    expect(a["all-or-nothing"].solved).toBe(expected["all-or-nothing"]?.solved_tasks);
    expect(a["all-or-nothing"].score).toBeCloseTo(expected["all-or-nothing"]?.score as number, 12);
  }

  it("cross-check submission over all 800, training and evaluation", () => {
    for (const split of ["all", "training", "evaluation"] as const) {
      const list = split === "all" ? Object.keys(tasks) : ids(split);
      check(scoreSubmission(crossCheck(list), solutionsOf(list)), golden[split] as (typeof golden)[string]);
    }
  });

  it("odd-index truths and transposed second attempts over all 800", () => {
    const list = Object.keys(tasks);
    const submission: Record<string, Array<Record<string, unknown>>> = {};
    for (const id of list)
      submission[id] = (tasks[id] as Task).test.map((pair, i) => {
        const out = pair.output as number[][];
        const transposed = (out[0] as number[]).map((_, c) => out.map((row) => row[c] as number));
        return { attempt_1: i % 2 === 1 ? out : [[0]], attempt_2: transposed };
      });
    const result = scoreSubmission(submission, solutionsOf(list), { aggregation: "per-output" });
    const odd = golden.oddTransposed as unknown as Record<string, (typeof golden)[string]>;
    check(result, odd.all as (typeof golden)[string]);
  });

  it("a perfect submission scores 1 under every aggregation; an empty one scores 0 with every task missing", () => {
    const list = ids("evaluation");
    const perfect: Record<string, Array<Record<string, unknown>>> = {};
    for (const id of list)
      perfect[id] = (tasks[id] as Task).test.map((p) => ({ attempt_1: p.output, attempt_2: [[0]] }));
    const result = scoreSubmission(perfect, solutionsOf(list));
    for (const agg of ["per-task", "per-output", "all-or-nothing"] as const)
      expect(result.aggregations[agg].score).toBe(1);
    const empty = scoreSubmission({}, solutionsOf(list), { aggregation: "per-output" });
    expect(empty.score).toBe(0);
    expect(empty.total).toBe(419);
    expect(empty.missing).toHaveLength(400);
  });
});
