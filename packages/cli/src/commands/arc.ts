import {
  AGGREGATIONS,
  type Aggregation,
  type ExtractOptions,
  extractGrid,
  GRID_FORMATS,
  type GridFormat,
  inspectGrids,
  type ScoreResult,
  scoreSubmission,
} from "@rlops/arc-eval";
import { loadAnySubmission, loadSolutions } from "@rlops/arc-eval/node";
import type { Command } from "commander";
import {
  action,
  EXIT,
  ExitError,
  examples,
  intOption,
  printJson,
  readInputText,
  readStdin,
} from "../cli-kit.js";
import { CliError } from "../errors.js";

function aggregationOption(value: string): Aggregation {
  if (!(AGGREGATIONS as readonly string[]).includes(value))
    throw new ExitError(
      EXIT.BAD_INPUT,
      "BAD_FLAG",
      `--aggregation expects one of ${AGGREGATIONS.join(", ")}, got "${value}"`,
    );
  return value as Aggregation;
}

function formatsOption(value: string): GridFormat[] {
  const list = value.split(",").map((f) => f.trim());
  for (const f of list)
    if (!(GRID_FORMATS as readonly string[]).includes(f))
      throw new ExitError(
        EXIT.BAD_INPUT,
        "BAD_FLAG",
        `--formats: unknown format "${f}" (known: ${GRID_FORMATS.join(", ")})`,
      );
  return list as GridFormat[];
}

function harmonyOption(value: string): NonNullable<ExtractOptions["harmony"]> {
  const modes = ["prefer-final", "final-only", "ignore"];
  if (!modes.includes(value))
    throw new ExitError(
      EXIT.BAD_INPUT,
      "BAD_FLAG",
      `--harmony expects one of ${modes.join(", ")}, got "${value}"`,
    );
  return value as NonNullable<ExtractOptions["harmony"]>;
}

/** The `rlops arc score --json` object. */
function scoreJson(result: ScoreResult) {
  return {
    aggregation: result.aggregation,
    attempts: result.attempts,
    score: result.score,
    solved: result.solved,
    total: result.total,
    tasks: result.tasks.map((task) => ({
      id: task.id,
      score: task.score,
      outputs: task.outputs.map((o) => ({
        index: o.index,
        solved: o.solved,
        solvedBy: o.solvedBy,
        sizeMatch: o.sizeMatch,
        pixelAccuracy: o.pixelAccuracy,
      })),
    })),
    missing: result.missing,
    problems: result.problems.map((p) => ({
      taskId: p.taskId,
      index: p.index,
      code: p.code,
      message: p.message,
    })),
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function num(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3);
}

function printSummary(result: ScoreResult): void {
  const a = result.aggregations;
  const rows: [string, string, string][] = [
    ["per-task", pct(a["per-task"].score), `${num(a["per-task"].solved)} / ${a["per-task"].total} tasks`],
    [
      "per-output",
      pct(a["per-output"].score),
      `${a["per-output"].solved} / ${a["per-output"].total} outputs`,
    ],
    [
      "all-or-nothing",
      pct(a["all-or-nothing"].score),
      `${a["all-or-nothing"].solved} / ${a["all-or-nothing"].total} tasks`,
    ],
  ];
  const out: string[] = [];
  out.push(`score ${pct(result.score)} (${result.aggregation}, pass@${result.attempts})`);
  out.push("");
  out.push(`${"aggregation".padEnd(16)}${"score".padStart(8)}  solved`);
  for (const [name, score, detail] of rows)
    out.push(
      `${(name === result.aggregation ? `${name} *` : name).padEnd(16)}${score.padStart(8)}  ${detail}`,
    );
  out.push("");
  out.push(`missing tasks: ${result.missing.length}   problems: ${result.problems.length}`);
  const shown = result.problems.slice(0, 20);
  for (const p of shown) out.push(`  ${p.code.padEnd(22)} ${p.message}`);
  if (result.problems.length > shown.length)
    out.push(`  … ${result.problems.length - shown.length} more (use --json)`);
  process.stdout.write(`${out.join("\n")}\n`);
}

/** Registers the `rlops arc` command(s). */
export function register(program: Command): void {
  const arc = program
    .command("arc")
    .description("ARC: score submissions like the ARC Prize, extract grids from model text");

  const score = arc
    .command("score")
    .description("score a Kaggle submission.json against ground truth (task folder or *_solutions.json)")
    .requiredOption(
      "--solutions <path>",
      "folder of ARC task files, a Kaggle *_solutions.json, or one task file",
    )
    .requiredOption(
      "--submission <path>",
      "Kaggle submission.json ({taskId: [{attempt_1, attempt_2}, …]}) or an arc-agi-benchmarking per-task folder",
    )
    .option("--aggregation <name>", `${AGGREGATIONS.join(" | ")}`, aggregationOption, "per-task")
    .option("--attempts <k>", "attempts that count per test output", intOption("--attempts"), 2)
    .option("--json", "print the result as JSON")
    .action(
      action(
        async (opts: {
          solutions: string;
          submission: string;
          aggregation: Aggregation;
          attempts: number;
          json?: boolean;
        }) => {
          if (opts.attempts < 1)
            throw new ExitError(EXIT.BAD_INPUT, "BAD_FLAG", "--attempts must be at least 1");
          const [solutions, submission] = await Promise.all([
            loadSolutions(opts.solutions),
            loadAnySubmission(opts.submission),
          ]);
          const result = scoreSubmission(submission, solutions, {
            aggregation: opts.aggregation,
            attempts: opts.attempts,
          });
          if (opts.json) printJson(scoreJson(result));
          else printSummary(result);
          return EXIT.OK;
        },
      ),
    );
  examples(score, [
    "rlops arc score --solutions data/evaluation --submission submission.json",
    "rlops arc score --solutions arc-agi_evaluation_solutions.json --submission submission.json --aggregation per-output --json",
  ]);

  const extract = arc
    .command("extract")
    .description("read model text on stdin and print the last grid in it as JSON (exit 1 when there is none)")
    .option("--file <path>", "read the text from a file instead of stdin")
    .option(
      "--formats <list>",
      `comma-separated formats to look for (${GRID_FORMATS.join(", ")})`,
      formatsOption,
    )
    .option("--harmony <mode>", "prefer-final | final-only | ignore", harmonyOption, "prefer-final")
    .option("--palette <file>", "JSON {colourWord: value} map for colour-word grids")
    .action(
      action(
        async (opts: {
          file?: string;
          formats?: GridFormat[];
          harmony: NonNullable<ExtractOptions["harmony"]>;
          palette?: string;
        }) => {
          const text = opts.file ? await readText(opts.file) : await readStdin();
          const options: ExtractOptions = { harmony: opts.harmony };
          if (opts.formats) options.formats = opts.formats;
          if (opts.palette) options.palette = await readPalette(opts.palette);
          const result = extractGrid(text, options);
          const { candidates } = inspectGrids(text, options);
          if (result.ok) {
            printJson({ grid: result.grid, format: result.format, candidates });
            return EXIT.OK;
          }
          printJson({ grid: null, format: null, candidates, reason: result.reason, message: result.message });
          return EXIT.NOT_FOUND;
        },
      ),
    );
  examples(extract, [
    "echo '[[1, 2], [3, 4]]' | rlops arc extract",
    "rlops arc extract --file completion.txt --harmony final-only",
  ]);
}

async function readText(path: string): Promise<string> {
  return readInputText(path, "file");
}

async function readPalette(path: string): Promise<Record<string, number>> {
  let value: unknown;
  try {
    value = JSON.parse(await readText(path));
  } catch (cause) {
    if (CliError.isInstance(cause)) throw cause;
    throw new ExitError(EXIT.BAD_INPUT, "INVALID_JSON", `${path}: not valid JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ExitError(EXIT.BAD_INPUT, "BAD_PALETTE", `${path}: expected {"word": 0-9, …}`);
  for (const [word, v] of Object.entries(value))
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 9)
      throw new ExitError(EXIT.BAD_INPUT, "BAD_PALETTE", `${path}: "${word}" must map to an integer 0-9`);
  return value as Record<string, number>;
}
