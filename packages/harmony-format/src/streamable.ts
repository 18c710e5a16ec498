import { o200kVocabulary as vocab } from "./bpe.js";
import { ReferenceParser as ReferenceParserClass } from "./reference-parser.js";
import type { Role } from "./schema.js";
import { specialText } from "./special.js";
import type { ParseResult } from "./stream.js";
import { encodeOrdinary } from "./token-codec.js";

/**
 * The reference's `StreamableParser` over token ids, with its getters (`currentRole`, `currentChannel`,
 * `currentRecipient`, `currentContentType`, `currentContent`, `lastContentDelta`, `state`, `messages`,
 * `tokens`, `stateJson()`). `strict` defaults to true. Errors throw `HarmonyError` `PARSE_FAILED` with the reference text.
 */
export class StreamableParser {
  readonly #parser: ReferenceParserClass;
  readonly #tokens: number[] = [];
  constructor(options: { role?: Role | null; strict?: boolean } = {}) {
    this.#parser = new ReferenceParserClass(options.role ?? null, options.strict ?? true);
  }
  #headerTokens: number[] = [];
  #contentTokens: number[] = [];

  /** Feeds one token id. */
  process(token: number): this {
    this.#tokens.push(token);
    const p = this.#parser;
    const before = p.state;
    try {
      const special = specialText(token);
      if (special !== undefined) p.special(token, special);
      else {
        const v = vocab();
        const bytes = Number.isInteger(token) ? v.bytes(token) : undefined;
        if (bytes) p.bytes(bytes, token, v.text(token) ?? null);
        else p.invalid(token);
      }
    } finally {
      this.#track(before, token);
    }
    return this;
  }

  /** Keeps the reference's `header_tokens` / `content_tokens` (content re-encoded delta by delta). */
  #track(before: string, token: number): void {
    const p = this.#parser;
    if (p.state === "Header") {
      if (before === "Header") this.#headerTokens.push(token);
      else this.#headerTokens = [];
    } else if (p.state === "Content") {
      if (before !== "Content") this.#contentTokens = [];
      else if (p.lastContentDelta !== null) {
        for (const id of encodeOrdinary(p.lastContentDelta)) this.#contentTokens.push(id);
      }
    }
  }

  /**
   * The reference's `state_json()`: `{"state":"ExpectStart"}`, `{"state":"Header","header_tokens":[…]}`
   * or `{"state":"Content","header":{"author":{"role",…},"recipient","channel","content_type"},
   * "content_tokens":[…]}` (content tokens are the decoded deltas re-encoded, as the reference keeps them).
   */
  stateJson(): string {
    const p = this.#parser;
    if (p.state === "Header") return JSON.stringify({ state: "Header", header_tokens: this.#headerTokens });
    const header = p.currentHeader;
    if (p.state !== "Content" || header === null) return JSON.stringify({ state: "ExpectStart" });
    const author: { role: Role; name?: string } = { role: header.role };
    if (header.name !== undefined) author.name = header.name;
    return JSON.stringify({
      state: "Content",
      header: {
        author,
        recipient: header.recipient ?? null,
        channel: header.channel ?? null,
        content_type: header.content_type ?? null,
      },
      content_tokens: this.#contentTokens,
    });
  }
  /** Signals end of stream. */
  processEos(): this {
    this.#parser.eos();
    return this;
  }
  get state(): "ExpectStart" | "Header" | "Content" {
    return this.#parser.state;
  }
  get currentRole(): Role | null {
    return this.#parser.currentRole;
  }
  get currentChannel(): string | null {
    return this.#parser.currentChannel;
  }
  get currentRecipient(): string | null {
    return this.#parser.currentRecipient;
  }
  get currentContentType(): string | null {
    return this.#parser.currentContentType;
  }
  get currentContent(): string {
    return this.#parser.currentContent;
  }
  get lastContentDelta(): string | null {
    return this.#parser.lastContentDelta;
  }
  get messages(): ParseResult["messages"] {
    return this.#parser.messages;
  }
  get tokens(): readonly number[] {
    return this.#tokens;
  }
}
