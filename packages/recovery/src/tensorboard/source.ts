import type { MetricRecord } from "../monitor.js";
import type { SourceDiagnostic } from "../sources.js";
import { decodeEvent, type EventInfo, type ScalarSink, TagInterner } from "./event.js";
import { TfRecordReader } from "./tfrecord.js";

/** Options of {@link TensorBoardDecoder}. */
export interface TensorBoardOptions {
  /**
   * Undo HF Trainer's `rewrite_logs` (its TensorBoard callback logs `loss` as `train/loss` and
   * `eval_loss` as `eval/loss`) so the names equal `trainer_state.json`'s log history. Default
   * `"auto"`: on when the file starts like HF's callback writes it (the `args` text summary before
   * any scalar).
   */
  hfNames?: boolean | "auto" | undefined;
  /** Only keep these metrics (faster); default every scalar. */
  metrics?: readonly string[] | undefined;
  /** Names the file in messages. */
  file?: string | undefined;
}

/** The text summary HF's `TensorBoardCallback` writes first (`add_text("args", …)`). */
const HF_ARGS_TAG = "args/text_summary";

/** HF `rewrite_logs` undone: `train/x` → `x`, `eval/x` → `eval_x`, `test/x` → `test_x`. */
export function hfLogName(tag: string): string {
  if (tag.startsWith("train/")) return tag.slice(6);
  if (tag.startsWith("eval/")) return `eval_${tag.slice(5)}`;
  if (tag.startsWith("test/")) return `test_${tag.slice(5)}`;
  return tag;
}

/**
 * Turns the bytes of a TensorBoard events file (`events.out.tfevents.*`, TFRecord frames of
 * `Event` protos) into metric records: one per step (adjacent events of one step merged with the
 * shared rule), each scalar (`simple_value` or a scalar tensor) a metric named by its tag. Feed
 * bytes with `push` as the file grows; `end` reports a torn last frame (`TORN_RECORD`), which is
 * not an error. A CRC mismatch throws `RecoveryError` `CRC_MISMATCH`. Pure (Uint8Array).
 */
export class TensorBoardDecoder {
  private readonly frames: TfRecordReader;
  /** The step being read and its metrics (events of one step are merged as they come: first value wins). */
  private pendingStep = -1;
  private pending: Record<string, number | null> = {};
  /** Scalars of the event being decoded (reused). */
  private readonly names: string[] = [];
  private readonly values: number[] = [];
  private readonly wanted: Set<string> | null;
  private hfNames: boolean;
  private auto: boolean;
  private readonly sink: ScalarSink;
  /** Each distinct tag decoded once, and its metric name (null: not wanted), per file. */
  private readonly tags = new TagInterner();
  private readonly nameOf = new Map<string, string | null>();
  private readonly info: EventInfo = { step: 0, scalars: 0 };
  /** Events decoded so far. */
  events = 0;

  constructor(private readonly options: TensorBoardOptions = {}) {
    this.frames = new TfRecordReader(options.file ?? "events file");
    this.wanted = options.metrics === undefined ? null : new Set(options.metrics);
    this.hfNames = options.hfNames === true;
    this.auto = options.hfNames === undefined || options.hfNames === "auto";
    this.sink = {
      scalar: (tag, value) => {
        this.auto = false;
        let name = this.nameOf.get(tag);
        if (name === undefined) {
          const mapped = this.hfNames ? hfLogName(tag) : tag;
          name = this.wanted === null || this.wanted.has(mapped) ? mapped : null;
          if (this.nameOf.size < 4096) this.nameOf.set(tag, name);
        }
        if (name !== null) {
          this.names.push(name);
          this.values.push(value);
        }
      },
      other: (tag) => {
        if (this.auto && tag === HF_ARGS_TAG) {
          this.hfNames = true;
          this.auto = false;
          this.nameOf.clear();
        }
      },
    };
  }

  /** Bytes consumed by complete frames. */
  get offset(): number {
    return this.frames.offset;
  }

  /**
   * Decodes the complete frames of `chunk`; `onRecord` gets each finished step. The step being
   * read stays pending until another step (or `flush`) arrives.
   */
  push(chunk: Uint8Array, onRecord: (record: MetricRecord) => void): void {
    this.frames.push(chunk, (bytes, start, end) => {
      this.events++;
      const names = this.names;
      const values = this.values;
      names.length = 0;
      values.length = 0;
      const info = decodeEvent(bytes, start, end, this.sink, this.tags, this.info);
      // Events without scalars (file_version, graphs, text, histograms) or without a step: skipped.
      if (info.scalars === 0 || info.step === null) return;
      if (info.step !== this.pendingStep) {
        if (this.pendingStep >= 0) onRecord({ step: this.pendingStep, metrics: this.pending });
        this.pendingStep = info.step;
        this.pending = {};
      }
      const metrics = this.pending;
      for (let i = 0; i < names.length; i++) if (!(names[i]! in metrics)) metrics[names[i]!] = values[i]!;
    });
  }

  /** The pending step's record, if any (call when no more bytes are coming for now). */
  flush(onRecord: (record: MetricRecord) => void): void {
    if (this.pendingStep < 0) return;
    const record = { step: this.pendingStep, metrics: this.pending };
    this.pendingStep = -1;
    this.pending = {};
    onRecord(record);
  }

  /** At the end of the file: flushes, and reports a torn last frame as a diagnostic. */
  end(onRecord: (record: MetricRecord) => void, onDiagnostic: (d: SourceDiagnostic) => void): void {
    this.flush(onRecord);
    const pending = this.frames.pendingBytes;
    if (pending > 0)
      onDiagnostic({
        code: "TORN_RECORD",
        message: `${this.options.file ?? "events file"}: incomplete last record (${pending} bytes at byte ${this.frames.offset}) ignored`,
      });
  }
}
