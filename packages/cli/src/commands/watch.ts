import { type FSWatcher, watch as fsWatch } from "node:fs";
import { readFile, stat, statfs } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseTrainerState } from "@rlops/checkpoint-layout";
import {
  type DiskProjection,
  type ProgressSample,
  projectDisk,
  type Report,
  renderWatchView,
  terminalWidth,
  type WatchState,
  watchState,
} from "@rlops/run";
import { type BuildReportOptions, buildReport } from "@rlops/run/node";
import type { Command } from "commander";
import { action, EXIT, ExitError, examples, intOption, readInputText, useColor } from "../cli-kit.js";
import { CliError } from "../errors.js";
import { VERSION } from "../version.js";

interface WatchFlags {
  maxSteps?: number;
  saveEvery?: number;
  keepLast?: number;
  freeBytes?: number;
  exitOnTrip?: boolean;
  breaker?: string;
  interval: number;
  once?: boolean;
}

/** `max_steps` and `save_steps` from the newest `trainer_state.json` (root, else the newest checkpoint). */
async function trainerPlan(report: Report): Promise<{ maxSteps: number | null; saveSteps: number | null }> {
  const candidates = [
    join(report.root, "trainer_state.json"),
    ...[...report.checkpoints.items].reverse().map((c) => join(c.location, "trainer_state.json")),
  ];
  for (const path of candidates.slice(0, 4)) {
    try {
      const state = parseTrainerState(await readFile(path, "utf8"), path);
      const max = typeof state.max_steps === "number" && state.max_steps > 0 ? state.max_steps : null;
      const save =
        typeof state.save_steps === "number" && state.save_steps >= 1 ? Math.round(state.save_steps) : null;
      if (max !== null || save !== null) return { maxSteps: max, saveSteps: save };
    } catch {
      // not there or not readable: try the next copy
    }
  }
  return { maxSteps: null, saveSteps: null };
}

/** The save cadence: the median gap between consecutive checkpoint steps. */
function cadenceOf(report: Report): number | null {
  const steps = report.checkpoints.items
    .filter((c) => c.role === "intermediate" && c.step !== null)
    .map((c) => c.step as number)
    .sort((a, b) => a - b);
  const gaps = steps
    .slice(1)
    .map((s, i) => s - (steps[i] as number))
    .filter((g) => g > 0);
  if (gaps.length === 0) return null;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] as number;
}

async function diskOf(
  report: Report,
  flags: WatchFlags,
  plan: { maxSteps: number | null; saveSteps: number | null },
) {
  let free = flags.freeBytes ?? null;
  if (free === null) {
    const fs = await statfs(report.root).catch(() => null);
    free = fs ? fs.bavail * fs.bsize : 0;
  }
  const newest = [...report.checkpoints.items]
    .reverse()
    .find((c) => c.complete && c.step !== null && c.bytes > 0);
  const projection: DiskProjection = projectDisk({
    lastStep: report.metrics.lastStep ?? newest?.step ?? 0,
    maxSteps: flags.maxSteps ?? plan.maxSteps,
    cadence: flags.saveEvery ?? plan.saveSteps ?? cadenceOf(report),
    checkpointBytes: newest?.bytes ?? 0,
    // Retention rotates the step checkpoints only (HF: checkpoint-*; best/final folders stay).
    checkpoints: report.checkpoints.items.filter(
      (c) => c.role === "intermediate" && c.step !== null && !c.location.includes("://"),
    ).length,
    keepLast: flags.keepLast ?? null,
    freeBytes: free,
  });
  return { ...projection, usedBytes: report.disk.totalBytes, freeBytes: free };
}

/** Exit code of a trip under `--exit-on-trip` (3 stop, 4 rollback; a reached goal is not a failure). */
function tripCode(report: Report): number | null {
  const trip = report.breaker.trip;
  if (!trip) return null;
  if (trip.action === "rollback") return EXIT.ROLLBACK;
  if (trip.action === "stop") return report.nextAction.kind === "finish" ? EXIT.OK : EXIT.STOP;
  return null;
}

/** A cheap signature of the files the last report read (sizes and mtimes), for the slow poll. */
async function signature(report: Report | null, root: string): Promise<string> {
  const paths = [root, ...(report?.metrics.sources.map((s) => join(root, s.path)) ?? [])];
  for (const c of report?.checkpoints.items ?? []) if (!c.location.includes("://")) paths.push(c.location);
  const parts = await Promise.all(
    paths.map(async (p) => {
      const s = await stat(p).catch(() => null);
      return s ? `${s.size}:${s.mtimeMs}` : "-";
    }),
  );
  return parts.join("|");
}

/**
 * Runs the watch loop until a trip (with `--exit-on-trip`), `--once`, or SIGINT/SIGTERM. Redraws on
 * `fs.watch` events (debounced 50 ms) and on a slow stat poll (`--interval`, for filesystems where watch
 * events do not arrive, e.g. NFS); between changes it does nothing (no busy loop).
 */
async function runWatch(runDir: string, flags: WatchFlags, options: BuildReportOptions): Promise<number> {
  const root = resolve(runDir);
  const tty = process.stdout.isTTY === true;
  const color = useColor(process.stdout);
  const samples: ProgressSample[] = [];
  let last: Report | null = null;
  let lastJson = "";
  let lastSignature = "";
  let running = false;
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((r) => {
    finish = r;
  });
  let first = true;
  let failure: unknown = null;

  const draw = (state: WatchState, report: Report) => {
    if (!tty) {
      const json = JSON.stringify(state);
      if (json !== lastJson) process.stdout.write(`${json}\n`);
      lastJson = json;
      return;
    }
    const view = renderWatchView(state, report, {
      color,
      width: terminalWidth(process.stdout, process.env),
      now: new Date(),
    });
    // Cursor home, each line cleared to its end, then the rest of the screen: no flicker, no scroll.
    const frame = `${first ? "\x1b[?25l\x1b[2J" : ""}\x1b[H${view.split("\n").join("\x1b[K\n")}\x1b[K\n\x1b[J`;
    first = false;
    process.stdout.write(frame);
  };

  const refresh = async () => {
    if (running) {
      dirty = true;
      return;
    }
    running = true;
    dirty = false;
    try {
      const report = await buildReport(root, options);
      last = report;
      lastSignature = await signature(report, root);
      const step = report.metrics.lastStep;
      if (
        step !== null &&
        (samples.length === 0 || (samples[samples.length - 1] as ProgressSample).step !== step)
      )
        samples.push({ time: Date.now(), step });
      if (samples.length > 1000) samples.splice(0, samples.length - 1000);
      const plan = await trainerPlan(report);
      const state = watchState(report, {
        samples,
        maxSteps: flags.maxSteps ?? plan.maxSteps,
        disk: await diskOf(report, flags, plan),
      });
      draw(state, report);
      const code = flags.exitOnTrip ? tripCode(report) : null;
      if (code !== null) finish(code);
      else if (flags.once) finish(EXIT.OK);
    } catch (error) {
      failure = error;
      finish(-1);
    } finally {
      running = false;
      if (dirty) schedule();
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 50);
  };
  const poll = setInterval(() => {
    if (running) return;
    signature(last, root)
      .then((s) => {
        if (s !== lastSignature) schedule();
      })
      .catch(() => {});
  }, flags.interval);
  try {
    watcher = fsWatch(root, { recursive: true }, schedule);
    watcher.on("error", () => watcher?.close());
  } catch {
    watcher = undefined; // recursive watch unsupported here: the poll alone keeps the view current
  }
  const stop = () => finish(EXIT.OK);
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  if (tty) process.stdout.on("resize", schedule);
  await refresh();
  const code = await done;
  clearInterval(poll);
  clearTimeout(timer);
  watcher?.close();
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  if (tty) {
    process.stdout.off("resize", schedule);
    process.stdout.write("\x1b[?25h");
  }
  if (failure) throw failure;
  return code;
}

/** Registers `rlops watch`. */
export function register(program: Command): void {
  const command = program
    .command("watch")
    .description(
      "Live view of a running run, redrawn as its files grow: last step and rate, ETA to max_steps, latest metrics " +
        "with sparklines, breaker status, newest complete checkpoint, disk projection. Not a terminal: one JSON line per change.",
    )
    .argument("<run-dir>", "the run's output directory")
    .option("--max-steps <n>", "the run's max_steps (default: trainer_state.json)", intOption("--max-steps"))
    .option(
      "--save-every <n>",
      "steps between saves (default: save_steps, else the checkpoints' spacing)",
      intOption("--save-every"),
    )
    .option(
      "--keep-last <k>",
      "retention: checkpoints kept (save_total_limit); default all",
      intOption("--keep-last"),
    )
    .option(
      "--free-bytes <n>",
      "bytes free for the run (default: the filesystem's free space; e.g. a quota)",
      intOption("--free-bytes"),
    )
    .option("--breaker <file>", "breaker config (YAML/JSON) instead of the default rules")
    .option("--exit-on-trip", "exit 3 (stop) or 4 (rollback) as soon as a breaker rule trips")
    .option("--interval <ms>", "slow stat poll beside file-system events", intOption("--interval"), 2000)
    .option("--once", "draw once and exit")
    .action(
      action(async (runDir: string, flags: WatchFlags) => {
        if (flags.interval < 100)
          throw new ExitError(EXIT.BAD_INPUT, "BAD_FLAG", "--interval must be at least 100 ms");
        let options: BuildReportOptions = { toolVersion: VERSION };
        if (flags.breaker) {
          const path = resolve(flags.breaker);
          const text = await readInputText(path, "--breaker");
          options = { toolVersion: VERSION, breaker: { config: text, source: path } };
        }
        // Fails fast (exit 2) on a missing run directory, before any watcher starts.
        const info = await stat(resolve(runDir)).catch(() => null);
        if (!info?.isDirectory())
          throw new CliError({
            code: "PATH_NOT_FOUND",
            message: `${resolve(runDir)}: no such directory`,
            details: { hint: "pass the training output directory of a running run" },
          });
        return runWatch(runDir, flags, options);
      }),
    );
  examples(command, [
    "rlops watch ./outputs",
    "rlops watch ./outputs --max-steps 500 --keep-last 3 --exit-on-trip",
    "rlops watch ./outputs | jq -c '{step, stepsPerMinute, breaker}'   # JSON lines when piped",
  ]);
}
