/**
 * Appends strings with bounded bookkeeping. Small pieces are concatenated into a short rope that is
 * flattened every {@link FLUSH} appends, so 1-character streaming stays O(n) in time and memory (no
 * rope of millions of nodes); large pieces are appended as they are (V8 concatenates them as a rope,
 * without copying), so streaming big chunks costs no more than one-shot parsing until the text is read.
 */
export class TextAccumulator {
  #done = "";
  #tail = "";
  #count = 0;
  static readonly FLUSH = 1024;
  static readonly LARGE = 256;

  push(text: string): void {
    if (text.length >= TextAccumulator.LARGE) {
      if (this.#count > 0) this.#flush();
      this.#done = this.#done === "" ? text : this.#done + text;
      return;
    }
    this.#tail += text;
    if (++this.#count >= TextAccumulator.FLUSH) this.#flush();
  }

  #flush(): void {
    const tail = this.#tail;
    // charCodeAt flattens the rope of small pieces into one string (V8 ConsString → SeqString)
    if (tail.length > 0 && tail.charCodeAt(0) >= 0) this.#done += tail;
    this.#tail = "";
    this.#count = 0;
  }

  /** The text so far. */
  value(): string {
    if (this.#count === 0) return this.#done;
    if (this.#done === "") {
      const tail = this.#tail;
      tail.charCodeAt(0); // flatten (see #flush)
      return tail;
    }
    this.#flush();
    return this.#done;
  }

  clear(): void {
    this.#done = "";
    this.#tail = "";
    this.#count = 0;
  }
}
