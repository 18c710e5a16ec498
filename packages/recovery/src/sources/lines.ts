// Streamed text split into lines with bounded memory.

/**
 * Splits streamed text chunks into lines with bounded memory: a line longer than `maxLineBytes`
 * is dropped (reported) instead of buffered. The trailing partial line is kept until `end()`.
 */
export class LineSplitter {
  private buffer = "";
  private skipping = false;
  private lineNo = 0;
  constructor(private readonly maxLineLength = 16 * 1024 * 1024) {}

  /** Number of complete lines emitted so far. */
  get lines(): number {
    return this.lineNo;
  }

  /** Feeds a chunk; calls `onLine(line, lineNumber)` per complete line; `onTooLong` per dropped line. */
  push(
    chunk: string,
    onLine: (line: string, lineNumber: number) => void,
    onTooLong?: (lineNumber: number) => void,
  ): void {
    let start = 0;
    let nl = chunk.indexOf("\n");
    while (nl !== -1) {
      this.lineNo++;
      if (this.skipping) {
        this.skipping = false;
        this.buffer = "";
        onTooLong?.(this.lineNo);
      } else {
        const line = this.buffer === "" ? chunk.slice(start, nl) : this.buffer + chunk.slice(start, nl);
        this.buffer = "";
        onLine(line, this.lineNo);
      }
      start = nl + 1;
      nl = chunk.indexOf("\n", start);
    }
    if (start < chunk.length && !this.skipping) {
      this.buffer += chunk.slice(start);
      if (this.buffer.length > this.maxLineLength) {
        this.skipping = true;
        this.buffer = "";
      }
    }
  }

  /** The pending partial line (no trailing newline yet), or null. */
  pending(): string | null {
    return this.skipping || this.buffer === "" ? null : this.buffer;
  }

  /** Drops buffered text (after rotation). */
  reset(): void {
    this.buffer = "";
    this.skipping = false;
  }
}
