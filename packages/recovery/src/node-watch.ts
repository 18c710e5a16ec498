import { open, stat } from "node:fs/promises";
import type { BreakerConfig, BreakerConfigInput } from "./config.js";
import { RecoveryError } from "./errors.js";
import { StepMerger } from "./merge.js";
import { createMonitor, type MetricRecord, type Monitor } from "./monitor.js";
import { type ByteDecoder, createByteDecoder, isByteFormat } from "./node-decoders.js";
import { discoverMetricSources, type MetricSourceRef } from "./node-discovery.js";
import {
  formatOfPath,
  isMonitor,
  listStepFiles,
  metricsOf,
  type ReadOptions,
  readWhole,
  responsesDir,
} from "./node-sources.js";
import { assertMetricsSeen } from "./seen.js";
import {
  type MetricFormat,
  recordFromResponseLog,
  recordsFromTrainerState,
  type SourceDiagnostic,
} from "./sources.js";
import type { Decision } from "./state.js";

/** What the watcher is doing, for a sidecar's log (see {@link WatchOptions.onEvent}). */
export type WatchEvent =
  /** The path (or a metric source in the run folder) does not exist yet; reported once per wait. */
  | { kind: "waiting"; path: string; reason: string }
  /** Following this source from now on. */
  | { kind: "following"; path: string; format: MetricFormat }
  /** The file was replaced (new inode), truncated (size shrank) or rewritten (first bytes changed): re-read from the start. */
  | { kind: "reset"; path: string; reason: "replaced" | "truncated" | "rewritten" }
  /** After a reset the steps started again (≤ the last step seen): a new run (fresh monitor) unless `onRestart: "continue"`. */
  | { kind: "restart"; path: string; step: number; previousStep: number; newRun: boolean }
  /** End of one poll: records observed so far and the last step (heartbeats). */
  | { kind: "poll"; records: number; lastStep: number | null };

/** Options of {@link watchMetrics}. */
export interface WatchOptions extends ReadOptions {
  /** Poll interval in ms (default 500). */
  pollIntervalMs?: number;
  /** Stops watching. */
  signal?: AbortSignal;
  /** Continue from a saved monitor state. */
  state?: unknown;
  /** Also yield `continue` decisions (default false). */
  includeContinue?: boolean;
  /** Stop after a stop/rollback decision (default true). */
  stopOnTrip?: boolean;
  /** Steps that start again after a reset: `"new-run"` (default: a fresh monitor) or `"continue"` (same monitor; repeated steps are duplicates). */
  onRestart?: "new-run" | "continue";
  /** Receives what the watcher does (waiting, following, resets, restarts, one `poll` per poll). */
  onEvent?: (event: WatchEvent) => void;
  /**
   * When the watch ends without a trip (signal): throw `NO_RECORDS` / `METRIC_NEVER_SEEN` as
   * `checkMetrics` does (default true).
   */
  requireMetrics?: boolean;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Bytes of the start of a file compared on every poll (replacement / rewrite in place). */
const HEAD_BYTES = 256;
/** Bytes before the read offset compared on every poll (a rewrite that refilled past the offset). */
const TAIL_BYTES = 64;
const MAX_NAMES = 1000;

/** The source a watch follows in a run folder: the live log trainers append to. */
const WATCH_PRIORITY: Record<MetricSourceRef["kind"], number> = {
  jsonl: 0,
  tinker: 0,
  tensorboard: 1,
  "lightning-csv": 2,
  "trainer-state": 3,
  responses: 4,
  "stage-metrics": 9,
};

/**
 * The source `watchMetrics` follows in a run folder (the same discovery as `rlops report`): a
 * JSONL log (e.g. `rlops/metrics.jsonl`) first, then the newest TensorBoard events file, Lightning
 * `metrics.csv`, the newest `trainer_state.json`, response logs. Null when there is none yet.
 */
export async function chooseWatchSource(root: string): Promise<MetricSourceRef | null> {
  const sources = (await discoverMetricSources(root)).filter((s) => s.kind !== "stage-metrics");
  if (sources.length === 0) return null;
  const withTimes = await Promise.all(
    sources.map(async (s) => ({
      s,
      mtime: await stat(s.path).then(
        (i) => i.mtimeMs,
        () => 0,
      ),
    })),
  );
  withTimes.sort((a, b) => WATCH_PRIORITY[a.s.kind] - WATCH_PRIORITY[b.s.kind] || b.mtime - a.mtime);
  return withTimes[0]!.s;
}

/** Identity of a followed file: inode, the first bytes, and the bytes before the read offset. */
interface Identity {
  ino: number;
  head: Buffer;
  tail: Buffer;
}

async function readAt(path: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** What one watch has seen and the monitor it feeds (replaced when a restarted run is a new run). */
class WatchSession {
  monitor: Monitor;
  readonly baseConfig: BreakerConfig;
  records = 0;
  lastStep: number | null = null;
  private readonly wanted: readonly string[];
  private readonly seen = new Set<string>();
  private readonly names = new Set<string>();
  private readonly options: WatchOptions;

  constructor(monitor: Monitor, options: WatchOptions) {
    this.monitor = monitor;
    this.baseConfig = monitor.config;
    this.wanted = metricsOf(monitor.config);
    this.options = options;
  }

  /** Observes one record; yields its decision when asked for, returns true when the watch ends. */
  *emit(record: MetricRecord): Generator<Decision, boolean> {
    this.records++;
    this.lastStep = record.step;
    for (const key of this.wanted) if (key in record.metrics) this.seen.add(key);
    if (this.names.size < MAX_NAMES) for (const key in record.metrics) this.names.add(key);
    const decision = this.monitor.observe(record);
    if (decision.action !== "continue" || this.options.includeContinue) yield decision;
    return this.monitor.tripped && (this.options.stopOnTrip ?? true);
  }

  /** At the end of a watch without a trip: `NO_RECORDS` / `METRIC_NEVER_SEEN` unless not required. */
  assertSeen(where: string): void {
    if (this.monitor.tripped || this.options.requireMetrics === false) return;
    assertMetricsSeen(this.baseConfig, {
      records: this.records,
      has: (name) => this.seen.has(name),
      names: [...this.names].sort(),
      where,
    });
  }
}

/** One followed source: where, in which format, and the session it feeds. */
interface Follow {
  session: WatchSession;
  followed: string;
  format: MetricFormat;
  options: WatchOptions;
  event: (event: WatchEvent) => void;
  report: (diagnostic: SourceDiagnostic) => void;
}

/** The source to follow: the path itself, or what discovery finds in a run folder (waiting until it exists). */
async function awaitSource(
  path: string,
  options: WatchOptions,
  event: (event: WatchEvent) => void,
): Promise<MetricSourceRef | null> {
  const poll = options.pollIntervalMs ?? 500;
  let waitingSaid = false;
  while (!options.signal?.aborted) {
    const info = await stat(path).catch(() => null);
    let source: MetricSourceRef | null = null;
    if (info !== null) {
      if (options.format !== undefined) source = { kind: options.format, path };
      else if (!info.isDirectory()) source = { kind: formatOfPath(path, false), path };
      else if ((await responsesDir(path)) !== path || (await listStepFiles(path)).length > 0)
        source = { kind: "responses", path };
      else source = await chooseWatchSource(path);
    }
    if (source !== null) return source;
    if (!waitingSaid)
      event({
        kind: "waiting",
        path,
        reason: info === null ? "does not exist yet" : "no metric source in the folder yet",
      });
    waitingSaid = true;
    await sleep(poll, options.signal);
  }
  return null;
}

/** How a followed file changed since the last poll, or null when it only grew (or stayed). */
async function resetOf(
  followed: string,
  info: { ino: number; size: number },
  identity: Identity | null,
  offset: number,
): Promise<"replaced" | "truncated" | "rewritten" | null> {
  if (identity === null) return null;
  if (info.ino !== identity.ino) return "replaced";
  if (info.size < offset) return "truncated";
  const head = await readAt(followed, 0, identity.head.length).catch(() => Buffer.alloc(0));
  const tail = await readAt(followed, offset - identity.tail.length, identity.tail.length).catch(() =>
    Buffer.alloc(0),
  );
  return !head.equals(identity.head) || !tail.equals(identity.tail) ? "rewritten" : null;
}

/** Follows a byte format (JSONL, TensorBoard, Lightning CSV) by offset, re-reading after a reset. */
async function* followBytes(f: Follow): AsyncGenerator<Decision, void> {
  const { session, followed, options, event, report } = f;
  const merger = new StepMerger();
  const queue: MetricRecord[] = [];
  const newDecoder = (): ByteDecoder =>
    createByteDecoder(
      f.format as Parameters<typeof createByteDecoder>[0],
      { ...options, metrics: undefined, file: followed },
      (r) => {
        queue.push(r);
        return undefined;
      },
      report,
    );
  let decoder = newDecoder();
  let offset = 0;
  let identity: Identity | null = null;
  let restartFrom: number | null = null; // last step before a reset, until the first record after it
  const drain = async function* (): AsyncGenerator<Decision, boolean> {
    for (const record of queue.splice(0)) {
      if (restartFrom !== null) {
        const previous = restartFrom;
        restartFrom = null;
        if (record.step <= previous) {
          const newRun = (options.onRestart ?? "new-run") === "new-run";
          event({ kind: "restart", path: followed, step: record.step, previousStep: previous, newRun });
          report({
            code: "RUN_RESTARTED",
            message: `steps restarted at ${record.step} after step ${previous}${newRun ? ": a new run" : ""}`,
          });
          const pending = merger.flush();
          if (pending !== null && (yield* session.emit(pending))) return true;
          if (newRun) session.monitor = createMonitor(session.baseConfig);
        }
      }
      const done = merger.push(record);
      if (done !== null && (yield* session.emit(done))) return true;
    }
    return false;
  };
  while (!options.signal?.aborted) {
    const info = await stat(followed).catch(() => null);
    let grew = false;
    if (info !== null) {
      const reset = await resetOf(followed, info, identity, offset);
      if (reset !== null) {
        event({ kind: "reset", path: followed, reason: reset });
        report({ code: "SOURCE_RESET", message: `${reset}: reading again from the start` });
        offset = 0;
        decoder = newDecoder();
        queue.length = 0;
        restartFrom = merger.pendingStep ?? session.lastStep;
        identity = null;
      }
      if (info.size > offset) {
        grew = true;
        const handle = await open(followed, "r");
        try {
          const buffer = Buffer.allocUnsafe(1 << 20);
          while (offset < info.size) {
            const length = Math.min(buffer.length, info.size - offset);
            const { bytesRead } = await handle.read(buffer, 0, length, offset);
            if (bytesRead === 0) break;
            offset += bytesRead;
            decoder.push(buffer.subarray(0, bytesRead));
            if (yield* drain()) return;
          }
        } finally {
          await handle.close();
        }
        const head = await readAt(followed, 0, Math.min(HEAD_BYTES, offset));
        const tailLength = Math.min(TAIL_BYTES, offset);
        identity = { ino: info.ino, head, tail: await readAt(followed, offset - tailLength, tailLength) };
      }
    }
    if (!grew) {
      decoder.idle();
      if (yield* drain()) return;
      const done = merger.flush();
      if (done !== null && (yield* session.emit(done))) return;
    }
    event({ kind: "poll", records: session.records, lastStep: session.lastStep });
    await sleep(options.pollIntervalMs ?? 500, options.signal);
  }
}

/** The records of a whole-file format (`trainer-state`, `responses`) that a poll finds. */
async function pollWholeFiles(
  f: Follow,
  state: { lastFed: number; lastSignature: string },
): Promise<MetricRecord[]> {
  const { followed } = f;
  const batch: MetricRecord[] = [];
  try {
    if (f.format === "trainer-state") {
      const info = await stat(followed);
      const signature = `${info.ino}:${info.size}:${info.mtimeMs}`;
      if (signature === state.lastSignature) return batch;
      state.lastSignature = signature;
      return recordsFromTrainerState(await readWhole(followed), { file: followed }).records;
    }
    const dir = await responsesDir(followed);
    for (const { step, file } of await listStepFiles(dir)) {
      if (step <= state.lastFed) continue;
      try {
        batch.push(recordFromResponseLog(await readWhole(file), step, file));
      } catch {
        break; // a file being written: retry on the next poll
      }
    }
  } catch (error) {
    if (RecoveryError.isInstance(error) && error.code !== "SOURCE_ERROR")
      f.report({ code: "INVALID_JSON", message: error.message });
  }
  return batch;
}

/** Follows a whole-file format: re-reads it when it changed, feeds the steps not fed yet. */
async function* followWholeFiles(f: Follow): AsyncGenerator<Decision, void> {
  const state = { lastFed: -1, lastSignature: "" };
  while (!f.options.signal?.aborted) {
    for (const record of await pollWholeFiles(f, state)) {
      if (record.step <= state.lastFed) continue;
      state.lastFed = record.step;
      if (yield* f.session.emit(record)) return;
    }
    f.event({ kind: "poll", records: f.session.records, lastStep: f.session.lastStep });
    await sleep(f.options.pollIntervalMs ?? 500, f.options.signal);
  }
}

/**
 * Follows a growing metric file (JSONL, TensorBoard events, Lightning `metrics.csv`, a response-log
 * folder, `trainer_state.json`) or a run folder (the source {@link chooseWatchSource} picks, waiting
 * until one exists) and yields decisions as records arrive. Adjacent records of one step are merged
 * (shared rule); a step is held back until the next step arrives or a poll brings no new bytes.
 * On every poll the file's identity is checked: a new inode, a shrunk size, or changed bytes at its
 * start or just before the read offset mean it was replaced or rewritten, and it is read again
 * from the start; steps that then start again are a new run (`onRestart`). A torn last line or
 * frame waits for the rest. Ends when `signal` aborts or after a stop/rollback decision.
 */
export async function* watchMetrics(
  config: BreakerConfig | BreakerConfigInput | string | Monitor,
  path: string,
  options: WatchOptions = {},
): AsyncGenerator<Decision> {
  const monitor = isMonitor(config) ? config : createMonitor(config, { state: options.state });
  const session = new WatchSession(monitor, options);
  const event = options.onEvent ?? (() => {});
  const source = await awaitSource(path, options, event);
  if (source === null) return;
  const followed = source.path;
  const format = source.kind === "stage-metrics" ? "jsonl" : source.kind;
  event({ kind: "following", path: followed, format });
  const report = (d: SourceDiagnostic) => options.onDiagnostic?.({ ...d, file: followed });
  const follow: Follow = { session, followed, format, options, event, report };
  yield* isByteFormat(format) ? followBytes(follow) : followWholeFiles(follow);
  session.assertSeen(followed);
}
