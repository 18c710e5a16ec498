// Byte-level JSONL line splitting: newlines are found in the bytes (0x0A never occurs inside a multi-byte
// UTF-8 sequence) and each line is decoded once from its own bytes; only a line torn across chunks is
// copied. Browser-safe (Uint8Array + TextDecoder).
import { RewardsError } from "./errors.js";

/** One line of a JSONL stream (without its `\n`). */
export interface Line {
  line: string;
  /** 1-based line number. */
  number: number;
  /** UTF-8 bytes of the line. */
  bytes: number;
}

const encoder = new TextEncoder();

/** Splits chunks into lines, refusing lines longer than `maxLineBytes` (`INPUT_TOO_LARGE`). */
export class LineSplitter {
  readonly #decoder = new TextDecoder();
  readonly #max: number;
  #torn: Uint8Array[] = [];
  #tornBytes = 0;
  #number = 0;

  constructor(maxLineBytes: number) {
    this.#max = maxLineBytes;
  }

  /** Appends the complete lines of `chunk` to `out`. */
  push(chunk: string | Uint8Array, out: Line[]): void {
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    let p = 0;
    if (this.#tornBytes > 0) {
      const nl = bytes.indexOf(10);
      if (nl < 0) {
        this.#tear(bytes);
        return;
      }
      this.#tear(bytes.subarray(0, nl));
      out.push(this.#line(this.#joinTorn(), 0, this.#tornBytes));
      this.#torn = [];
      this.#tornBytes = 0;
      p = nl + 1;
    }
    for (let nl = bytes.indexOf(10, p); nl >= 0; nl = bytes.indexOf(10, p)) {
      out.push(this.#line(bytes, p, nl));
      p = nl + 1;
    }
    if (p < bytes.length) this.#tear(bytes.subarray(p));
  }

  /** The last line when the input does not end with `\n`, else `undefined`. */
  end(): Line | undefined {
    if (this.#tornBytes === 0) return undefined;
    const line = this.#line(this.#joinTorn(), 0, this.#tornBytes);
    this.#torn = [];
    this.#tornBytes = 0;
    return line;
  }

  #line(bytes: Uint8Array, start: number, end: number): Line {
    this.#number++;
    const length = end - start;
    if (length > this.#max) this.#tooLong(this.#number);
    return { line: this.#decoder.decode(bytes.subarray(start, end)), number: this.#number, bytes: length };
  }

  #tear(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.#tornBytes += piece.length;
    if (this.#tornBytes > this.#max) this.#tooLong(this.#number + 1);
    // the chunk's buffer may be reused by the stream: keep a copy of the torn piece
    this.#torn.push(piece.slice());
  }

  #joinTorn(): Uint8Array {
    if (this.#torn.length === 1) return this.#torn[0]!;
    const joined = new Uint8Array(this.#tornBytes);
    let at = 0;
    for (const piece of this.#torn) {
      joined.set(piece, at);
      at += piece.length;
    }
    return joined;
  }

  #tooLong(line: number): never {
    throw new RewardsError({
      code: "INPUT_TOO_LARGE",
      message: `line ${line}: longer than ${this.#max} bytes`,
      details: { line, limit: this.#max },
    });
  }
}

/** Splits a byte/string stream into lines with a bound on line length (memory bounded by one line). */
export async function* readLines(
  input: AsyncIterable<string | Uint8Array>,
  maxLineBytes = 16 * 1024 * 1024,
): AsyncGenerator<Line> {
  const splitter = new LineSplitter(maxLineBytes);
  const lines: Line[] = [];
  for await (const chunk of input) {
    splitter.push(chunk, lines);
    for (const line of lines) yield line;
    lines.length = 0;
  }
  const last = splitter.end();
  if (last !== undefined) yield last;
}
