import { type BreakerConfig, type Decision, loadBreakerConfig, type MetricFormat } from "@rlops/recovery";
import { checkMetrics, watchMetrics, writeJsonAtomic } from "@rlops/recovery/node";
import type { Command } from "commander";
import { action, EXIT, ExitError, examples, intOption, printJson, readInputText } from "../cli-kit.js";

const FORMATS: readonly MetricFormat[] = ["jsonl", "tinker", "trainer-state", "responses"];

interface BreakerOptions {
  config: string;
  json?: boolean;
  format?: MetricFormat;
  stepKey?: string;
  state?: string;
  saveState?: string;
}

function formatOption(value: string): MetricFormat {
  if (!(FORMATS as readonly string[]).includes(value))
    throw new ExitError(
      EXIT.BAD_INPUT,
      "BAD_FLAG",
      `--format expects one of ${FORMATS.join(", ")}, got "${value}"`,
    );
  return value as MetricFormat;
}

async function readText(path: string, what: string): Promise<string> {
  return readInputText(path, what);
}

async function loadConfig(path: string): Promise<BreakerConfig> {
  return loadBreakerConfig(await readText(path, "config"), path);
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

/** Registers `rlops breaker check|watch`. */
export function register(program: Command): void {
  const breaker = program
    .command("breaker")
    .description(
      "Circuit breakers and early stopping over per-step training metrics (exit 0 ok, 3 stop, 4 rollback, 2 bad input).",
    );

  const check = breaker
    .command("check")
    .description("Replay metric files through the breaker config and report the decision.")
    .argument(
      "<metrics...>",
      "JSONL / metrics.jsonl / trainer_state.json files or response-log folders, in step order",
    )
    .requiredOption("-c, --config <file>", "breaker config (YAML or JSON)")
    .option(
      "--format <format>",
      `metric format (${FORMATS.join(", ")}); detected from the path by default`,
      formatOption,
    )
    .option("--step-key <key>", "step field of JSONL records (default: step, global_step, _step, iteration)")
    .option("--state <file>", "continue from a saved monitor state (JSON)")
    .option("--save-state <file>", "write the monitor state after the check (atomic), for the next --state")
    .option("--json", "print the result as JSON")
    .action(
      action(async (metrics: string[], options: BreakerOptions) => {
        const config = await loadConfig(options.config);
        const state = options.state === undefined ? undefined : await readText(options.state, "state");
        const result = await checkMetrics(config, metrics, {
          format: options.format,
          stepKey: options.stepKey,
          state,
        });
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
      }),
    );
  examples(check, [
    "rlops breaker check --config breaker.yaml metrics.jsonl",
    "rlops breaker check --config breaker.yaml run/checkpoint-500/trainer_state.json --json > decision.json",
    "rlops breaker check --config goals.yaml logs/responses   # ARC response logs",
  ]);

  const watch = breaker
    .command("watch")
    .description(
      "Follow a growing metric file and print decisions as lines arrive; exits on stop (3) or rollback (4).",
    )
    .argument("<metrics>", "file or response-log folder to follow")
    .requiredOption("-c, --config <file>", "breaker config (YAML or JSON)")
    .option("--format <format>", `metric format (${FORMATS.join(", ")})`, formatOption)
    .option("--step-key <key>", "step field of JSONL records")
    .option("--state <file>", "continue from a saved monitor state (JSON)")
    .option("--poll <ms>", "poll interval in milliseconds", intOption("--poll"), 500)
    .option(
      "--idle-timeout <seconds>",
      "stop with exit 0 after this many seconds without a decision",
      intOption("--idle-timeout"),
    )
    .option("--json", "print one JSON decision per line")
    .action(
      action(async (metrics: string, options: BreakerOptions & { poll: number; idleTimeout?: number }) => {
        const config = await loadConfig(options.config);
        const state = options.state === undefined ? undefined : await readText(options.state, "state");
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
            onDiagnostic: (diag) => {
              if (!options.json) process.stderr.write(`warning: ${diag.message}\n`);
            },
          })) {
            arm();
            process.stdout.write(options.json ? `${JSON.stringify(d)}\n` : `${line(d)}\n`);
            if (d.action === "stop" || d.action === "rollback") verdict = d;
          }
        } finally {
          clearTimeout(idle);
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
        }
        return exitCodeFor(verdict);
      }),
    );
  examples(watch, [
    "rlops breaker watch --config breaker.yaml /runs/grpo/metrics.jsonl",
    "rlops breaker watch --config breaker.yaml metrics.jsonl --json > decisions.jsonl; echo $?   # 4 = rollback",
  ]);
}
