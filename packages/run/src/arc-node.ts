import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { compareGrids, extractGrid } from "@rlops/arc-eval";
import { extractFinalText } from "@rlops/harmony-format";
import { PERFECT_METRIC } from "@rlops/recovery";
import { type ArcScorer, arcStepValues, type ResponseLog, scoreResponseLog } from "./arc.js";
import type { SeriesCollector, StepRecord } from "./metrics.js";
import type { ArcStep, MetricSource } from "./schema.js";

const RESPONSE_FILE = /^step_(\d{1,12})\.json$/;
const MAX_SOURCE_PROBLEMS = 20;

/** The ARC scorer: final channel from `@rlops/harmony-format`, grid and comparison from `@rlops/arc-eval`. */
export const ARC_SCORER: ArcScorer = {
  extractFinalText: (text) => extractFinalText(text),
  extractGrid: (text) => {
    const result = extractGrid(text, { harmony: "ignore" });
    return result.ok ? { ok: true, grid: result.grid } : { ok: false, reason: result.reason };
  },
  compareGrids: (pred, target) => compareGrids(pred, target),
};

/** First line of an error's message. */
export function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

/** The ARC response logs of a walked tree (`responses/step_N.json`), in path order. */
export function responseLogFiles(files: readonly { path: string }[]): string[] {
  return files
    .filter((f) => RESPONSE_FILE.test(basename(f.path)) && basename(dirname(f.path)) === "responses")
    .map((f) => f.path)
    .sort((a, b) => a.localeCompare(b));
}

/**
 * Re-scores every response log from its candidate texts and adds the per-step ARC values to the
 * metric table (`perfect` is the name the default goal reads, see `PERFECT_METRIC`). Returns the
 * scored steps and the report's source row (`null` without response logs).
 */
export async function scoreResponseLogs(
  paths: readonly string[],
  collector: SeriesCollector,
  onProgress?: (done: number, total: number) => void,
): Promise<{ steps: ArcStep[]; source: MetricSource | null }> {
  const steps: ArcStep[] = [];
  if (paths.length === 0) return { steps, source: null };
  const problems: string[] = [];
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i] as string;
    try {
      const log = JSON.parse(await readFile(path, "utf8")) as ResponseLog;
      if (
        typeof log !== "object" ||
        log === null ||
        typeof log.step !== "number" ||
        !Array.isArray(log.candidates)
      )
        throw new Error("missing step or candidates");
      const scored = scoreResponseLog(log, ARC_SCORER);
      steps.push(scored);
      const record: StepRecord = {
        step: scored.step,
        values: { ...arcStepValues(scored), [PERFECT_METRIC]: scored.perfect },
      };
      if (scored.problemId !== null) record.problem = scored.problemId;
      collector.add(record);
    } catch (error) {
      if (problems.length < MAX_SOURCE_PROBLEMS) problems.push(`${basename(path)}: ${errorMessage(error)}`);
    }
    if (i % 25 === 0 || i === paths.length - 1) onProgress?.(i + 1, paths.length);
  }
  const source: MetricSource = {
    kind: "response_logs",
    path: dirname(paths[0] as string),
    records: steps.length,
    problems,
  };
  return { steps, source };
}
