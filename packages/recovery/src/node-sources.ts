import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { BreakerConfig, BreakerConfigInput } from "./config.js";
import { RecoveryError } from "./errors.js";
import { StepMerger } from "./merge.js";
import {
  createMonitor,
  type MetricRecord,
  type Monitor,
  observeQuiet,
  type RestoreReport,
  slotMonitor,
} from "./monitor.js";
import { createByteDecoder, isByteFormat } from "./node-decoders.js";
import { assertMetricsSeen } from "./seen.js";
import {
  type MetricFieldSink,
  type MetricFormat,
  type RecordOptions,
  recordFromResponseLog,
  recordsFromTrainerState,
  type SourceDiagnostic,
} from "./sources.js";
import type { Decision, MonitorState, MonitorStats } from "./state.js";

/** Options of the file sources. */
export interface ReadOptions extends RecordOptions {
  /**
   * Format; detected from the path when omitted (directory → responses, `trainer_state.json`,
   * `events.out.tfevents.*` → tensorboard, `*.csv` → lightning-csv, else JSONL).
   */
  format?: MetricFormat | undefined;
  /** TensorBoard: undo HF's `rewrite_logs` tag prefixes (default `"auto"`, see `TensorBoardOptions`). */
  hfNames?: boolean | "auto" | undefined;
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
  return formatOfPath(path, info.isDirectory());
}

/** The format of a path by its name (see {@link ReadOptions.format}). */
export function formatOfPath(path: string, directory: boolean): MetricFormat {
  if (directory) return "responses";
  const name = basename(path);
  if (name === "trainer_state.json") return "trainer-state";
  if (name === "metrics.jsonl") return "tinker";
  if (name.startsWith("events.out.tfevents.")) return "tensorboard";
  if (name.endsWith(".csv")) return "lightning-csv";
  return "jsonl";
}

/** Finds the folder holding `step_NNN.json` files: the path itself, `responses/` or `logs/responses/`. */
export async function responsesDir(path: string): Promise<string> {
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

export async function listStepFiles(dir: string): Promise<{ step: number; file: string }[]> {
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

export async function readWhole(path: string): Promise<string> {
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

/**
 * Calls `onRecord` for every record of a metric file or folder, in constant memory (JSONL, Tinker
 * `metrics.jsonl`, TensorBoard events, Lightning `metrics.csv` are streamed; `trainer_state.json`
 * and response logs are read one document at a time). A torn last line (or TensorBoard frame) is
 * parsed if complete, else reported (`TORN_LINE`, `TORN_RECORD`). `onRecord` returning `false`
 * stops the read. TensorBoard events and CSV rows of one step arrive merged (see `mergeRecordInto`).
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
    const wanted = options.metrics;
    for (const record of records) if (onRecord(wanted ? pick(record, wanted) : record) === false) return;
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
      if (onRecord(options.metrics ? pick(record, options.metrics) : record) === false) return;
    }
    return;
  }
  if (!isByteFormat(format))
    throw new RecoveryError({ code: "INVALID_INPUT", message: `unknown format ${format}` });
  const decoder = createByteDecoder(
    format,
    { ...options, file: path },
    onRecord,
    report,
    format === "jsonl" || format === "tinker" ? fields : undefined,
  );
  let stopped = false;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      if (!decoder.push(chunk as Buffer)) {
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
  if (!stopped) decoder.end();
}

/** The record with only the `wanted` metrics (what a source reading `options.metrics` gives). */
function pick(record: MetricRecord, wanted: readonly string[]): MetricRecord {
  const metrics: Record<string, number | null> = {};
  for (const key of wanted) if (key in record.metrics) metrics[key] = record.metrics[key] as number | null;
  return record.problem === undefined
    ? { step: record.step, metrics }
    : { step: record.step, metrics, problem: record.problem };
}

/**
 * Streams metric records from a file or folder (see {@link forEachMetricRecord}) as an async
 * iterator; byte formats are read in 1 MiB chunks, so memory stays bounded by one chunk of records.
 */
export async function* readMetricRecords(
  path: string,
  options: ReadOptions = {},
): AsyncGenerator<MetricRecord> {
  const format = options.format ?? (await detectFormat(path));
  if (!isByteFormat(format)) {
    const records: MetricRecord[] = [];
    await forEachMetricRecord(path, { ...options, format }, (record) => {
      records.push(record);
      return undefined;
    });
    yield* records;
    return;
  }
  const report = (d: SourceDiagnostic) => options.onDiagnostic?.({ ...d, file: path });
  const batch: MetricRecord[] = [];
  const decoder = createByteDecoder(
    format,
    { ...options, file: path },
    (record) => {
      batch.push(record);
      return undefined;
    },
    report,
  );
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      decoder.push(chunk as Buffer);
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
  decoder.end();
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
  /**
   * Throw `METRIC_NEVER_SEEN` when a configured metric appears in no record, and `NO_RECORDS`
   * when nothing was observed (default true; checked when the replay ends without a trip).
   */
  requireMetrics?: boolean;
}

/**
 * Replays metric files (in the given order) through a monitor; stops reading at the first
 * stop/rollback decision. Adjacent records of one step (also across files) are merged into one
 * observation with the shared rule (`mergeRecordInto`). Unless `requireMetrics: false`, a replay
 * that ends without a trip throws `RecoveryError` `NO_RECORDS` when it observed nothing and
 * `METRIC_NEVER_SEEN` when a configured metric appeared in no record.
 */
export async function checkMetrics(
  config: BreakerConfig | BreakerConfigInput | string | Monitor,
  paths: readonly string[],
  options: CheckOptions = {},
): Promise<CheckResult> {
  const { monitor, restore } = monitorFor(config, options.state);
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
  const seen = new Uint8Array(metrics.length);
  let observed = 0;
  const decide = (decision: Decision | null) => {
    observed++;
    if (decision !== null && decision.action !== "continue") decisions.push(decision);
    return !monitor.tripped;
  };
  const feed =
    slots === null ? recordFeeder(monitor, metrics, seen, decide) : slotFeeder(slots, seen, decide);
  for (const path of paths) {
    await forEachMetricSource(path, { ...options, metrics, onDiagnostic }, feed.record, feed.fields);
    if (monitor.tripped) break;
  }
  if (!monitor.tripped) feed.flush();
  const verdict = monitor.tripped ? (decisions.at(-1) ?? null) : null;
  if (verdict === null && options.requireMetrics !== false) {
    const missing = metrics.filter((_, i) => seen[i] === 0);
    const names = missing.length === 0 || observed === 0 ? [] : await seenNamesOf(paths, options);
    assertMetricsSeen(monitor.config, {
      records: observed,
      has: (name) => !missing.includes(name),
      names,
      where: paths.join(", "),
    });
  }
  return { decisions, verdict, stats: monitor.stats(), diagnostics, state: monitor.snapshot(), restore };
}

interface Feeder {
  record: (record: MetricRecord) => boolean;
  fields: MetricFieldSink | undefined;
  flush: () => void;
}

/** Records merged per step (StepMerger) into `observeQuiet`; `seen[i]` marks metrics[i] observed. */
function recordFeeder(
  monitor: Monitor,
  metrics: readonly string[],
  seen: Uint8Array,
  decide: (d: Decision | null) => boolean,
): Feeder {
  const merger = new StepMerger();
  const observe = (record: MetricRecord) => {
    for (let i = 0; i < metrics.length; i++) if (metrics[i]! in record.metrics) seen[i] = 1;
    return decide(observeQuiet(monitor, record));
  };
  return {
    record: (record) => {
      const done = merger.push(record);
      return done === null ? true : observe(done);
    },
    fields: undefined,
    flush: () => {
      const done = merger.flush();
      if (done !== null) observe(done);
    },
  };
}

/**
 * The slot path: values of the step being merged are held in `pending` (first value of a slot at
 * a step wins, like `mergeRecordInto`) and given to the monitor once another step arrives.
 */
function slotFeeder(
  slots: NonNullable<ReturnType<typeof slotMonitor>>,
  seen: Uint8Array,
  decide: (d: Decision | null) => boolean,
): Feeder {
  const n = slots.slotKeys.length;
  const keys = slots.slotKeys;
  const pending: (number | null | undefined)[] = new Array(n).fill(undefined);
  const current: (number | null | undefined)[] = new Array(n).fill(undefined);
  let pendingStep = -1;
  let pendingProblem: string | undefined;
  const flush = (): boolean => {
    if (pendingStep < 0) return true;
    for (let k = 0; k < n; k++) {
      const v = pending[k];
      if (v !== undefined) seen[k] = 1;
      slots.setSlot(k, v);
    }
    const step = pendingStep;
    pendingStep = -1;
    return decide(slots.observeSlots(step, pendingProblem));
  };
  const take = (step: number, problem: string | undefined): boolean => {
    if (step === pendingStep) {
      for (let k = 0; k < n; k++) if (pending[k] === undefined) pending[k] = current[k];
      if (pendingProblem === undefined) pendingProblem = problem;
      current.fill(undefined);
      return true;
    }
    const go = flush();
    for (let k = 0; k < n; k++) pending[k] = current[k];
    current.fill(undefined);
    pendingStep = step;
    pendingProblem = problem;
    return go;
  };
  return {
    record: (record) => {
      for (let k = 0; k < n; k++) current[k] = record.metrics[keys[k]!];
      return take(record.step, record.problem);
    },
    fields: {
      metric: (k, value) => {
        current[k] = value;
      },
      record: take,
    },
    flush: () => {
      flush();
    },
  };
}

/** Metric names of the first records of `paths` (for the `METRIC_NEVER_SEEN` message; error path only). */
async function seenNamesOf(paths: readonly string[], options: ReadOptions): Promise<string[]> {
  const names = new Set<string>();
  let records = 0;
  for (const path of paths) {
    await forEachMetricRecord(path, { ...options, metrics: undefined, onDiagnostic: undefined }, (r) => {
      for (const key in r.metrics) names.add(key);
      return ++records < 10_000 && names.size < 1000;
    });
  }
  return [...names].sort();
}

/** Every metric key a config reads. */
export function metricsOf(config: BreakerConfig): string[] {
  const keys = new Set<string>();
  for (const group of [config.rules, config.earlyStopping, config.goals, config.best])
    for (const r of group) keys.add(r.metric);
  return [...keys];
}

export function isMonitor(x: unknown): x is Monitor {
  return typeof x === "object" && x !== null && typeof (x as Monitor).observe === "function";
}

/** The monitor a replay feeds: the one given, or a new one for the config (restored from `state`). */
export function monitorFor(
  config: BreakerConfig | BreakerConfigInput | string | Monitor,
  state: unknown,
): { monitor: Monitor; restore: RestoreReport | null } {
  if (isMonitor(config)) return { monitor: config, restore: null };
  const monitor = createMonitor(config);
  return { monitor, restore: state === undefined ? null : monitor.restore(state) };
}
