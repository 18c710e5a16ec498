import { isAscii } from "node:buffer";
import { StringDecoder } from "node:string_decoder";
import {
  type BatchText,
  type MetricLineSink,
  parseMetricLine,
  parseMetricLines,
  type RecordOptions,
  type SourceDiagnostic,
} from "./sources.js";

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
