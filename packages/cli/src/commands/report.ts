import { readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Trainer } from "@rlops/recovery";
import { trainerSchema } from "@rlops/recovery";
import type { Command } from "commander";
import { action, createProgress, EXIT, ExitError, examples, printJson, useColor } from "../cli-kit.js";
import { CliError } from "../errors.js";
import { buildReport, parseLayout, type ReportProgress } from "../report/build.js";
import type { Report } from "../report/schema.js";
import { renderReportText } from "../report/text.js";
import { terminalWidth } from "../report/width.js";

/** Options of `rlops report`. */
interface ReportFlags {
  json?: boolean;
  html?: string;
  breaker?: string;
  layout?: string;
  command?: string;
  trainer?: string;
  failOnTrip?: boolean;
  exampleDir: string;
  progress?: boolean;
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
    import("../report/html.js"),
    import("node:zlib"),
  ]);
  return renderReportHtml(report, { deflate: (bytes) => deflateSync(bytes, { level: 9 }) });
}

/** Checks a `--trainer` value against `@rlops/recovery`'s trainer names. */
function parseTrainer(value: string): Trainer {
  const result = trainerSchema.safeParse(value);
  if (result.success) return result.data;
  throw new CliError({
    code: "INVALID_INPUT",
    message: `--trainer: expected one of ${trainerSchema.options.join(", ")}, got "${value}"`,
  });
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
    .option(
      "--layout <layout>",
      "checkpoint layout instead of detecting it (hf, areal, staged, tinker, step-folders, …)",
    )
    .option("--command <cmd>", "the original training command, for the exact resume command")
    .option("--trainer <name>", "trainer for the resume command (default: from the layout)")
    .option("--fail-on-trip", "exit 3 (stop) or 4 (rollback) when a breaker rule tripped")
    .option("--example-dir <dir>", "where the bundled example runs are written", ".rlops-example")
    .option("--no-progress", "no progress bar on stderr")
    .action(
      action(async (runDirs: string[], flags: ReportFlags) => {
        let dir = runDirs[0];
        let html = flags.html;
        if (dir === undefined) {
          const root = resolve(flags.exampleDir);
          // Loaded only here: the generator pulls in the checkpoint-layout fixtures.
          const { writeExampleRuns } = await import("../example/generate.js");
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
          const text = await readFile(path, "utf8").catch((cause: unknown) => {
            throw new ExitError(
              EXIT.BAD_INPUT,
              "CONFIG_NOT_FOUND",
              `${path}: cannot read breaker config (${(cause as Error).message})`,
            );
          });
          breaker = { config: text, source: path };
        }
        const progress = createProgress(
          process.stderr,
          flags.progress !== false && process.stderr.isTTY === true,
        );
        const buildOptions = {
          ...(breaker ? { breaker } : {}),
          ...(flags.layout ? { layout: parseLayout(flags.layout) } : {}),
          ...(flags.command ? { command: flags.command } : {}),
          ...(flags.trainer ? { trainer: parseTrainer(flags.trainer) } : {}),
          onProgress: (p: ReportProgress) => progress.update(PHASES[p.phase], p.done, p.total),
        };
        if (runDirs.length > 1)
          return (await import("./report-compare.js")).compareRuns(runDirs, buildOptions, flags, progress);
        const report = await buildReport(dir, buildOptions).finally(() => progress.done());
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
              width: terminalWidth(process.stdout),
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
  ]);
}
