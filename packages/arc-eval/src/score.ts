import { ArcError } from "./errors.js";
import { extractGrid } from "./extract.js";
import { checkGrid, type Grid } from "./grid.js";
import { compareValidGrids } from "./metrics.js";
import type { Solutions, Task } from "./task.js";

/** How per-output results are combined into one score. */
export type Aggregation = "per-task" | "per-output" | "all-or-nothing";

/** The aggregations, default first. */
export const AGGREGATIONS: readonly Aggregation[] = ["per-task", "per-output", "all-or-nothing"];

/** Kaggle `submission.json`: `{taskId: [{attempt_1: grid, attempt_2: grid}, …]}` (index = test index). */
export type Submission = Record<string, Array<Record<string, unknown>>>;

/** Stable codes of scoring problems (each counted as wrong, never silently dropped). */
export type ScoreProblemCode =
  | "MISSING_TASK"
  | "MALFORMED_TASK_ENTRY"
  | "MISSING_OUTPUT"
  | "MALFORMED_OUTPUT_ENTRY"
  | "EXTRA_OUTPUT"
  | "MISSING_ATTEMPT"
  | "EMPTY_ATTEMPT"
  | "INVALID_ATTEMPT"
  | "IGNORED_ATTEMPT"
  | "UNKNOWN_TASK";

/** One problem found while scoring; `index` is the test index (`null` for task-level problems). */
export interface ScoreProblem {
  taskId: string;
  index: number | null;
  code: ScoreProblemCode;
  message: string;
  attempt?: string;
}

/** Result of one attempt. */
export interface AttemptResult {
  key: string;
  status: "ok" | "missing" | "empty" | "invalid";
  correct: boolean;
  sizeMatch: boolean;
  pixelAccuracy: number;
}

/** Result of one test output. */
export interface OutputResult {
  index: number;
  solved: boolean;
  /** Key of the first attempt that matched, e.g. `"attempt_2"`, or `null`. */
  solvedBy: string | null;
  /** Any counted attempt has the target's shape. */
  sizeMatch: boolean;
  /** Best pixel accuracy over the counted attempts (0 on size mismatch). */
  pixelAccuracy: number;
  attempts: AttemptResult[];
}

/** Result of one task. */
export interface TaskResult {
  id: string;
  /** The task's contribution under the chosen aggregation: solved/outputs, or 0/1 for all-or-nothing. */
  score: number;
  solvedOutputs: number;
  outputs: OutputResult[];
  missing: boolean;
}

/** Totals under one aggregation: `score = solved / total`. */
export interface AggregateScore {
  score: number;
  /** per-task: sum of task fractions; per-output: solved outputs; all-or-nothing: fully solved tasks. */
  solved: number;
  /** per-task and all-or-nothing: tasks; per-output: test outputs. */
  total: number;
}

/** Result of {@link scoreSubmission}. */
export interface ScoreResult extends AggregateScore {
  aggregation: Aggregation;
  attempts: number;
  tasks: TaskResult[];
  /** Ground-truth task ids absent from the submission (scored 0). */
  missing: string[];
  problems: ScoreProblem[];
  /** The same submission under every aggregation. */
  aggregations: Record<Aggregation, AggregateScore>;
}

/** Options of {@link scoreSubmission}. */
export interface ScoreOptions {
  /** Default `"per-task"` (the ARC Prize harness). */
  aggregation?: Aggregation;
  /** How many attempts count: `attempt_1` … `attempt_k` (default 2). */
  attempts?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function normalizeSolutions(solutions: Solutions | Record<string, Task>): Record<string, Grid[]> {
  if (!isRecord(solutions))
    throw new ArcError({
      code: "INVALID_SOLUTIONS",
      message: "solutions: expected an object mapping task ids to grids or tasks",
    });
  const out: Record<string, Grid[]> = {};
  for (const [id, value] of Object.entries(solutions)) {
    let grids: unknown[];
    if (Array.isArray(value)) grids = value;
    else if (isRecord(value) && Array.isArray(value.test))
      grids = value.test.map((pair: unknown, i: number) => {
        const output = isRecord(pair) ? pair.output : undefined;
        if (output === undefined)
          throw new ArcError({
            code: "INVALID_SOLUTIONS",
            message: `solutions: ${id}: test[${i}].output is missing`,
            details: { taskId: id, index: i },
          });
        return output;
      });
    else
      throw new ArcError({
        code: "INVALID_SOLUTIONS",
        message: `solutions: ${id}: expected a list of grids or a task`,
        details: { taskId: id },
      });
    if (grids.length === 0)
      throw new ArcError({
        code: "INVALID_SOLUTIONS",
        message: `solutions: ${id}: has no test outputs`,
        details: { taskId: id },
      });
    grids.forEach((g, i) => {
      const problem = checkGrid(g);
      if (problem)
        throw new ArcError({
          code: "INVALID_SOLUTIONS",
          message: `solutions: ${id}[${i}]: ${problem.message}`,
          details: { taskId: id, index: i, problem: problem.code },
        });
    });
    out[id] = grids as Grid[];
  }
  return out;
}

function scoreOutput(
  id: string,
  index: number,
  entry: unknown,
  target: Grid,
  attempts: number,
  problems: ScoreProblem[],
): OutputResult {
  const result: OutputResult = {
    index,
    solved: false,
    solvedBy: null,
    sizeMatch: false,
    pixelAccuracy: 0,
    attempts: [],
  };
  if (entry === undefined) {
    problems.push({
      taskId: id,
      index,
      code: "MISSING_OUTPUT",
      message: `${id}[${index}]: no entry for test output ${index}`,
    });
    return result;
  }
  if (!isRecord(entry)) {
    problems.push({
      taskId: id,
      index,
      code: "MALFORMED_OUTPUT_ENTRY",
      message: `${id}[${index}]: expected {attempt_1, attempt_2}, got ${Array.isArray(entry) ? "a list" : typeof entry}`,
    });
    return result;
  }
  for (let k = 1; k <= attempts; k++) {
    const key = `attempt_${k}`;
    const value = entry[key];
    const attempt: AttemptResult = { key, status: "ok", correct: false, sizeMatch: false, pixelAccuracy: 0 };
    result.attempts.push(attempt);
    if (value === undefined || value === null) {
      attempt.status = "missing";
      problems.push({
        taskId: id,
        index,
        attempt: key,
        code: "MISSING_ATTEMPT",
        message: `${id}[${index}].${key}: missing`,
      });
      continue;
    }
    if (Array.isArray(value) && value.length === 0) {
      attempt.status = "empty";
      problems.push({
        taskId: id,
        index,
        attempt: key,
        code: "EMPTY_ATTEMPT",
        message: `${id}[${index}].${key}: empty grid []`,
      });
      continue;
    }
    const problem = checkGrid(value);
    if (problem) {
      attempt.status = "invalid";
      problems.push({
        taskId: id,
        index,
        attempt: key,
        code: "INVALID_ATTEMPT",
        message: `${id}[${index}].${key}${problem.path.map((p) => `[${p}]`).join("")}: ${problem.message}`,
      });
      continue;
    }
    const cmp = compareValidGrids(value as Grid, target);
    attempt.sizeMatch = cmp.sizeMatch;
    attempt.pixelAccuracy = cmp.pixelAccuracy;
    attempt.correct = cmp.perfect;
    if (cmp.sizeMatch) result.sizeMatch = true;
    if (cmp.pixelAccuracy > result.pixelAccuracy) result.pixelAccuracy = cmp.pixelAccuracy;
    if (attempt.correct && !result.solved) {
      result.solved = true;
      result.solvedBy = key;
    }
  }
  for (const key of Object.keys(entry)) {
    if (!key.startsWith("attempt_")) continue;
    const k = Number(key.slice(8));
    if (Number.isInteger(k) && k >= 1 && k <= attempts) continue;
    problems.push({
      taskId: id,
      index,
      attempt: key,
      code: "IGNORED_ATTEMPT",
      message: `${id}[${index}].${key}: ignored (only attempt_1..attempt_${attempts} count)`,
    });
  }
  return result;
}

/**
 * Scores a Kaggle-format submission against the ground truth. Denominators come from the ground
 * truth; attempts are matched to test outputs by array position; only `attempt_1`…`attempt_k`
 * (default 2) count; missing tasks, missing/empty/malformed attempts are wrong and listed in
 * `problems`. Cells compare with strict integer equality (`1.0`, `true` or `"1"` never match `1`).
 * `solutions` is `{taskId: [grid, …]}` or `{taskId: task}`. Throws `INVALID_SUBMISSION` only when
 * the submission is not an object, `INVALID_SOLUTIONS` for bad ground truth, `INVALID_OPTIONS`.
 * `tasks` are listed in sorted id order.
 */
export function scoreSubmission(
  submission: unknown,
  solutions: Solutions | Record<string, Task>,
  options: ScoreOptions = {},
): ScoreResult {
  const aggregation = options.aggregation ?? "per-task";
  if (!AGGREGATIONS.includes(aggregation))
    throw new ArcError({
      code: "INVALID_OPTIONS",
      message: `aggregation: expected one of ${AGGREGATIONS.join(", ")}, got ${JSON.stringify(aggregation)}`,
    });
  const attempts = options.attempts ?? 2;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new ArcError({
      code: "INVALID_OPTIONS",
      message: `attempts: expected a positive integer, got ${attempts}`,
    });
  if (!isRecord(submission))
    throw new ArcError({
      code: "INVALID_SUBMISSION",
      message: "submission: expected an object mapping task ids to lists of {attempt_1, attempt_2}",
    });
  const truth = normalizeSolutions(solutions);
  const problems: ScoreProblem[] = [];
  const missing: string[] = [];
  const tasks: TaskResult[] = [];
  let taskSum = 0;
  let fullTasks = 0;
  let solvedOutputs = 0;
  let totalOutputs = 0;
  // sorted ids: a stable order whatever the key shapes (JS lists all-digit keys first)
  for (const id of Object.keys(truth).sort()) {
    const targets = truth[id] as Grid[];
    const entries = submission[id];
    const task: TaskResult = { id, score: 0, solvedOutputs: 0, outputs: [], missing: false };
    if (entries === undefined) {
      task.missing = true;
      missing.push(id);
      problems.push({
        taskId: id,
        index: null,
        code: "MISSING_TASK",
        message: `${id}: not in the submission`,
      });
    } else if (!Array.isArray(entries)) {
      problems.push({
        taskId: id,
        index: null,
        code: "MALFORMED_TASK_ENTRY",
        message: `${id}: expected a list with one {attempt_1, attempt_2} per test output`,
      });
    }
    const list = Array.isArray(entries) ? entries : null;
    targets.forEach((target, index) => {
      const output =
        list === null
          ? { index, solved: false, solvedBy: null, sizeMatch: false, pixelAccuracy: 0, attempts: [] }
          : scoreOutput(id, index, list[index], target, attempts, problems);
      if (output.solved) task.solvedOutputs++;
      task.outputs.push(output);
    });
    if (list !== null && list.length > targets.length)
      for (let extra = targets.length; extra < list.length; extra++)
        problems.push({
          taskId: id,
          index: extra,
          code: "EXTRA_OUTPUT",
          message: `${id}[${extra}]: the task has only ${targets.length} test output(s); entry ignored`,
        });
    const fraction = task.solvedOutputs / targets.length;
    const all = task.solvedOutputs === targets.length;
    task.score = aggregation === "all-or-nothing" ? (all ? 1 : 0) : fraction;
    taskSum += fraction;
    if (all) fullTasks++;
    solvedOutputs += task.solvedOutputs;
    totalOutputs += targets.length;
    tasks.push(task);
  }
  for (const id of Object.keys(submission))
    if (!(id in truth))
      problems.push({
        taskId: id,
        index: null,
        code: "UNKNOWN_TASK",
        message: `${id}: not in the ground truth; ignored`,
      });
  const n = tasks.length;
  const aggregations: Record<Aggregation, AggregateScore> = {
    "per-task": { score: n === 0 ? 0 : taskSum / n, solved: taskSum, total: n },
    "per-output": {
      score: totalOutputs === 0 ? 0 : solvedOutputs / totalOutputs,
      solved: solvedOutputs,
      total: totalOutputs,
    },
    "all-or-nothing": { score: n === 0 ? 0 : fullTasks / n, solved: fullTasks, total: n },
  };
  return { aggregation, attempts, ...aggregations[aggregation], tasks, missing, problems, aggregations };
}

/**
 * Parses Kaggle `submission.json` text. Throws `INVALID_JSON` / `INVALID_SUBMISSION` when it is not
 * an object; per-entry problems are left to {@link scoreSubmission}, which reports them.
 */
export function parseSubmission(text: string, source = "submission"): Submission {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ArcError({
      code: "INVALID_JSON",
      message: `${source}: not valid JSON (${(cause as Error).message})`,
      cause,
    });
  }
  if (!isRecord(value))
    throw new ArcError({
      code: "INVALID_SUBMISSION",
      message: `${source}: expected an object mapping task ids to lists of attempts`,
    });
  return value as Submission;
}

/**
 * Builds a Kaggle submission from predictions `{taskId: [[grid|null, grid|null], …]}` (attempts per
 * test output, in test order). Every task id of `taskIds` is present and both attempt keys are
 * always written; missing predictions become `placeholder` (default `[[0]]` — note that `[[0]]`
 * can be a correct answer, e.g. ARC-AGI-1 training `239be575` test 1).
 */
export function buildSubmission(
  predictions: Record<string, ReadonlyArray<ReadonlyArray<Grid | null | undefined>>>,
  tests: Record<string, number>,
  options: { attempts?: number; placeholder?: Grid } = {},
): Submission {
  const attempts = options.attempts ?? 2;
  const placeholder = options.placeholder ?? [[0]];
  const out: Submission = {};
  for (const [id, count] of Object.entries(tests)) {
    const pred = predictions[id] ?? [];
    out[id] = Array.from({ length: count }, (_, i) => {
      const entry: Record<string, unknown> = {};
      for (let k = 1; k <= attempts; k++) entry[`attempt_${k}`] = pred[i]?.[k - 1] ?? placeholder;
      return entry;
    });
  }
  return out;
}

/**
 * Converts arc-agi-benchmarking per-task results (`{taskId: [{attempt_1: {answer, metadata}, …}, …]}`,
 * one list entry per test pair) to a Kaggle {@link Submission}. Entries keep their array position
 * (metadata `pair_index` is not trusted); a string `answer` is read with `extractGrid` (the last
 * valid grid) and kept as the string when it holds none, so scoring reports it as `INVALID_ATTEMPT`;
 * a `null` attempt stays `null`. Throws `INVALID_SUBMISSION` when a task's value is not a list.
 */
export function submissionFromBenchmarking(results: Record<string, unknown>): Submission {
  const out: Submission = {};
  for (const [id, pairs] of Object.entries(results)) {
    if (!Array.isArray(pairs))
      throw new ArcError({
        code: "INVALID_SUBMISSION",
        message: `${id}: expected a list with one {attempt_1, attempt_2, …} per test pair`,
        details: { taskId: id },
      });
    out[id] = pairs.map((pair) => {
      if (!isRecord(pair)) return pair as Record<string, unknown>;
      const entry: Record<string, unknown> = {};
      for (const [key, attempt] of Object.entries(pair)) {
        if (!key.startsWith("attempt_")) continue;
        if (attempt === null || attempt === undefined || !isRecord(attempt)) {
          entry[key] = attempt ?? null;
          continue;
        }
        const answer = attempt.answer;
        if (typeof answer === "string") {
          const r = extractGrid(answer);
          entry[key] = r.ok ? r.grid : answer;
        } else entry[key] = answer ?? null;
      }
      return entry;
    });
  }
  return out;
}

/**
 * Parses a legacy Kaggle 2020 ("Abstraction and Reasoning Challenge") CSV submission:
 * `output_id,output` rows with `output_id = <task>_<testIndex>` and up to 3 space-separated
 * flattened grids `|077|777|` as `attempt_1`…`attempt_3` (score it with `attempts: 3`). A cell that
 * is not a valid flattened grid is kept as its text, so scoring reports `INVALID_ATTEMPT`. Throws
 * `INVALID_SUBMISSION` naming the line of a malformed row.
 */
export function parseKaggle2020Submission(csv: string): Submission {
  const out: Submission = {};
  const lines = csv.split("\n");
  lines.forEach((raw, lineIndex) => {
    const line = raw.trim();
    if (line === "" || (lineIndex === 0 && line.startsWith("output_id"))) return;
    const comma = line.indexOf(",");
    const id = comma < 0 ? "" : line.slice(0, comma);
    const underscore = id.lastIndexOf("_");
    const index = underscore < 0 ? Number.NaN : Number(id.slice(underscore + 1));
    if (comma < 0 || underscore <= 0 || !Number.isInteger(index) || index < 0 || index > 9)
      throw new ArcError({
        code: "INVALID_SUBMISSION",
        message: `line ${lineIndex + 1}: expected "<task>_<testIndex>,<grids>", got ${JSON.stringify(line.slice(0, 40))}`,
        details: { line: lineIndex + 1 },
      });
    const taskId = id.slice(0, underscore);
    const cells = line
      .slice(comma + 1)
      .trim()
      .split(" ")
      .filter((c) => c !== "");
    const entry: Record<string, unknown> = {};
    cells.slice(0, 3).forEach((cell, k) => {
      const r = extractGrid(cell, { formats: ["pipe-flattened", "pipe"], harmony: "ignore" });
      entry[`attempt_${k + 1}`] = r.ok && r.span.start === 0 && r.span.end === cell.length ? r.grid : cell;
    });
    const list = out[taskId] ?? [];
    list[index] = entry;
    out[taskId] = list;
  });
  for (const [id, list] of Object.entries(out))
    for (let i = 0; i < list.length; i++)
      if (list[i] === undefined)
        throw new ArcError({
          code: "INVALID_SUBMISSION",
          message: `${id}: output ${id}_${i} is missing while a later index is present`,
          details: { taskId: id, index: i },
        });
  return out;
}
