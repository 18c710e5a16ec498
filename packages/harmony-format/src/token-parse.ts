import { o200kVocabulary as vocab } from "./bpe.js";
import { HarmonyError } from "./errors.js";
import { LAST_SPECIAL_ID, specialText } from "./special.js";
import {
  createUnitParser,
  EventBatch,
  modeOf,
  type ParseOptions,
  type ParseResult,
  type StreamParserOptions,
  type UnitParser,
} from "./stream.js";
import { type Diagnostic, type StreamEvent, TolerantParser } from "./tolerant.js";
import { incompleteTail } from "./utf8.js";

/**
 * Feeds token ids to a unit parser. Reference modes get one unit per token (exact UTF-8 buffering);
 * tolerant mode decodes runs of ordinary tokens with a streaming UTF-8 decoder.
 */
class TokenFeeder {
  #decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  #index = 0;
  readonly #tolerant: boolean;
  #buffer = new Uint8Array(4096);
  #used = 0;
  #runStart = 0;
  /** Id of the only token in the buffer (fast path: its cached decode), or -1. */
  #single = -1;
  constructor(
    private readonly parser: UnitParser,
    tolerant: boolean,
  ) {
    this.#tolerant = tolerant;
  }

  /**
   * Decodes buffered ordinary-token bytes, invalid sequences → U+FFFD. Unless `final`, a truncated but
   * so-far-valid UTF-8 sequence at the end waits for the next token (so chunking never changes text).
   */
  #drain(final: boolean): void {
    const used = this.#used;
    if (used === 0) return;
    const single = this.#single;
    this.#single = -1;
    if (single >= 0) {
      const cached = vocab().text(single);
      if (cached) {
        this.#used = 0;
        this.parser.text(cached, this.#runStart);
        return;
      }
    }
    const cut = final ? used : incompleteTail(this.#buffer, used);
    const text = cut > 0 ? this.#decoder.decode(this.#buffer.subarray(0, cut)) : "";
    if (cut < used) this.#buffer.copyWithin(0, cut, used);
    this.#used = used - cut;
    const at = this.#runStart;
    this.#runStart = this.#index;
    if (text !== "") this.parser.text(text, at);
  }

  #append(bytes: Uint8Array, at: number, id: number): void {
    if (this.#used === 0) {
      this.#runStart = at;
      this.#single = id;
    } else this.#single = -1;
    if (this.#used + bytes.length > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#used + bytes.length));
      grown.set(this.#buffer.subarray(0, this.#used));
      this.#buffer = grown;
    }
    const buffer = this.#buffer;
    const used = this.#used;
    const length = bytes.length;
    if (length <= 16) for (let i = 0; i < length; i++) buffer[used + i] = bytes[i]!;
    else buffer.set(bytes, used);
    this.#used = used + length;
    if (this.#used >= 65536) this.#drain(false);
  }

  write(tokens: readonly number[]): void {
    const v = vocab();
    const parser = this.parser;
    const tolerant = this.#tolerant;
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i]!;
      const at = this.#index++;
      const special = id >= 199998 && id <= LAST_SPECIAL_ID ? specialText(id) : undefined;
      if (special !== undefined) {
        if (tolerant) this.#drain(true);
        parser.special(id, special, at);
        continue;
      }
      const bytes = Number.isInteger(id) ? v.bytes(id) : undefined;
      if (!bytes) {
        if (tolerant) this.#drain(true);
        parser.invalid(id, at);
        continue;
      }
      if (tolerant) this.#append(bytes, at, id);
      else parser.bytes(bytes, id, at, v.text(id) ?? null);
    }
    if (tolerant) this.#drain(false);
  }

  /**
   * The text of `id` when it can be delivered on its own right now (tolerant mode, nothing buffered,
   * an ordinary id that decodes alone); the caller then delivers it and calls {@link skipOne}.
   */
  soloText(id: number): string | undefined {
    if (!this.#tolerant || this.#used !== 0 || !Number.isInteger(id) || id < 0 || id >= 199998)
      return undefined;
    return vocab().text(id) || undefined;
  }

  /** Accounts for one id delivered around the feeder (after {@link soloText}). */
  skipOne(): void {
    this.#index++;
    this.#runStart = this.#index;
  }

  /** One token id (a streaming write of a single id): no array, no buffering when it decodes alone. */
  writeOne(id: number): void {
    const text = this.soloText(id);
    if (text === undefined) this.write([id]);
    else {
      this.parser.text(text, this.#index);
      this.skipOne();
    }
  }

  end(): void {
    if (this.#tolerant) this.#drain(true);
    this.parser.eos(this.#index);
  }
}

/**
 * Parses completion token ids into wire messages (reference `parse_messages_from_completion_tokens`).
 * Modes as `parseMessagesFromText` (main entry); in strict/lenient mode errors carry `details.offset` = token
 * index. Do not include the prompt: pass `role` when the prompt ended with `<|start|>{role}`.
 */
export function parseMessagesFromTokens(tokens: readonly number[], options?: ParseOptions): ParseResult {
  const tolerant = modeOf(options) === "tolerant";
  const parser = createUnitParser(options);
  const feeder = new TokenFeeder(parser, tolerant);
  if (tolerant) {
    try {
      feeder.write(Array.isArray(tokens) ? tokens : []);
      feeder.end();
    } catch (error) {
      parser.diagnostics.push({
        code: "UNEXPECTED_TOKEN",
        message: `internal parser error: ${String(error)}`,
      });
    }
  } else {
    feeder.write(tokens);
    feeder.end();
  }
  return { messages: parser.messages, diagnostics: parser.diagnostics };
}

/** A streaming parser fed token ids; see {@link createTokenStreamParser}. */
export interface TokenStreamParser {
  /** Feeds token ids (one or many); returns the events produced. */
  write(tokens: readonly number[] | number): StreamEvent[];
  /** Ends the stream; returns the final events. */
  end(): StreamEvent[];
  readonly messages: ParseResult["messages"];
  readonly diagnostics: Diagnostic[];
}

/** Streaming parser over token ids, same events and modes as the text `createStreamParser`. */
export function createTokenStreamParser(options?: StreamParserOptions): TokenStreamParser {
  const batch = new EventBatch(options?.onEvent);
  const parser = createUnitParser(options, batch.emit);
  const feeder = new TokenFeeder(parser, modeOf(options) === "tolerant");
  const tolerant = parser instanceof TolerantParser ? parser : undefined;
  let ended = false;
  return {
    write(tokens) {
      if (ended) throw new HarmonyError({ code: "INVALID_OPTIONS", message: "write() after end()" });
      const one = typeof tokens === "number" ? tokens : tokens.length === 1 ? tokens[0]! : undefined;
      if (one !== undefined) {
        if (tolerant !== undefined && tolerant.state === "content") {
          const text = feeder.soloText(one);
          if (text !== undefined) {
            // one ordinary token inside content (the common case of token streaming)
            feeder.skipOne();
            return batch.takeWith(tolerant.contentDelta(text));
          }
        }
        feeder.writeOne(one);
      } else feeder.write(tokens as readonly number[]);
      return batch.take();
    },
    end() {
      if (!ended) {
        ended = true;
        feeder.end();
      }
      return batch.take();
    },
    get messages() {
      return parser.messages;
    },
    get diagnostics() {
      return parser.diagnostics;
    },
  };
}
