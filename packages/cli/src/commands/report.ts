import { lstat, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Layout } from "@rlops/checkpoint-layout";
import type { Trainer } from "@rlops/recovery";
import { assertOneRun, findRunRoots } from "@rlops/recovery/node";
import { type Report, renderReportText, terminalWidth } from "@rlops/run";
import { buildReport, type ReportProgress } from "@rlops/run/node";
import type { Command } from "commander";
import {
  action,
  createProgress,
  EXIT,
  examples,
  layoutOption,
  printJson,
  readInputText,
  useColor,
} from "../cli-kit.js";
import { CliError } from "../errors.js";
import { VERSION } from "../version.js";
import { trainerOption } from "./trainer-option.js";

/** Options of `rlops report`. */
interface ReportFlags {
  json?: boolean;
  html?: string;
  breaker?: string;
  layout?: Layout;
  command?: string;
  trainer?: Trainer;
  failOnTrip?: boolean;
  exampleDir: string;
  progress?: boolean;
  all?: boolean;
}

const PHASES: Record<ReportProgress["phase"], string> = {
  scan: "scanning files",
  checkpoints: "listing checkpoints",
  metrics: "reading metrics",
  responses: "scoring response logs",
  breaker: "running breaker",
};

/** Writes `text` to `path` atomically (temporary sibling, then rename). */
async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${Date.now().toString(36)}-${process.pid}.tmp`);
  try {
    await writeFile(temp, text);
    await rename(temp, path);
  } catch (cause) {
    throw new CliError({
      code: "WRITE_FAILED",
      message: `${path}: cannot write (${(cause as Error).message})`,
      cause,
    });
  }
}

/** Renders the HTML report (loaded lazily: the renderer is only needed for `--html`), chart data deflated. */
async function renderHtml(report: Report): Promise<string> {
  const [{ renderReportHtml }, { deflateSync }] = await Promise.all([
    import("@rlops/run"),
    import("node:zlib"),
  ]);
  return renderReportHtml(report, { deflate: (bytes) => deflateSync(bytes, { level: 9 }) });
}

/** Exit code of a report: 1 when nothing was found, 3/4 for a stop/rollback trip with `--fail-on-trip`. */
export function reportExitCode(report: Report, failOnTrip: boolean): number {
  if (report.checkpoints.count === 0 && report.metrics.steps === 0) return EXIT.NOT_FOUND;
  if (failOnTrip && report.breaker.trip) {
    if (report.breaker.trip.action === "stop" && report.nextAction.kind !== "finish") return EXIT.STOP;
    if (report.breaker.trip.action === "rollback") return EXIT.ROLLBACK;
  }
  return EXIT.OK;
}

/**
 * The run roots to report on: the folder itself when it is one run (or holds none: then the
 * report says nothing was found), every run with `--all`, else `MULTIPLE_RUNS` (exit 2).
 */
async function runRoots(dir: string, all: boolean): Promise<string[]> {
  const info = await lstat(dir).catch(() => null);
  if (info === null || !info.isDirectory()) return [dir]; // buildReport says RUN_NOT_FOUND
  if (!all) {
    const root = await assertOneRun(dir);
    return [root?.path ?? dir];
  }
  const roots = await findRunRoots(dir);
  return roots.length === 0 ? [dir] : roots.map((r) => r.path);
}

/** Registers the `rlops report` command(s). */
export function register(program: Command): void {
  const command = program
    .command("report")
    .description(
      "Where a training run stands: checkpoints, metrics, breaker, ARC accuracy, disk use, and the next action. " +
        "With no run-dir, writes the bundled example runs and reports on the ARC DAPO one.",
    )
    .argument("[run-dir...]", "run directory (default: the bundled example); several: compare them")
    .option("--json", "print the full structured report as JSON")
    .option("--html <file>", "also write a self-contained HTML report with charts")
    .option("--breaker <file>", "breaker config (YAML/JSON) instead of the default rules")
    .addOption(layoutOption())
    .option("--command <cmd>", "the original training command, for the exact resume command")
    .addOption(trainerOption())
    .option("--fail-on-trip", "exit 3 (stop) or 4 (rollback) when a breaker rule tripped")
    .option("--example-dir <dir>", "where the bundled example runs are written", ".rlops-example")
    .option("--no-progress", "no progress bar on stderr")
    .option("--all", "the folder holds several runs: report each one separately (never merged)")
    .action(
      action(async (runDirs: string[], flags: ReportFlags) => {
        let dir = runDirs[0];
        let html = flags.html;
        if (dir === undefined) {
          const root = resolve(flags.exampleDir);
          // Loaded only here: the generator pulls in the checkpoint-layout fixtures.
          const { writeExampleRuns } = await import("@rlops/run/node");
          const runs = await writeExampleRuns(root);
          dir = runs[0]?.dir as string;
          html ??= join(root, "report.html");
          if (!flags.json)
            process.stderr.write(
              `rlops: bundled example written to ${root} (${runs.map((r) => r.name).join(", ")}); reporting on ${runs[0]?.name}\n`,
            );
        }
        let breaker: { config: string; source: string } | undefined;
        if (flags.breaker) {
          const path = resolve(flags.breaker);
          const text = await readInputText(path, "--breaker");
          breaker = { config: text, source: path };
        }
        const buildOptions = {
          toolVersion: VERSION,
          ...(breaker ? { breaker } : {}),
          ...(flags.layout ? { layout: flags.layout } : {}),
          ...(flags.command ? { command: flags.command } : {}),
          ...(flags.trainer ? { trainer: flags.trainer } : {}),
        };
        if (runDirs.length > 1) {
          const progress = createProgress(
            process.stderr,
            flags.progress !== false && process.stderr.isTTY === true,
          );
          const options = {
            ...buildOptions,
            onProgress: (p: ReportProgress) => progress.update(PHASES[p.phase], p.done, p.total),
          };
          return (await import("./report-compare.js")).compareRuns(runDirs, options, flags, progress);
        }
        const build = (runRoot: string) => {
          const progress = createProgress(
            process.stderr,
            flags.progress !== false && process.stderr.isTTY === true,
          );
          return buildReport(runRoot, {
            ...buildOptions,
            onProgress: (p) => progress.update(PHASES[p.phase], p.done, p.total),
          }).finally(() => progress.done());
        };
        // A folder of several runs is listed, never merged (MULTIPLE_RUNS); --all reports each.
        const runsFound = runDirs.length === 0 ? [] : await runRoots(resolve(dir), flags.all === true);
        if (runsFound.length > 1) {
          if (html)
            throw new CliError({
              code: "INVALID_INPUT",
              message: "--html writes one run: pass one run folder",
            });
          const reports: Report[] = [];
          for (const run of runsFound) reports.push(await build(run));
          if (flags.json) printJson({ runs: reports });
          else
            for (const [i, report] of reports.entries())
              process.stdout.write(
                `${i === 0 ? "" : "\n"}══ run ${i + 1} of ${reports.length}: ${report.root}\n${renderReportText(report, { color: useColor(process.stdout) })}`,
              );
          return Math.max(...reports.map((r) => reportExitCode(r, flags.failOnTrip === true)));
        }
        const report = await build(runsFound[0] ?? dir);
        let htmlPath: string | undefined;
        if (html) {
          htmlPath = resolve(html);
          await writeAtomic(htmlPath, await renderHtml(report));
        }
        if (flags.json) printJson(report);
        else {
          process.stdout.write(
            renderReportText(report, {
              color: useColor(process.stdout),
              width: terminalWidth(process.stdout, process.env),
              ...(htmlPath ? { htmlPath } : {}),
            }),
          );
        }
        const code = reportExitCode(report, flags.failOnTrip === true);
        if (code === EXIT.NOT_FOUND && !flags.json)
          process.stderr.write(`rlops: NOTHING_FOUND: no checkpoints and no metrics in ${report.root}\n`);
        return code;
      }),
    );
  examples(command, [
    "rlops report                                   # bundled example run, with report.html",
    "rlops report ./outputs                         # a Hugging Face / TRL / Unsloth output_dir",
    "rlops report /workspace/outputs/grpo --breaker breaker.yaml --fail-on-trip",
    "rlops report ./outputs --html report.html",
    "rlops report ./outputs --json | jq .nextAction.command",
    "rlops report ./sweep --all                     # a folder of several runs: one report each",
  ]);
}
