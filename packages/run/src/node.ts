/**
 * `@rlops/run/node`: building a report from a run folder on disk, and the bundled example runs.
 */

export type { BuildReportOptions, ReportProgress } from "./build.js";
export {
  /** Builds the full report of a run folder from library calls. */
  buildReport,
} from "./build.js";
export type { ExampleRun } from "./example/generate.js";
export {
  /** Writes the bundled example runs (one per checkpoint layout) under a folder. */
  writeExampleRuns,
} from "./example/generate.js";
