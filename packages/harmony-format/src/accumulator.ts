/**
 * Appends strings with bounded bookkeeping. Small pieces are collected and joined every
 * {@link FLUSH} appends (1-character streaming stays O(n) in time and memory); large pieces are
 * appended as they are (V8 concatenates them as a rope, without copying), so streaming big chunks
 * costs no more than one-shot parsing until the text is read.
 */
export class TextAccumulator {
  #done = "";
  #pieces: string[] = [];
  static readonly FLUSH = 1024;
  static readonly LARGE = 256;

  push(text: string): void {
    if (text.length >= TextAccumulator.LARGE) {
      if (this.#pieces.length > 0) this.#flush();
      this.#done = this.#done === "" ? text : this.#done + text;
      return;
    }
    this.#pieces.push(text);
    if (this.#pieces.length >= TextAccumulator.FLUSH) this.#flush();
  }

  #flush(): void {
    this.#done += this.#pieces.join("");
    this.#pieces = [];
  }

  /** The text so far. */
  value(): string {
    if (this.#pieces.length === 0) return this.#done;
    if (this.#done === "" && this.#pieces.length === 1) return this.#pieces[0]!;
    this.#flush();
    return this.#done;
  }

  clear(): void {
    this.#done = "";
    if (this.#pieces.length > 0) this.#pieces = [];
  }
}
