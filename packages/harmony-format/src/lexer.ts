import { MAX_SPECIAL_LENGTH, specialId } from "./special.js";

/** Receives the units of a harmony text: special tokens and runs of ordinary text. */
export interface UnitSink {
  /** A special token (`<|start|>`, …) at character `offset`. */
  special(id: number, text: string, offset: number): void;
  /** A run of ordinary text starting at character `offset` (never empty). */
  text(text: string, offset: number): void;
}

function isNameChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 95;
}

type Named = readonly [string, number];
const named = (text: string, id: number): Named => [text, id];
const START = named("<|start|>", 200006);
const START_OF_TEXT = named("<|startoftext|>", 199998);
const END = named("<|end|>", 200007);
const END_OF_TEXT = named("<|endoftext|>", 199999);
const MESSAGE = named("<|message|>", 200008);
const CHANNEL = named("<|channel|>", 200005);
const CONSTRAIN = named("<|constrain|>", 200003);
const CALL = named("<|call|>", 200012);
const RETURN = named("<|return|>", 200002);

/** True if `text` has `token` at `at`, comparing from the third character (`<|` already known). */
function hasAt(text: string, at: number, token: string): boolean {
  const length = token.length;
  if (at + length > text.length) return false;
  for (let i = 2; i < length; i++) if (text.charCodeAt(at + i) !== token.charCodeAt(i)) return false;
  return true;
}

/** The special token starting at `at` (where `text` has `<|`): `[text, id]`, allocation-free for named ones. */
export function matchSpecialAt(text: string, at: number): Named | undefined {
  switch (text.charCodeAt(at + 2)) {
    case 115: // s
      if (hasAt(text, at, START[0])) return START;
      return hasAt(text, at, START_OF_TEXT[0]) ? START_OF_TEXT : undefined;
    case 101: // e
      if (hasAt(text, at, END[0])) return END;
      return hasAt(text, at, END_OF_TEXT[0]) ? END_OF_TEXT : undefined;
    case 109: // m
      return hasAt(text, at, MESSAGE[0]) ? MESSAGE : undefined;
    case 99: {
      // c
      const next = text.charCodeAt(at + 3);
      if (next === 104) return hasAt(text, at, CHANNEL[0]) ? CHANNEL : undefined;
      if (next === 111) return hasAt(text, at, CONSTRAIN[0]) ? CONSTRAIN : undefined;
      return hasAt(text, at, CALL[0]) ? CALL : undefined;
    }
    case 114: // r
      if (hasAt(text, at, RETURN[0])) return RETURN;
      return matchReserved(text, at);
    default:
      return undefined;
  }
}

function matchReserved(text: string, at: number): Named | undefined {
  if (!text.startsWith("<|reserved_", at)) return undefined;
  const end = at + MAX_SPECIAL_LENGTH;
  if (end > text.length || text.charCodeAt(end - 2) !== 124 || text.charCodeAt(end - 1) !== 62)
    return undefined;
  const token = text.slice(at, end);
  const id = specialId(token);
  return id === undefined ? undefined : [token, id];
}

/** True if `tail` (starting with `<`) could still grow into a special token. */
function couldBeSpecialPrefix(tail: string): boolean {
  if (tail.length >= MAX_SPECIAL_LENGTH) return false;
  if (tail.length === 1) return true;
  if (tail.charCodeAt(1) !== 124) return false;
  for (let i = 2; i < tail.length; i++) {
    const code = tail.charCodeAt(i);
    if (isNameChar(code)) continue;
    return code === 124 && i === tail.length - 1;
  }
  return true;
}

/**
 * Splits text into special tokens and ordinary text, incrementally: a chunk may end anywhere, even
 * inside `<|…|>`; at most {@link MAX_SPECIAL_LENGTH} − 1 characters are held back between chunks.
 * Every special token string of o200k_harmony is recognised (as `encode(text, allowed_special=all)`).
 */
export class TextLexer {
  #pending = "";
  #offset: number;
  /** `offset`: character offset of the first chunk's first character (default 0). */
  constructor(
    private readonly sink: UnitSink,
    offset = 0,
  ) {
    this.#offset = offset;
  }

  /** Feeds a chunk. */
  write(chunk: string): void {
    if (chunk.length === 0) return;
    const pending = this.#pending;
    if (chunk.length === 1) {
      if (pending.length > 0) {
        if (this.#grow(pending, chunk)) return;
      } else {
        const code = chunk.charCodeAt(0);
        if (code !== 60 && (code < 0xd800 || code > 0xdbff)) {
          // one ordinary character (not "<", not half of a surrogate pair): nothing to hold back
          this.sink.text(chunk, this.#offset++);
          return;
        }
      }
    }
    const text = pending.length > 0 ? pending + chunk : chunk;
    this.#pending = "";
    this.#scan(text, false);
  }

  /**
   * One character added to a held-back `<|…` prefix, decided without rescanning: it still grows a
   * possible special token, or it completes one. Returns false to let {@link #scan} decide.
   */
  #grow(pending: string, chunk: string): boolean {
    const code = chunk.charCodeAt(0);
    const length = pending.length;
    if (length + 1 >= MAX_SPECIAL_LENGTH) return false;
    const last = pending.charCodeAt(length - 1);
    if (length === 1) {
      // pending is "<"
      if (code !== 124) return false;
    } else if (code === 62) {
      // ">" after "|": a complete special token, or not one at all
      if (last !== 124 || length < 4) return false;
      const text = pending + chunk;
      const match = matchSpecialAt(text, 0);
      if (match === undefined || match[0].length !== text.length) return false;
      this.#pending = "";
      this.sink.special(match[1], match[0], this.#offset);
      this.#offset += text.length;
      return true;
    } else if (last === 124 && length > 2) return false;
    else if (!isNameChar(code) && !(code === 124 && length > 2)) return false;
    this.#pending = pending + chunk;
    return true;
  }

  /** Character offset of the next character to come (the start of the held-back text, if any). */
  get offset(): number {
    return this.#offset;
  }

  /** True when no text is held back. */
  get idle(): boolean {
    return this.#pending.length === 0;
  }

  /** Accounts for `count` characters delivered around the lexer (only while {@link idle}). */
  skip(count: number): void {
    this.#offset += count;
  }

  /** Removes and returns the held-back text ({@link offset} stays at its start). */
  takePending(): string {
    const pending = this.#pending;
    this.#pending = "";
    return pending;
  }

  /** Flushes held-back text. */
  end(): void {
    const text = this.#pending;
    this.#pending = "";
    if (text.length > 0) this.#scan(text, true);
  }

  #scan(text: string, final: boolean): void {
    if (text.indexOf("<") < 0) {
      // fast path: nothing to recognise or hold back (except half of a surrogate pair)
      let end = text.length;
      const last = text.charCodeAt(end - 1);
      if (!final && last >= 0xd800 && last <= 0xdbff) end--;
      if (end > 0) this.sink.text(end === text.length ? text : text.slice(0, end), this.#offset);
      this.#pending = text.slice(end);
      this.#offset += end;
      return;
    }
    let start = 0;
    let from = 0;
    const base = this.#offset;
    while (true) {
      const at = text.indexOf("<|", from);
      if (at < 0) break;
      const match = matchSpecialAt(text, at);
      if (match !== undefined) {
        const [token, id] = match;
        if (at > start) this.sink.text(text.slice(start, at), base + start);
        this.sink.special(id, token, base + at);
        start = at + token.length;
        from = start;
        continue;
      }
      from = at + 1;
    }
    let end = text.length;
    if (!final) {
      const floor = Math.max(start, text.length - MAX_SPECIAL_LENGTH + 1);
      for (let lt = text.length - 1; lt >= floor; lt--) {
        if (text.charCodeAt(lt) !== 60) continue;
        if (couldBeSpecialPrefix(text.slice(lt))) end = lt;
        break;
      }
    }
    if (!final && end === text.length && end > start) {
      const last = text.charCodeAt(end - 1);
      if (last >= 0xd800 && last <= 0xdbff) end--; // keep a split surrogate pair together
    }
    if (end > start) this.sink.text(text.slice(start, end), base + start);
    this.#pending = text.slice(end);
    this.#offset = base + end;
  }
}
