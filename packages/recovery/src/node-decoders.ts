import { StringDecoder } from "node:string_decoder";
import { LightningCsvDecoder } from "./lightning-csv.js";
import type { MetricRecord } from "./monitor.js";
import { JsonlChunkReader } from "./node-jsonl.js";
import {
  LineSplitter,
  type MetricFieldSink,
  type MetricFormat,
  type RecordOptions,
  type SourceDiagnostic,
} from "./sources.js";
import { TensorBoardDecoder } from "./tensorboard/source.js";

/** Formats read from a byte stream (followed by offset in `watch`). */
export type ByteFormat = "jsonl" | "tinker" | "tensorboard" | "lightning-csv";

/** True for the formats a {@link ByteDecoder} reads. */
export function isByteFormat(format: MetricFormat): format is ByteFormat {
  return format === "jsonl" || format === "tinker" || format === "tensorboard" || format === "lightning-csv";
}

/** Turns the bytes of one metric file into records, chunk by chunk. */
export interface ByteDecoder {
  /** Reads a chunk; false once `onRecord` returned `false`. */
  push(chunk: Buffer): boolean;
  /** No more bytes for now (watch): emits a step held back for merging. Keeps a partial line/frame. */
  idle(): boolean;
  /** End of the file: the torn last line/frame is parsed if complete, else reported. */
  end(): boolean;
}

/** Options of {@link createByteDecoder}. */
export interface DecoderOptions extends RecordOptions {
  maxLineLength?: number | undefined;
  /** Undo HF `rewrite_logs` on TensorBoard tags (see `TensorBoardOptions.hfNames`). */
  hfNames?: boolean | "auto" | undefined;
  file?: string | undefined;
}

/** The decoder of a byte format. `fields` (JSONL only) receives batched lines without records. */
export function createByteDecoder(
  format: ByteFormat,
  options: DecoderOptions,
  onRecord: (record: MetricRecord) => boolean | undefined,
  onDiagnostic: (d: SourceDiagnostic) => void,
  fields?: MetricFieldSink,
): ByteDecoder {
  if (format === "tensorboard") return tensorBoardDecoder(options, onRecord, onDiagnostic);
  if (format === "lightning-csv") return csvDecoder(options, onRecord, onDiagnostic);
  const reader = new JsonlChunkReader(
    { stepKey: options.stepKey, problemKey: options.problemKey, metrics: options.metrics },
    { record: onRecord, diagnostic: onDiagnostic, fields },
    options.maxLineLength,
  );
  return { push: (chunk) => reader.push(chunk), idle: () => true, end: () => reader.end() };
}

function tensorBoardDecoder(
  options: DecoderOptions,
  onRecord: (record: MetricRecord) => boolean | undefined,
  onDiagnostic: (d: SourceDiagnostic) => void,
): ByteDecoder {
  const decoder = new TensorBoardDecoder({
    hfNames: options.hfNames,
    metrics: options.metrics,
    file: options.file,
  });
  let live = true;
  const emit = (record: MetricRecord) => {
    if (live && onRecord(record) === false) live = false;
  };
  return {
    push: (chunk) => {
      if (live) decoder.push(chunk, emit);
      return live;
    },
    idle: () => {
      if (live) decoder.flush(emit);
      return live;
    },
    end: () => {
      if (live) decoder.end(emit, onDiagnostic);
      return live;
    },
  };
}

function csvDecoder(
  options: DecoderOptions,
  onRecord: (record: MetricRecord) => boolean | undefined,
  onDiagnostic: (d: SourceDiagnostic) => void,
): ByteDecoder {
  const csv = new LightningCsvDecoder({ metrics: options.metrics, file: options.file });
  const splitter = new LineSplitter(options.maxLineLength);
  const text = new StringDecoder("utf8");
  let live = true;
  const emit = (record: MetricRecord) => {
    if (live && onRecord(record) === false) live = false;
  };
  const line = (l: string, n: number) => {
    if (live) csv.line(l, n, emit, onDiagnostic);
  };
  const tooLong = (n: number) =>
    onDiagnostic({ code: "LINE_TOO_LONG", message: `line ${n}: too long, skipped`, line: n });
  return {
    push: (chunk) => {
      if (live) splitter.push(text.write(chunk), line, tooLong);
      return live;
    },
    idle: () => {
      if (live) csv.flush(emit);
      return live;
    },
    end: () => {
      const rest = text.end();
      if (rest !== "") splitter.push(rest, line, tooLong);
      const pending = splitter.pending();
      if (pending !== null) line(pending, splitter.lines + 1);
      if (live) csv.flush(emit);
      return live;
    },
  };
}
