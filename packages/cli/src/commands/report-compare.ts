import { rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { deflateSync } from "node:zlib";
import { type Report, renderComparisonHtml, renderComparisonText, terminalWidth } from "@rlops/run";
import { type BuildReportOptions, buildReport } from "@rlops/run/node";
import { EXIT, type Progress, printJson, useColor } from "../cli-kit.js";
import { CliError } from "../errors.js";
import { reportExitCode } from "./report.js";

/** The flags of `rlops report` that a comparison uses. */
export interface CompareFlags {
  json?: boolean;
  html?: string;
  failOnTrip?: boolean;
}

/**
 * `rlops report RUN_A RUN_B …`: builds every run's report (same options), prints the comparison (text,
 * or `{schemaVersion, runs: [report…]}` with `--json`) and writes the comparison HTML with `--html`.
 * Exit code: 1 when no run had anything, else the most severe of the runs' codes (4 > 3 > 0).
 */
export async function compareRuns(
  dirs: readonly string[],
  options: BuildReportOptions,
  flags: CompareFlags,
  progress: Progress,
): Promise<number> {
  const reports: Report[] = [];
  try {
    for (const dir of dirs) reports.push(await buildReport(dir, options));
  } finally {
    progress.done();
  }
  let htmlPath: string | undefined;
  if (flags.html) {
    htmlPath = resolve(flags.html);
    const temp = join(dirname(htmlPath), `.${Date.now().toString(36)}-${process.pid}.tmp`);
    try {
      await writeFile(temp, renderComparisonHtml(reports, { deflate: (b) => deflateSync(b, { level: 9 }) }));
      await rename(temp, htmlPath);
    } catch (cause) {
      throw new CliError({
        code: "WRITE_FAILED",
        message: `${htmlPath}: cannot write (${(cause as Error).message})`,
        cause,
      });
    }
  }
  if (flags.json) printJson({ schemaVersion: 1, runs: reports });
  else {
    process.stdout.write(
      renderComparisonText(reports, {
        color: useColor(process.stdout),
        width: terminalWidth(process.stdout, process.env),
      }),
    );
    if (htmlPath) process.stdout.write(`\nHTML report: ${htmlPath}\n`);
  }
  const codes = reports.map((r) => reportExitCode(r, flags.failOnTrip === true));
  if (codes.every((code) => code === EXIT.NOT_FOUND)) return EXIT.NOT_FOUND;
  if (codes.includes(EXIT.ROLLBACK)) return EXIT.ROLLBACK;
  if (codes.includes(EXIT.STOP)) return EXIT.STOP;
  return EXIT.OK;
}
