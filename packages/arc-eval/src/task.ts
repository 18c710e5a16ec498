import { formatIssuePath } from "@rlops/errors";
import * as z from "zod";
import { ArcError } from "./errors.js";
import { checkGrid, type Grid, gridSchema } from "./grid.js";

/** zod schema of a training pair `{input, output}`. */
export const trainPairSchema = z.object({ input: gridSchema, output: gridSchema });

/** zod schema of a test pair; `output` is absent in Kaggle challenge files. */
export const testPairSchema = z.object({ input: gridSchema, output: gridSchema.optional() });

/**
 * zod schema of an ARC task (ARC-AGI-1 and ARC-AGI-2 share it). Unknown top-level keys such as the
 * `"name"` of the June 2024 fixes are accepted; `name` is kept when it is a string.
 */
export const taskSchema = z.object({
  train: z.array(trainPairSchema).min(1),
  test: z.array(testPairSchema).min(1),
  name: z.string().optional(),
});

/** A training pair. */
export type TrainPair = z.infer<typeof trainPairSchema>;
/** A test pair (output optional). */
export type TestPair = z.infer<typeof testPairSchema>;
/** An ARC task. */
export type Task = z.infer<typeof taskSchema>;

/** Where a parsed value came from, used in error messages (`file.json: test[1].output[3][7]`). */
export interface ParseContext {
  /** A label for messages, e.g. a file name or task id. */
  source?: string;
}

function where(source: string | undefined, path: (string | number)[]): string {
  const p = formatIssuePath(path);
  return source ? `${source}: ${p}` : p;
}

/** Parses JSON text, throwing `INVALID_JSON` with the source name on failure. */
export function parseJsonText(text: string, source?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ArcError({
      code: "INVALID_JSON",
      message: `${source ?? "input"}: not valid JSON (${(cause as Error).message})`,
      cause,
      details: { source },
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function gridAt(
  value: unknown,
  path: (string | number)[],
  source: string | undefined,
  code: "INVALID_TASK" | "INVALID_SOLUTIONS",
): Grid {
  const problem = checkGrid(value);
  if (problem) {
    const full = [...path, ...problem.path];
    throw new ArcError({
      code,
      message: `${where(source, full)}: ${problem.message}`,
      details: { source, path: formatIssuePath(full), problem: problem.code },
    });
  }
  return value as Grid;
}

function taskError(source: string | undefined, path: (string | number)[], message: string): ArcError {
  return new ArcError({
    code: "INVALID_TASK",
    message: `${where(source, path)}: ${message}`,
    details: { source, path: formatIssuePath(path) },
  });
}

/**
 * Validates an already-parsed task object. Test outputs are optional unless `requireOutputs`.
 * Throws `INVALID_TASK` naming the exact path (`test[1].output[3][7]`).
 */
export function validateTask(
  value: unknown,
  options: ParseContext & { requireOutputs?: boolean } = {},
): Task {
  const { source } = options;
  if (!isRecord(value)) throw taskError(source, [], "expected an object with train and test");
  const train = value.train;
  const test = value.test;
  if (!Array.isArray(train)) throw taskError(source, ["train"], "expected a list of pairs");
  if (!Array.isArray(test)) throw taskError(source, ["test"], "expected a list of pairs");
  if (train.length === 0) throw taskError(source, ["train"], "has no pairs");
  if (test.length === 0) throw taskError(source, ["test"], "has no pairs");
  const outTrain: TrainPair[] = [];
  for (let i = 0; i < train.length; i++) {
    const pair = train[i];
    if (!isRecord(pair)) throw taskError(source, ["train", i], "expected {input, output}");
    if (pair.output === undefined) throw taskError(source, ["train", i, "output"], "is missing");
    outTrain.push({
      input: gridAt(pair.input, ["train", i, "input"], source, "INVALID_TASK"),
      output: gridAt(pair.output, ["train", i, "output"], source, "INVALID_TASK"),
    });
  }
  const outTest: TestPair[] = [];
  for (let i = 0; i < test.length; i++) {
    const pair = test[i];
    if (!isRecord(pair)) throw taskError(source, ["test", i], "expected {input, output?}");
    const input = gridAt(pair.input, ["test", i, "input"], source, "INVALID_TASK");
    if (pair.output === undefined) {
      if (options.requireOutputs) throw taskError(source, ["test", i, "output"], "is missing");
      outTest.push({ input });
    } else
      outTest.push({ input, output: gridAt(pair.output, ["test", i, "output"], source, "INVALID_TASK") });
  }
  const task: Task = { train: outTrain, test: outTest };
  if (typeof value.name === "string") task.name = value.name;
  return task;
}

/**
 * Parses an ARC task from JSON text (single-line or pretty-printed, any key order, extra keys
 * tolerated) or from an already-parsed object. Throws `INVALID_JSON` or `INVALID_TASK`.
 */
export function parseTask(
  input: string | unknown,
  options: ParseContext & { requireOutputs?: boolean } = {},
): Task {
  const value = typeof input === "string" ? parseJsonText(input, options.source) : input;
  return validateTask(value, options);
}

/** Ground truth per task id: the list of test output grids in test order. */
export type Solutions = Record<string, Grid[]>;

/**
 * Parses a Kaggle `*_challenges.json` bundle (`{taskId: {train, test: [{input}]}}`) from text or
 * an object. Test outputs, when present, are kept.
 */
export function parseChallenges(input: string | unknown, options: ParseContext = {}): Record<string, Task> {
  const value = typeof input === "string" ? parseJsonText(input, options.source) : input;
  if (!isRecord(value))
    throw new ArcError({
      code: "INVALID_TASK",
      message: `${options.source ?? "challenges"}: expected an object mapping task ids to tasks`,
      details: { source: options.source },
    });
  const out: Record<string, Task> = {};
  for (const [id, task] of Object.entries(value))
    out[id] = validateTask(task, { source: options.source ? `${options.source}: ${id}` : id });
  return out;
}

/**
 * Parses a Kaggle `*_solutions.json` file (`{taskId: [grid, …]}`) from text or an object.
 * Throws `INVALID_SOLUTIONS` naming the task and index of a bad grid.
 */
export function parseSolutions(input: string | unknown, options: ParseContext = {}): Solutions {
  const value = typeof input === "string" ? parseJsonText(input, options.source) : input;
  const label = options.source ?? "solutions";
  if (!isRecord(value))
    throw new ArcError({
      code: "INVALID_SOLUTIONS",
      message: `${label}: expected an object mapping task ids to lists of grids`,
      details: { source: options.source },
    });
  const out: Solutions = {};
  for (const [id, grids] of Object.entries(value)) {
    if (!Array.isArray(grids) || grids.length === 0)
      throw new ArcError({
        code: "INVALID_SOLUTIONS",
        message: `${label}: ${id}: expected a non-empty list of grids`,
        details: { source: options.source, taskId: id },
      });
    out[id] = grids.map((g, i) => gridAt(g, [id, i], label, "INVALID_SOLUTIONS"));
  }
  return out;
}

/**
 * Ground truth of full tasks (`{id: task}`, every test output required): `{id: [output, …]}`.
 * Throws `INVALID_SOLUTIONS` when a test output is missing.
 */
export function solutionsFromTasks(tasks: Record<string, Task>): Solutions {
  const out: Solutions = {};
  for (const [id, task] of Object.entries(tasks)) {
    out[id] = task.test.map((pair, i) => {
      if (pair.output === undefined)
        throw new ArcError({
          code: "INVALID_SOLUTIONS",
          message: `${id}: test[${i}].output is missing; a task used as ground truth needs every test output`,
          details: { taskId: id, index: i },
        });
      return pair.output;
    });
  }
  return out;
}
