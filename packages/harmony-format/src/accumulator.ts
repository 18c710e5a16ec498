/**
 * Appends many small strings with bounded bookkeeping: pieces are joined every {@link FLUSH} appends,
 * so the piece array never grows past that size (1-character streaming stays O(n) in time and memory).
 */
export class TextAccumulator {
  #done = "";
  #pieces: string[] = [];
  static readonly FLUSH = 1024;

  push(text: string): void {
    this.#pieces.push(text);
    if (this.#pieces.length >= TextAccumulator.FLUSH) {
      this.#done += this.#pieces.join("");
      this.#pieces = [];
    }
  }

  /** The text so far. */
  value(): string {
    if (this.#pieces.length === 0) return this.#done;
    if (this.#done === "" && this.#pieces.length === 1) return this.#pieces[0]!;
    this.#done += this.#pieces.join("");
    this.#pieces = [];
    return this.#done;
  }

  clear(): void {
    this.#done = "";
    if (this.#pieces.length > 0) this.#pieces = [];
  }
}
