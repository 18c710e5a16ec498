import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { responseLogMetrics, scoreResponseLog } from "@rlops/arc-eval";
import { parseResponseLog, responseLogFileStep } from "@rlops/arc-eval/response-log";
import { parseLenientJson } from "@rlops/checkpoint-layout";
import { arcStepValues } from "./arc.js";
import type { SeriesCollector, StepRecord } from "./metrics.js";
import type { ArcStep, MetricSource } from "./schema.js";

const MAX_SOURCE_PROBLEMS = 20;

/** First line of an error's message. */
export function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

/** The ARC response logs of a walked tree (`responses/step_N.json`), in path order. */
export function responseLogFiles(files: readonly { path: string }[]): string[] {
  return files
    .filter((f) => responseLogFileStep(f.path) !== null && basename(dirname(f.path)) === "responses")
    .map((f) => f.path)
    .sort((a, b) => a.localeCompare(b));
}

/**
 * Re-scores every response log from its candidate texts and adds the per-step ARC values to the
 * metric table (`responseLogMetrics`: `perfect` is the name the default goal reads). Returns the
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
      const log = parseResponseLog(parseLenientJson(await readFile(path, "utf8"), { source: path }), {
        source: path,
        step: responseLogFileStep(path) ?? undefined,
      });
      const scored = scoreResponseLog(log);
      steps.push(scored);
      const record: StepRecord = {
        step: scored.step,
        values: { ...arcStepValues(scored), ...responseLogMetrics(scored) },
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
