export type { ExampleRun } from "./example/generate.js";
export { writeExampleRuns } from "./example/generate.js";
export { createProgram } from "./program.js";
export type { BuildReportOptions, ReportProgress } from "./report/build.js";
export { buildReport } from "./report/build.js";
