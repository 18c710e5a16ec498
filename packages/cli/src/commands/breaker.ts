import { stat } from "node:fs/promises";
import { type BreakerConfig, type Decision, loadBreakerConfig, type MetricFormat } from "@rlops/recovery";
import {
  assertOneRun,
  type CheckResult,
  checkMetrics,
  checkRun,
  metricTarget,
  type WatchEvent,
  watchMetrics,
  writeJsonAtomic,
} from "@rlops/recovery/node";
import type { Command } from "commander";
import {
  action,
  choiceOption,
  durationOption,
  EXIT,
  examples,
  intOption,
  printJson,
  readInputText,
} from "../cli-kit.js";
import { CliError } from "../errors.js";

const FORMATS: readonly MetricFormat[] = [
  "jsonl",
  "tinker",
  "trainer-state",
  "responses",
  "tensorboard",
  "lightning-csv",
];

interface BreakerOptions {
  config: string;
  json?: boolean;
  format?: MetricFormat;
  stepKey?: string;
  state?: string;
  saveState?: string;
  allowUnseenMetrics?: boolean;
}

/**
 * Replays the given paths: one run folder (the run discovery `rlops report` uses, all sources
 * merged by step) or metric files / response-log folders in order.
 */
async function replay(
  config: BreakerConfig,
  paths: readonly string[],
  options: BreakerOptions,
  state: string | undefined,
): Promise<CheckResult> {
  const requireMetrics = options.allowUnseenMetrics !== true;
  if (options.format === undefined) {
    const targets = await Promise.all(paths.map((p) => metricTarget(p)));
    const runs = targets.filter((t) => t.kind === "run");
    if (runs.length > 0) {
      if (paths.length > 1)
        throw new CliError({
          code: "BAD_ARGUMENT",
          exitCode: EXIT.BAD_INPUT,
          message: `${runs[0]!.path} is a run folder: pass it alone (its metric files are found and merged by step)`,
        });
      const result = await checkRun(config, runs[0]!.root.path, { state, requireMetrics });
      const diagnostics = result.sources.flatMap((s) =>
        s.problems.map((message) => ({ code: "INVALID_RECORD" as const, message: `${s.path}: ${message}` })),
      );
      return { ...result, diagnostics } as unknown as CheckResult;
    }
  }
  return checkMetrics(config, paths, {
    format: options.format,
    stepKey: options.stepKey,
    state,
    requireMetrics,
  });
}

async function readText(path: string, what: string): Promise<string> {
  return readInputText(path, what);
}

async function loadConfig(path: string): Promise<BreakerConfig> {
  return loadBreakerConfig(await readText(path, "config"), path);
}

interface WatchFlags extends BreakerOptions {
  poll: number;
  idleTimeout?: number;
  heartbeat: number;
  quiet?: boolean;
  onRestart: "new-run" | "continue";
}

/** Exit code of a verdict: 0 ok, 3 stop, 4 rollback. */
export function exitCodeFor(verdict: Decision | null): number {
  if (verdict === null) return EXIT.OK;
  return verdict.action === "rollback" ? EXIT.ROLLBACK : verdict.action === "stop" ? EXIT.STOP : EXIT.OK;
}

function line(d: Decision): string {
  const first = d.firstBadStep === null ? "" : ` (first bad step ${d.firstBadStep})`;
  return `step ${d.step}  ${d.action.padEnd(8)} ${d.rule ?? "-"}: ${d.reason}${first}`;
}

/** `rlops breaker check`: replay, print the decisions and the verdict; the exit code is the verdict's. */
async function runCheck(metrics: string[], options: BreakerOptions): Promise<number> {
  const config = await loadConfig(options.config);
  const state = options.state === undefined ? undefined : await readText(options.state, "state");
  const result = await replay(config, metrics, options, state);
  if (options.saveState !== undefined) await writeJsonAtomic(options.saveState, result.state);
  if (result.restore && !options.json) {
    for (const c of result.restore.configDiff)
      process.stderr.write(
        `config changed since the saved state: ${c.path}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)} (using the current config)\n`,
      );
    if (result.restore.resetRules.length > 0)
      process.stderr.write(`rules restarted from scratch: ${result.restore.resetRules.join(", ")}\n`);
  }
  if (options.json) {
    printJson({
      verdict: result.verdict,
      exitCode: exitCodeFor(result.verdict),
      decisions: result.decisions,
      stats: result.stats,
      diagnostics: result.diagnostics,
      restore: result.restore,
      state: result.state,
    });
  } else {
    for (const d of result.decisions) process.stdout.write(`${line(d)}\n`);
    const s = result.stats;
    process.stdout.write(
      `${result.verdict ? `verdict: ${result.verdict.action}` : "verdict: ok"} — ${s.observed} steps observed, ${s.duplicates} duplicate, ${s.outOfOrder} out of order, ${s.gaps} gaps, ${s.missing} missing values, ${result.diagnostics.length} skipped lines\n`,
    );
    for (const d of result.diagnostics.slice(0, 5)) process.stderr.write(`warning: ${d.message}\n`);
  }
  return exitCodeFor(result.verdict);
}

/** `rlops breaker watch`: follow a growing source, print decisions; exits on stop (3) or rollback (4). */
async function runWatch(metrics: string, options: WatchFlags): Promise<number> {
  const config = await loadConfig(options.config);
  const state = options.state === undefined ? undefined : await readText(options.state, "state");
  // A folder of several runs is refused (never merged); a missing path is waited for.
  if ((await stat(metrics).catch(() => null))?.isDirectory()) await assertOneRun(metrics);
  const status = (text: string) => {
    if (!options.quiet) process.stderr.write(`rlops: ${text}\n`);
  };
  let last: Extract<WatchEvent, { kind: "poll" }> = { kind: "poll", records: 0, lastStep: null };
  let followed = metrics;
  const heartbeat =
    options.quiet || options.heartbeat <= 0
      ? undefined
      : setInterval(() => {
          const step = last.lastStep === null ? "no step yet" : `last step ${last.lastStep}`;
          status(`watching ${followed}: ${last.records} steps observed, ${step}, no trip`);
        }, options.heartbeat);
  heartbeat?.unref();
  const onEvent = (e: WatchEvent) => {
    if (e.kind === "poll") last = e;
    else if (e.kind === "waiting") status(`waiting for ${e.path} (${e.reason})`);
    else if (e.kind === "following") {
      followed = e.path;
      status(`following ${e.path} (${e.format})`);
    } else if (e.kind === "reset") status(`${e.path} was ${e.reason}: reading it again from the start`);
    else if (e.kind === "restart")
      status(
        `steps restarted at ${e.step} after step ${e.previousStep}${e.newRun ? ": treated as a new run" : ""}`,
      );
  };
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    if (options.idleTimeout === undefined) return;
    clearTimeout(idle);
    idle = setTimeout(stop, options.idleTimeout * 1000);
  };
  arm();
  let verdict: Decision | null = null;
  try {
    for await (const d of watchMetrics(config, metrics, {
      format: options.format,
      stepKey: options.stepKey,
      state,
      pollIntervalMs: Math.max(10, options.poll),
      signal: controller.signal,
      onEvent,
      onRestart: options.onRestart,
      requireMetrics: options.allowUnseenMetrics !== true,
      onDiagnostic: (diag) => {
        if (!options.json) process.stderr.write(`warning: ${diag.message}\n`);
      },
    })) {
      arm();
      process.stdout.write(options.json ? `${JSON.stringify(d)}\n` : `${line(d)}\n`);
      if (d.action === "stop" || d.action === "rollback") verdict = d;
    }
  } finally {
    clearInterval(heartbeat);
    clearTimeout(idle);
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return exitCodeFor(verdict);
}

/** Registers `rlops breaker check|watch`. */
export function register(program: Command): void {
  const breaker = program
    .command("breaker")
    .description(
      "Circuit breakers and early stopping over per-step training metrics (exit 0 ok, 3 stop, 4 rollback, 2 bad input).",
    );

  registerCheck(breaker);
  registerWatch(breaker);
}

function registerCheck(breaker: Command): void {
  const check = breaker
    .command("check")
    .description("Replay metric files through the breaker config and report the decision.")
    .argument(
      "<metrics...>",
      "a run folder (its metrics found as `rlops report` finds them), or JSONL / TensorBoard events / metrics.csv / trainer_state.json files or response-log folders, in step order",
    )
    .requiredOption("-c, --config <file>", "breaker config (YAML or JSON)")
    .addOption(choiceOption("--format <format>", "metric format; detected from the path by default", FORMATS))
    .option("--step-key <key>", "step field of JSONL records (default: step, global_step, _step, iteration)")
    .option("--state <file>", "continue from a saved monitor state (JSON)")
    .option("--save-state <file>", "write the monitor state after the check (atomic), for the next --state")
    .option(
      "--allow-unseen-metrics",
      "do not fail (METRIC_NEVER_SEEN) when a configured metric appears in no record",
    )
    .option("--json", "print the result as JSON")
    .action(action((metrics: string[], options: BreakerOptions) => runCheck(metrics, options)));
  examples(check, [
    "rlops breaker check --config breaker.yaml ./outputs        # a run folder: TensorBoard, trainer_state, JSONL, …",
    "rlops breaker check --config breaker.yaml metrics.jsonl",
    "rlops breaker check --config breaker.yaml lightning_logs/version_0/metrics.csv",
    "rlops breaker check --config breaker.yaml run/checkpoint-500/trainer_state.json --json > decision.json",
    "rlops breaker check --config goals.yaml logs/responses   # ARC response logs",
  ]);
}

function registerWatch(breaker: Command): void {
  const watch = breaker
    .command("watch")
    .description(
      "Follow a growing metric file (or the live log of a run folder) and print decisions as records arrive; exits on stop (3) or rollback (4).",
    )
    .argument(
      "<metrics>",
      "run folder, metric file (JSONL, TensorBoard events, metrics.csv, …) or response-log folder; may not exist yet",
    )
    .requiredOption("-c, --config <file>", "breaker config (YAML or JSON)")
    .addOption(choiceOption("--format <format>", "metric format; detected from the path by default", FORMATS))
    .option("--step-key <key>", "step field of JSONL records")
    .option("--state <file>", "continue from a saved monitor state (JSON)")
    .option("--poll <ms>", "poll interval in milliseconds", intOption("--poll"), 500)
    .option(
      "--idle-timeout <seconds>",
      "stop with exit 0 after this many seconds without a decision",
      intOption("--idle-timeout"),
    )
    .option(
      "--heartbeat <duration>",
      "print a status line to stderr this often while healthy (30s, 2m, 500ms; 0 = off)",
      durationOption("--heartbeat"),
      30_000,
    )
    .option("-q, --quiet", "no status lines on stderr (what is followed, waiting, heartbeats)")
    .addOption(
      choiceOption(
        "--on-restart <policy>",
        "steps that start again after the file was truncated or replaced: a fresh breaker (new-run) or the same one",
        ["new-run", "continue"],
        "new-run",
      ),
    )
    .option("--allow-unseen-metrics", "do not fail when a configured metric appeared in no record by the end")
    .option("--json", "print one JSON decision per line")
    .action(action((metrics: string, options: WatchFlags) => runWatch(metrics, options)));
  examples(watch, [
    "rlops breaker watch --config breaker.yaml ./outputs        # HF/TRL: follows runs/*/events.out.tfevents.*",
    "rlops breaker watch --config breaker.yaml /runs/grpo/metrics.jsonl --heartbeat 1m",
    "rlops breaker watch --config breaker.yaml metrics.jsonl --json > decisions.jsonl; echo $?   # 4 = rollback",
  ]);
}
