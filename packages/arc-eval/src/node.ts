import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import { ArcError } from "./errors.js";
import { parseSubmission, type Submission, submissionFromBenchmarking } from "./score.js";
import {
  parseChallenges,
  parseJsonText,
  parseSolutions,
  parseTask,
  type Solutions,
  solutionsFromTasks,
  type Task,
} from "./task.js";

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (cause) {
    throw new ArcError({
      code: "FILE_READ_FAILED",
      message: `${path}: cannot read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`,
      cause,
      details: { path },
    });
  }
}

/** Reads and validates one ARC task file. Throws `FILE_READ_FAILED`, `INVALID_JSON`, `INVALID_TASK`. */
export async function loadTaskFile(path: string, options: { requireOutputs?: boolean } = {}): Promise<Task> {
  return parseTask(await readText(path), { source: path, ...options });
}

/** Options of {@link loadTaskDir}. */
export interface LoadTaskDirOptions {
  /** Also read sub-folders; ids become relative paths such as `training/007bbfb7`. */
  recursive?: boolean;
  /** Every test pair must have an output (ground truth). */
  requireOutputs?: boolean;
}

async function listJson(dir: string, recursive: boolean): Promise<string[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw new ArcError({
      code: "FILE_READ_FAILED",
      message: `${dir}: cannot list (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`,
      cause,
      details: { path: dir },
    });
  }
  const out: string[] = [];
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) out.push(...(await listJson(full, true)));
    } else if (entry.name.endsWith(".json")) out.push(full);
  }
  return out;
}

/**
 * Reads every `*.json` task file of a folder (ARC-AGI `data/training`, `data/evaluation`), keyed by
 * id (file name without `.json`). Files are read concurrently and parsed in id order; note that
 * JavaScript lists all-digit keys (e.g. `"13713586"`) first when iterating the returned object.
 */
export async function loadTaskDir(
  dir: string,
  options: LoadTaskDirOptions = {},
): Promise<Record<string, Task>> {
  const files = await listJson(dir, options.recursive ?? false);
  const ids = files.map((file) =>
    options.recursive ? relative(dir, file).slice(0, -5).split(sep).join("/") : basename(file, ".json"),
  );
  const texts = await Promise.all(files.map(readText));
  const order = ids.map((id, i) => [id, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Record<string, Task> = {};
  for (const [id, i] of order) {
    const opts: { source: string; requireOutputs?: boolean } = { source: files[i] as string };
    if (options.requireOutputs !== undefined) opts.requireOutputs = options.requireOutputs;
    out[id] = parseTask(texts[i] as string, opts);
  }
  return out;
}

/**
 * Reads a Kaggle bundle: `arc-agi_*_challenges.json` and, optionally, the matching
 * `*_solutions.json`. Returns the tasks (with test outputs filled in when solutions are given) and
 * the solutions. Throws `UNKNOWN_TASK` when the solutions do not match the challenges.
 */
export async function loadKaggleFiles(
  challengesPath: string,
  solutionsPath?: string,
): Promise<{ tasks: Record<string, Task>; solutions?: Solutions }> {
  const tasks = parseChallenges(await readText(challengesPath), { source: challengesPath });
  if (solutionsPath === undefined) return { tasks };
  const solutions = parseSolutions(await readText(solutionsPath), { source: solutionsPath });
  for (const [id, grids] of Object.entries(solutions)) {
    const task = tasks[id];
    if (!task)
      throw new ArcError({
        code: "UNKNOWN_TASK",
        message: `${solutionsPath}: task ${id} is not in ${challengesPath}`,
        details: { taskId: id },
      });
    if (grids.length !== task.test.length)
      throw new ArcError({
        code: "INVALID_SOLUTIONS",
        message: `${solutionsPath}: ${id} has ${grids.length} solution(s) but ${task.test.length} test input(s)`,
        details: { taskId: id },
      });
    task.test = task.test.map((pair, i) => ({ input: pair.input, output: grids[i] }));
  }
  return { tasks, solutions };
}

/**
 * Ground truth from a path: a folder of task files (searched recursively when it holds no
 * `*.json` directly, keyed by task id, which must then be unique), a Kaggle `*_solutions.json`, or
 * one task file. Every test output must be present.
 */
export async function loadSolutions(path: string): Promise<Solutions> {
  let info: import("node:fs").Stats;
  try {
    info = await stat(path);
  } catch (cause) {
    throw new ArcError({ code: "FILE_READ_FAILED", message: `${path}: not found`, cause, details: { path } });
  }
  if (info.isDirectory()) {
    const tasks = await loadTaskDir(path, { requireOutputs: true });
    if (Object.keys(tasks).length === 0) {
      // e.g. ARC-AGI `data/` with training/ and evaluation/: key by task id, which must be unique
      const nested = await loadTaskDir(path, { recursive: true, requireOutputs: true });
      const seen = new Map<string, string>();
      for (const [rel, task] of Object.entries(nested)) {
        const id = rel.slice(rel.lastIndexOf("/") + 1);
        const other = seen.get(id);
        if (other !== undefined)
          throw new ArcError({
            code: "INVALID_SOLUTIONS",
            message: `${path}: task id ${id} appears twice (${other}.json and ${rel}.json); pass one split folder`,
            details: { path, taskId: id },
          });
        seen.set(id, rel);
        tasks[id] = task;
      }
    }
    if (Object.keys(tasks).length === 0)
      throw new ArcError({
        code: "INVALID_SOLUTIONS",
        message: `${path}: no task files (*.json) found`,
        details: { path },
      });
    return solutionsFromTasks(tasks);
  }
  const value = parseJsonText(await readText(path), path);
  if (typeof value === "object" && value !== null && "train" in value && "test" in value) {
    const task = parseTask(value, { source: path, requireOutputs: true });
    return solutionsFromTasks({ [basename(path, ".json")]: task });
  }
  return parseSolutions(value, { source: path });
}

/** Reads a Kaggle `submission.json`. Throws `FILE_READ_FAILED`, `INVALID_JSON`, `INVALID_SUBMISSION`. */
export async function loadSubmission(path: string): Promise<Submission> {
  return parseSubmission(await readText(path), path);
}

/**
 * Reads an arc-agi-benchmarking submission folder (`<taskId>.json` per task, `results.json`
 * skipped) as a Kaggle {@link Submission}; see `submissionFromBenchmarking`.
 */
export async function loadBenchmarkingSubmission(dir: string): Promise<Submission> {
  const files = (await listJson(dir, false)).filter((file) => basename(file) !== "results.json");
  const texts = await Promise.all(files.map(readText));
  const results: Record<string, unknown> = {};
  files.forEach((file, i) => {
    results[basename(file, ".json")] = parseJsonText(texts[i] as string, file);
  });
  return submissionFromBenchmarking(results);
}

/** A Kaggle `submission.json` file, or an arc-agi-benchmarking per-task folder. */
export async function loadAnySubmission(path: string): Promise<Submission> {
  let info: import("node:fs").Stats;
  try {
    info = await stat(path);
  } catch (cause) {
    throw new ArcError({ code: "FILE_READ_FAILED", message: `${path}: not found`, cause, details: { path } });
  }
  return info.isDirectory() ? loadBenchmarkingSubmission(path) : loadSubmission(path);
}
