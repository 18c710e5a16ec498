import { isAscii } from "node:buffer";
import { createReadStream } from "node:fs";
import { open, readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { BreakerConfig, BreakerConfigInput } from "./config.js";
import { RecoveryError } from "./errors.js";
import {
  createMonitor,
  type MetricRecord,
  type Monitor,
  observeQuiet,
  type RestoreReport,
  slotMonitor,
} from "./monitor.js";
import {
  type BatchText,
  LineSplitter,
  type MetricFieldSink,
  type MetricFormat,
  type MetricLineSink,
  parseMetricLine,
  parseMetricLines,
  type RecordOptions,
  recordFromResponseLog,
  recordsFromTrainerState,
  type SourceDiagnostic,
} from "./sources.js";
import type { Decision, MonitorState, MonitorStats } from "./state.js";

/** Options of the file sources. */
export interface ReadOptions extends RecordOptions {
  /** Format; detected from the path when omitted (directory → responses, `trainer_state.json`, else JSONL). */
  format?: MetricFormat | undefined;
  /** Lines longer than this (characters) are skipped and reported (default 16 Mi). */
  maxLineLength?: number | undefined;
  /** Receives every skipped line / entry. */
  onDiagnostic?: ((diagnostic: SourceDiagnostic) => void) | undefined;
}

const MAX_WHOLE_FILE = 512 * 1024 * 1024;
const STEP_FILE = /^step_(\d{1,12})\.json$/;

function sourceError(path: string, cause: unknown): RecoveryError {
  return new RecoveryError({
    code: "SOURCE_ERROR",
    message: `${path}: cannot read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`,
    cause,
    details: { path },
  });
}

/** Detects the metric format of a path. */
export async function detectFormat(path: string): Promise<MetricFormat> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (cause) {
    throw sourceError(path, cause);
  }
  if (info.isDirectory()) return "responses";
  if (basename(path) === "trainer_state.json") return "trainer-state";
  if (basename(path) === "metrics.jsonl") return "tinker";
  return "jsonl";
}

/** Finds the folder holding `step_NNN.json` files: the path itself, `responses/` or `logs/responses/`. */
async function responsesDir(path: string): Promise<string> {
  for (const candidate of [path, join(path, "responses"), join(path, "logs", "responses")]) {
    try {
      const names = await readdir(candidate);
      if (names.some((n) => STEP_FILE.test(n))) return candidate;
    } catch {
      // try the next candidate
    }
  }
  return path;
}

async function listStepFiles(dir: string): Promise<{ step: number; file: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw sourceError(dir, cause);
  }
  const out: { step: number; file: string }[] = [];
  for (const name of names) {
    const m = STEP_FILE.exec(name);
    if (m) out.push({ step: Number(m[1]), file: join(dir, name) });
  }
  return out.sort((a, b) => a.step - b.step);
}

async function readWhole(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (info.size > MAX_WHOLE_FILE)
      throw new RecoveryError({
        code: "SOURCE_ERROR",
        message: `${path}: larger than ${MAX_WHOLE_FILE} bytes`,
      });
    return await readFile(path, "utf8");
  } catch (cause) {
    if (RecoveryError.isInstance(cause)) throw cause;
    throw sourceError(path, cause);
  }
}

const REGION_BYTES = 64 * 1024;

/**
 * Splits JSONL bytes into lines and parses them (see `parseMetricLines`) without a stream-wide
 * string decoder: each chunk is decoded up to its last `\n` byte (0x0A never occurs inside a
 * multi-byte UTF-8 sequence, and UTF-8 decoding restarts at every ASCII byte). Only the partial last
 * line goes through a `StringDecoder`, so lines, line numbers, too-long lines and the torn last line
 * are exactly those of `LineSplitter` fed with a `StringDecoder`'s output of the same chunks.
 */
export class JsonlChunkReader {
  private tail = "";
  private tailDecoder: StringDecoder | null = null;
  private skipping = false;
  private lineNo = 0;
  /** Reused buffer of ASCII batch texts (see asciiBatches). */
  private scratch = Buffer.allocUnsafe(80 * 1024);

  constructor(
    private readonly options: RecordOptions,
    private readonly sink: MetricLineSink,
    private readonly maxLineLength = 16 * 1024 * 1024,
  ) {}

  /** Number of complete lines read so far. */
  get lines(): number {
    return this.lineNo;
  }

  /** Reads one chunk; false once `sink.record` returned `false` (then the reader must not be used again). */
  push(chunk: Buffer): boolean {
    let p = 0;
    if (this.skipping || this.tailDecoder !== null) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        if (!this.skipping) this.appendTail(chunk);
        return true;
      }
      this.lineNo++;
      if (this.skipping) {
        this.skipping = false;
        this.sink.diagnostic(tooLong(this.lineNo));
      } else {
        const decoder = this.tailDecoder!;
        const line = this.tail + decoder.write(chunk.subarray(0, nl)) + decoder.end();
        this.tail = "";
        this.tailDecoder = null;
        const result = parseMetricLine(line, this.options, this.lineNo);
        if (result !== null) {
          if (!("record" in result)) this.sink.diagnostic(result.diagnostic);
          else if (this.sink.record(result.record) === false) return false;
        }
      }
      p = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    while (last >= p) {
      // Decoded in regions of whole lines of about 64 KiB: small strings stay in the young generation.
      let end = last;
      if (end - p > REGION_BYTES) {
        end = chunk.lastIndexOf(10, p + REGION_BYTES);
        if (end < p) end = chunk.indexOf(10, p + REGION_BYTES);
      }
      // ASCII (the usual metrics file) decodes the same as latin1, several times faster than utf8,
      // and one character per byte lets batches be copied from the bytes (see asciiBatches).
      const ascii = isAscii(chunk.subarray(p, end));
      const lines = parseMetricLines(
        chunk.toString(ascii ? "latin1" : "utf8", p, end),
        this.lineNo + 1,
        this.options,
        this.sink,
        ascii ? this.asciiBatches(chunk, p) : undefined,
      );
      if (lines < 0) return false;
      this.lineNo += lines;
      p = end + 1;
    }
    if (p < chunk.length) {
      this.tailDecoder = new StringDecoder("utf8");
      this.appendTail(chunk.subarray(p));
    }
    return true;
  }

  /**
   * After the last chunk: the torn last line (no newline) is parsed if it is complete JSON, else
   * reported as `TORN_LINE`. Returns `sink.record`'s verdict like {@link push}.
   */
  end(): boolean {
    const pending = this.pending();
    if (pending === null) return true;
    const n = this.lineNo + 1;
    const result = parseMetricLine(pending, this.options, n);
    if (result && "record" in result) return this.sink.record(result.record) !== false;
    if (result)
      this.sink.diagnostic({
        code: "TORN_LINE",
        message: `line ${n}: incomplete last line ignored`,
        line: n,
      });
    return true;
  }

  private pending(): string | null {
    if (this.skipping || this.tailDecoder === null) return null;
    const rest = this.tailDecoder.end();
    this.tailDecoder = null;
    if (rest.length > 0) {
      this.tail += rest;
      if (this.tail.length > this.maxLineLength) return null;
    }
    const tail = this.tail;
    this.tail = "";
    return tail === "" ? null : tail;
  }

  /**
   * Batch texts of an ASCII region starting at byte `base` of `chunk` (text index i is byte
   * base + i): the lines' bytes copied between `[` and `]`, each newline overwritten by a comma.
   */
  private asciiBatches(chunk: Buffer, base: number): BatchText {
    return (from, to, ends, count) => {
      const n = to - from;
      if (this.scratch.length < n + 2) this.scratch = Buffer.allocUnsafe(n + 2);
      const out = this.scratch;
      out[0] = 0x5b;
      chunk.copy(out, 1, base + from, base + to);
      for (let i = 0; i < count - 1; i++) out[1 + ends[i]! - from] = 0x2c;
      out[n + 1] = 0x5d;
      return out.toString("latin1", 0, n + 2);
    };
  }

  private appendTail(bytes: Buffer): void {
    const text = this.tailDecoder!.write(bytes);
    if (text.length === 0) return;
    this.tail += text;
    if (this.tail.length > this.maxLineLength) {
      this.skipping = true;
      this.tail = "";
      this.tailDecoder = null;
    }
  }
}

function tooLong(n: number): SourceDiagnostic {
  return { code: "LINE_TOO_LONG", message: `line ${n}: too long, skipped`, line: n };
}

/**
 * Calls `onRecord` for every record of a metric file or folder, in constant memory (JSONL, Tinker
 * `metrics.jsonl`; `trainer_state.json` and response logs are read one document at a time).
 * A torn last line is parsed if it is complete JSON, else reported as `TORN_LINE`.
 * `onRecord` returning `false` stops the read.
 */
export async function forEachMetricRecord(
  path: string,
  options: ReadOptions,
  onRecord: (record: MetricRecord) => boolean | undefined,
): Promise<void> {
  return forEachMetricSource(path, options, onRecord, undefined);
}

/** {@link forEachMetricRecord}; JSONL lines parsed in batches go to `fields` when given (see MetricLineSink). */
async function forEachMetricSource(
  path: string,
  options: ReadOptions,
  onRecord: (record: MetricRecord) => boolean | undefined,
  fields: MetricFieldSink | undefined,
): Promise<void> {
  const format = options.format ?? (await detectFormat(path));
  const report = (d: SourceDiagnostic) => options.onDiagnostic?.({ ...d, file: path });
  if (format === "trainer-state") {
    const { records, diagnostics } = recordsFromTrainerState(await readWhole(path), { file: path });
    diagnostics.forEach(report);
    for (const record of records) if (onRecord(record) === false) return;
    return;
  }
  if (format === "responses") {
    const dir = await responsesDir(path);
    for (const { step, file } of await listStepFiles(dir)) {
      let record: MetricRecord;
      try {
        record = recordFromResponseLog(await readWhole(file), step, file);
      } catch (error) {
        if (!RecoveryError.isInstance(error) || error.code === "SOURCE_ERROR") throw error;
        report({ code: "INVALID_JSON", message: error.message });
        continue;
      }
      if (onRecord(record) === false) return;
    }
    return;
  }
  const recordOptions: RecordOptions = {
    stepKey: options.stepKey,
    problemKey: options.problemKey,
    metrics: options.metrics,
  };
  let stopped = false;
  const reader = new JsonlChunkReader(
    recordOptions,
    { record: onRecord, diagnostic: report, fields },
    options.maxLineLength,
  );
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      if (!reader.push(chunk as Buffer)) {
        stopped = true;
        break;
      }
    }
  } catch (cause) {
    if (RecoveryError.isInstance(cause)) throw cause;
    throw sourceError(path, cause);
  } finally {
    stream.destroy();
  }
  if (!stopped) reader.end();
}

/**
 * Streams metric records from a file or folder (see {@link forEachMetricRecord}) as an async
 * iterator; JSONL is read in 1 MiB chunks, so memory stays bounded by one chunk of records.
 */
export async function* readMetricRecords(
  path: string,
  options: ReadOptions = {},
): AsyncGenerator<MetricRecord> {
  const format = options.format ?? (await detectFormat(path));
  if (format !== "jsonl" && format !== "tinker") {
    const records: MetricRecord[] = [];
    await forEachMetricRecord(path, { ...options, format }, (record) => {
      records.push(record);
      return undefined;
    });
    yield* records;
    return;
  }
  const report = (d: SourceDiagnostic) => options.onDiagnostic?.({ ...d, file: path });
  const recordOptions: RecordOptions = {
    stepKey: options.stepKey,
    problemKey: options.problemKey,
    metrics: options.metrics,
  };
  const batch: MetricRecord[] = [];
  const sink: MetricLineSink = {
    record: (record) => {
      batch.push(record);
      return undefined;
    },
    diagnostic: report,
  };
  const reader = new JsonlChunkReader(recordOptions, sink, options.maxLineLength);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      reader.push(chunk as Buffer);
      if (batch.length > 0) {
        const out = batch.splice(0);
        yield* out;
      }
    }
  } catch (cause) {
    if (RecoveryError.isInstance(cause)) throw cause;
    throw sourceError(path, cause);
  } finally {
    stream.destroy();
  }
  reader.end();
  yield* batch;
}

/** Result of {@link checkMetrics}. */
export interface CheckResult {
  /** Every non-`continue` decision, in order (ends with the stop/rollback decision if one latched). */
  decisions: Decision[];
  /** The latched stop/rollback decision, or null if the run is ok. */
  verdict: Decision | null;
  stats: MonitorStats;
  diagnostics: SourceDiagnostic[];
  state: MonitorState;
  /** With `options.state`: config changes since that state (the current config is used) and reset rules. */
  restore: RestoreReport | null;
}

/** Options of {@link checkMetrics}. */
export interface CheckOptions extends ReadOptions {
  /** Continue from a saved monitor state. */
  state?: unknown;
  /** Keep at most this many diagnostics (default 1000). */
  maxDiagnostics?: number;
}

/**
 * Replays metric files (in the given order) through a monitor; stops reading at the first
 * stop/rollback decision.
 */
export async function checkMetrics(
  config: BreakerConfig | BreakerConfigInput | string | Monitor,
  paths: readonly string[],
  options: CheckOptions = {},
): Promise<CheckResult> {
  let restore: RestoreReport | null = null;
  let monitor: Monitor;
  if (isMonitor(config)) monitor = config;
  else {
    monitor = createMonitor(config);
    if (options.state !== undefined) restore = monitor.restore(options.state);
  }
  const diagnostics: SourceDiagnostic[] = [];
  const maxDiagnostics = options.maxDiagnostics ?? 1000;
  const decisions: Decision[] = [];
  const onDiagnostic = (d: SourceDiagnostic) => {
    if (diagnostics.length < maxDiagnostics) diagnostics.push(d);
    options.onDiagnostic?.(d);
  };
  // A monitor of ours reads the metrics of batched lines straight from the parsed objects (no
  // records): the same values, as its slots are exactly the metrics a record would hold.
  const slots = options.metrics === undefined ? slotMonitor(monitor) : null;
  const metrics = options.metrics ?? slots?.slotKeys ?? metricsOf(monitor.config);
  const decide = (decision: Decision | null) => {
    if (decision !== null && decision.action !== "continue") decisions.push(decision);
    return !monitor.tripped;
  };
  const fields: MetricFieldSink | undefined =
    slots === null
      ? undefined
      : {
          metric: (slot, value) => slots.setSlot(slot, value),
          record: (step, problem) => decide(slots.observeSlots(step, problem)),
        };
  for (const path of paths) {
    await forEachMetricSource(
      path,
      { ...options, metrics, onDiagnostic },
      (record) => decide(observeQuiet(monitor, record)),
      fields,
    );
    if (monitor.tripped) break;
  }
  const verdict = monitor.tripped ? (decisions.at(-1) ?? null) : null;
  return { decisions, verdict, stats: monitor.stats(), diagnostics, state: monitor.snapshot(), restore };
}

/** Every metric key a config reads. */
export function metricsOf(config: BreakerConfig): string[] {
  const keys = new Set<string>();
  for (const group of [config.rules, config.earlyStopping, config.goals, config.best])
    for (const r of group) keys.add(r.metric);
  return [...keys];
}

function isMonitor(x: unknown): x is Monitor {
  return typeof x === "object" && x !== null && typeof (x as Monitor).observe === "function";
}

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

/**
 * Follows a growing metric file (or response-log folder, or `trainer_state.json`) and yields
 * decisions as lines arrive. Handles a torn last line (waits for its newline), truncation and
 * rotation (a new inode or a shorter file is read again from the start). Ends when `signal`
 * aborts or after a stop/rollback decision.
 */
export async function* watchMetrics(
  config: BreakerConfig | BreakerConfigInput | string | Monitor,
  path: string,
  options: WatchOptions = {},
): AsyncGenerator<Decision> {
  const monitor = isMonitor(config) ? config : createMonitor(config, { state: options.state });
  const poll = options.pollIntervalMs ?? 500;
  const stopOnTrip = options.stopOnTrip ?? true;
  const report = (d: SourceDiagnostic) => options.onDiagnostic?.({ ...d, file: path });
  const signal = options.signal;
  let format: MetricFormat | undefined = options.format;
  const recordOptions: RecordOptions = { stepKey: options.stepKey, problemKey: options.problemKey };
  let offset = 0;
  let inode: number | null = null;
  let splitter = new LineSplitter(options.maxLineLength);
  let decoder = new StringDecoder("utf8");
  let lastFed = -1;
  let lastSignature = "";
  const emit = function* (record: MetricRecord): Generator<Decision, boolean> {
    const decision = monitor.observe(record);
    if (decision.action !== "continue" || options.includeContinue) yield decision;
    return monitor.tripped && stopOnTrip;
  };
  while (!signal?.aborted) {
    if (format === undefined) {
      try {
        format = await detectFormat(path);
      } catch {
        await sleep(poll, signal);
        continue;
      }
    }
    if (format === "jsonl" || format === "tinker") {
      let info: Awaited<ReturnType<typeof stat>> | null = null;
      try {
        info = await stat(path);
      } catch {
        info = null;
      }
      if (info) {
        if ((inode !== null && info.ino !== inode) || info.size < offset) {
          offset = 0;
          splitter = new LineSplitter(options.maxLineLength);
          decoder = new StringDecoder("utf8");
        }
        inode = info.ino;
        if (info.size > offset) {
          const records: MetricRecord[] = [];
          const handle = await open(path, "r");
          try {
            const buffer = Buffer.allocUnsafe(1 << 20);
            while (offset < info.size) {
              const { bytesRead } = await handle.read(
                buffer,
                0,
                Math.min(buffer.length, info.size - offset),
                offset,
              );
              if (bytesRead === 0) break;
              offset += bytesRead;
              splitter.push(
                decoder.write(buffer.subarray(0, bytesRead)),
                (line, n) => {
                  const result = parseMetricLine(line, recordOptions, n);
                  if (result === null) return;
                  if ("record" in result) records.push(result.record);
                  else report(result.diagnostic);
                },
                (n) => report({ code: "LINE_TOO_LONG", message: `line ${n}: too long, skipped`, line: n }),
              );
              for (const record of records.splice(0)) if (yield* emit(record)) return;
            }
          } finally {
            await handle.close();
          }
        }
      }
    } else {
      let records: MetricRecord[] = [];
      try {
        if (format === "trainer-state") {
          const info = await stat(path);
          const signature = `${info.ino}:${info.size}:${info.mtimeMs}`;
          if (signature !== lastSignature) {
            lastSignature = signature;
            records = recordsFromTrainerState(await readWhole(path), { file: path }).records;
          }
        } else {
          const dir = await responsesDir(path);
          for (const { step, file } of await listStepFiles(dir)) {
            if (step <= lastFed) continue;
            try {
              records.push(recordFromResponseLog(await readWhole(file), step, file));
            } catch {
              break; // a file being written: retry on the next poll
            }
          }
        }
      } catch (error) {
        if (RecoveryError.isInstance(error) && error.code !== "SOURCE_ERROR")
          report({ code: "INVALID_JSON", message: error.message });
      }
      for (const record of records) {
        if (record.step <= lastFed) continue;
        lastFed = record.step;
        if (yield* emit(record)) return;
      }
    }
    await sleep(poll, signal);
  }
}
