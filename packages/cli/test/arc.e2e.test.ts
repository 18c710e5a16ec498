import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, rlops } from "./helpers.js";

const DATA = resolve(import.meta.dirname, "../../arc-eval/test-data");

let tmp: string;
let submission: string;
let golden40: { tasks: string[]; expected: Record<string, Record<string, number>> };

beforeAll(() => {
  if (!existsSync(BIN))
    throw new Error(
      `${BIN} is missing: run \`pnpm --filter @rlops/arc-eval --filter @rlops/cli build\` first`,
    );
  tmp = mkdtempSync(join(tmpdir(), "rlops-arc-e2e-"));
  golden40 = JSON.parse(readFileSync(join(DATA, "golden-40.json"), "utf8"));
  // the golden-40 cross-check submission, restricted to the evaluation tasks of golden-40
  const sub: Record<string, unknown[]> = {};
  for (const id of golden40.tasks.filter((t) => t.startsWith("evaluation/"))) {
    const task = JSON.parse(readFileSync(join(DATA, "arc-agi-1", `${id}.json`), "utf8")) as {
      test: { output: number[][] }[];
    };
    sub[id.slice("evaluation/".length)] = task.test.map((pair, i) => ({
      attempt_1: [[0]],
      attempt_2: i === 0 ? pair.output : [[0]],
    }));
  }
  submission = join(tmp, "submission.json");
  writeFileSync(submission, JSON.stringify(sub));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("rlops arc score", () => {
  it("--json prints the documented shape; denominators come from the ground truth", () => {
    const run = rlops([
      "arc",
      "score",
      "--solutions",
      join(DATA, "arc-agi-1/evaluation"),
      "--submission",
      submission,
      "--json",
    ]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(Object.keys(out)).toEqual([
      "aggregation",
      "attempts",
      "score",
      "solved",
      "total",
      "tasks",
      "missing",
      "problems",
    ]);
    expect(out.aggregation).toBe("per-task");
    expect(out.attempts).toBe(2);
    expect(out.total).toBe(400);
    expect(out.missing).toHaveLength(380);
    const t = out.tasks.find((x: { id: string }) => x.id === "12997ef3");
    expect(t.score).toBe(0.5);
    expect(t.outputs).toEqual([
      { index: 0, solved: true, solvedBy: "attempt_2", sizeMatch: true, pixelAccuracy: 1 },
      { index: 1, solved: false, solvedBy: null, sizeMatch: false, pixelAccuracy: 0 },
    ]);
    expect(Object.keys(out.problems[0])).toEqual(["taskId", "index", "code", "message"]);
    expect(out.problems.filter((p: { code: string }) => p.code === "MISSING_TASK")).toHaveLength(380);
  });

  it("reproduces golden-40 over the 40 tasks with a solutions file, for every aggregation", () => {
    const sub: Record<string, unknown[]> = {};
    const sol: Record<string, number[][][]> = {};
    for (const id of golden40.tasks) {
      const task = JSON.parse(readFileSync(join(DATA, "arc-agi-1", `${id}.json`), "utf8")) as {
        test: { output: number[][] }[];
      };
      const key = id.replace("/", "-");
      sol[key] = task.test.map((p) => p.output);
      sub[key] = task.test.map((pair, i) => ({ attempt_1: [[0]], attempt_2: i === 0 ? pair.output : [[0]] }));
    }
    const solFile = join(tmp, "golden_solutions.json");
    const subFile = join(tmp, "golden_submission.json");
    writeFileSync(solFile, JSON.stringify(sol));
    writeFileSync(subFile, JSON.stringify(sub));
    for (const aggregation of ["per-task", "per-output", "all-or-nothing"]) {
      const run = rlops([
        "arc",
        "score",
        "--solutions",
        solFile,
        "--submission",
        subFile,
        "--aggregation",
        aggregation,
        "--json",
      ]);
      expect(run.status).toBe(0);
      const out = JSON.parse(run.stdout);
      expect(out.aggregation).toBe(aggregation);
      expect(out.score).toBeCloseTo(golden40.expected[aggregation]?.score as number, 12);
    }
  });

  it("accepts an arc-agi-benchmarking per-task folder as the submission", () => {
    const dir = join(tmp, "bench-sub");
    mkdirSync(dir, { recursive: true });
    const truth = JSON.parse(readFileSync(join(DATA, "arc-agi-1/evaluation/00576224.json"), "utf8")) as {
      test: { output: number[][] }[];
    };
    writeFileSync(
      join(dir, "00576224.json"),
      JSON.stringify([
        {
          attempt_1: { answer: `final: ${JSON.stringify(truth.test[0]?.output)}`, metadata: {} },
          attempt_2: null,
        },
      ]),
    );
    writeFileSync(join(dir, "results.json"), "{}");
    const run = rlops([
      "arc",
      "score",
      "--solutions",
      join(DATA, "arc-agi-1/evaluation"),
      "--submission",
      dir,
      "--json",
    ]);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.solved).toBe(1);
    expect(out.total).toBe(400);
  });

  it("prints a summary table without --json", () => {
    const run = rlops([
      "arc",
      "score",
      "--solutions",
      join(DATA, "arc-agi-1/evaluation"),
      "--submission",
      submission,
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^score \d+\.\d\d% \(per-task, pass@2\)/);
    expect(run.stdout).toContain("per-output");
    expect(run.stdout).toContain("all-or-nothing");
    expect(run.stdout).toContain("missing tasks: 380");
  });

  it("bad input exits 2 with one error line", () => {
    const bad = rlops(["arc", "score", "--solutions", join(tmp, "nope"), "--submission", submission]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^rlops: PATH_NOT_FOUND: /);
    const flag = rlops([
      "arc",
      "score",
      "--solutions",
      DATA,
      "--submission",
      submission,
      "--aggregation",
      "macro",
    ]);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/^rlops: BAD_FLAG: --aggregation/);
    const broken = join(tmp, "broken.json");
    writeFileSync(broken, "[1, 2");
    const json = rlops([
      "arc",
      "score",
      "--solutions",
      join(DATA, "kaggle/arc-agi_sample_solutions.json"),
      "--submission",
      broken,
    ]);
    expect(json.status).toBe(2);
    expect(json.stderr).toMatch(/^rlops: INVALID_JSON: /);
  });
});

describe("rlops arc extract", () => {
  it("prints {grid, format, candidates} for the last grid", () => {
    const run = rlops(["arc", "extract"], "Input:\n1 2\n3 4\nOutput:\n2 4\n6 8\n");
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.grid).toEqual([
      [2, 4],
      [6, 8],
    ]);
    expect(out.format).toBe("space-separated");
    expect(out.candidates).toHaveLength(2);
    expect(out.candidates[0].span).toEqual({ start: 7, end: 14 });
  });

  it("reads harmony completions and honours --formats", () => {
    const completion =
      "<|channel|>analysis<|message|>[[1]]<|end|><|start|>assistant<|channel|>final<|message|>[[2, 2]]<|return|>";
    expect(JSON.parse(rlops(["arc", "extract"], completion).stdout).grid).toEqual([[2, 2]]);
    const only = rlops(["arc", "extract", "--formats", "digits"], "[[1]]\n77\n");
    expect(JSON.parse(only.stdout)).toMatchObject({ grid: [[7, 7]], format: "digits" });
  });

  it("exits 1 with a reason when there is no grid, 2 on a bad flag", () => {
    const none = rlops(["arc", "extract"], "[[1, 2], [3]]");
    expect(none.status).toBe(1);
    expect(JSON.parse(none.stdout)).toMatchObject({ grid: null, reason: "RAGGED_ROWS" });
    const bad = rlops(["arc", "extract", "--formats", "xml"], "1");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^rlops: BAD_FLAG: --formats/);
  });
});
