/**
 * `@rlops/harmony-format/tokens`: o200k_harmony token ids. Ships the o200k_base ranks through the
 * `js-tiktoken` registry package (nothing is downloaded at run time); the 2.3 MiB ranks module is loaded
 * on first use, not at import.
 */
import { o200kVocabulary, type Vocabulary } from "./bpe.js";
import { HarmonyError } from "./errors.js";
import { TextLexer } from "./lexer.js";
import { ReferenceParser as ReferenceParserClass } from "./reference-parser.js";
import {
  type RenderConfig,
  type RenderMessageOptions,
  renderSegments,
  type Segment,
  singleMessageSegments,
} from "./render.js";
import type { Conversation, ConversationInput, Message, MessageInput, Role } from "./schema.js";
import { LAST_SPECIAL_ID, SPECIAL, specialId, specialText } from "./special.js";
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
import { incompleteTail, utf8DecodeLossy } from "./utf8.js";

type ConversationLike = Conversation | ConversationInput | MessageInput[];

function vocab(): Vocabulary {
  return o200kVocabulary();
}

/** Options of {@link encode}; tiktoken semantics. */
export interface EncodeOptions {
  /** Special-token texts to encode as special ids, or `"all"`. Default none. */
  allowedSpecial?: "all" | readonly string[];
  /** Special-token texts that make `encode` throw when present (default `"all"` not allowed). */
  disallowedSpecial?: "all" | readonly string[];
}

/**
 * Encodes text with o200k_harmony. Like tiktoken: by default any special-token text in `text` throws
 * `DISALLOWED_SPECIAL`; pass `allowedSpecial: "all"` to encode them as special ids, or
 * `disallowedSpecial: []` to encode them as ordinary text.
 */
export function encode(text: string, options: EncodeOptions = {}): number[] {
  const allowed = options.allowedSpecial ?? [];
  const disallowed = options.disallowedSpecial ?? "all";
  const isAllowed = (token: string): boolean => allowed === "all" || allowed.includes(token);
  const isDisallowed = (token: string): boolean =>
    !isAllowed(token) && (disallowed === "all" || disallowed.includes(token));
  const out: number[] = [];
  const v = vocab();
  let plain = "";
  const lexer = new TextLexer({
    special(id, token, offset) {
      if (isAllowed(token)) {
        if (plain !== "") v.encodeOrdinary(plain, out);
        plain = "";
        out.push(id);
      } else if (isDisallowed(token))
        throw new HarmonyError({
          code: "DISALLOWED_SPECIAL",
          message: `The text contains a special token that is not allowed: ${token} (at offset ${offset})`,
          details: { token, offset },
        });
      else plain += token;
    },
    text(chunk) {
      plain += chunk;
    },
  });
  lexer.write(text);
  lexer.end();
  if (plain !== "") v.encodeOrdinary(plain, out);
  return out;
}

/** `encode_ordinary`: special-token text is encoded as ordinary text (what the renderer uses). */
export function encodeOrdinary(text: string): number[] {
  return vocab().encodeOrdinary(text);
}

/** True for ids of the special range 199998–201088. */
export function isSpecialToken(id: number): boolean {
  return specialText(id) !== undefined;
}

function tokenBytes(id: number): Uint8Array {
  const special = specialText(id);
  if (special !== undefined) return new TextEncoder().encode(special);
  const bytes = Number.isInteger(id) ? vocab().bytes(id) : undefined;
  if (!bytes)
    throw new HarmonyError({
      code: "INVALID_TOKEN",
      message: `Invalid token for decoding: ${id}`,
      details: { token: id },
    });
  return bytes;
}

/** Raw bytes of a token sequence. @throws HarmonyError `INVALID_TOKEN` for ids outside the vocabulary. */
export function decodeBytes(tokens: readonly number[]): Uint8Array {
  const parts = tokens.map(tokenBytes);
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Decodes token ids to text; invalid UTF-8 becomes U+FFFD. Special ids decode to their `<|…|>` text.
 * @throws HarmonyError `INVALID_TOKEN` (`Invalid token for decoding: N`) for ids outside 0–201088.
 */
export function decode(tokens: readonly number[]): string {
  return utf8DecodeLossy(decodeBytes(tokens));
}

/** Like {@link decode} but throws `INVALID_TOKEN` when the bytes are not valid UTF-8 (reference `decode_utf8`). */
export function decodeUtf8(tokens: readonly number[]): string {
  const bytes = decodeBytes(tokens);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new HarmonyError({ code: "INVALID_TOKEN", message: "Invalid utf-8 in decoded tokens", cause });
  }
}

/** Stop tokens `{<|return|>, <|end|>, <|call|>}` = [200002, 200007, 200012]. */
export function stopTokens(): number[] {
  return [SPECIAL.return, SPECIAL.end, SPECIAL.call];
}

/** Stop tokens to pass to a sampler: `{<|return|>, <|call|>}` = [200002, 200012]. */
export function stopTokensForAssistantActions(): number[] {
  return [SPECIAL.return, SPECIAL.call];
}

/** The id of a special token text (`"<|start|>"` → 200006), or `undefined`. */
export function specialTokenId(text: string): number | undefined {
  return specialId(text);
}

function segmentsToTokens(segments: Segment[]): number[] {
  const v = vocab();
  const out: number[] = [];
  for (const segment of segments) {
    if (typeof segment === "number") out.push(segment);
    else if (segment !== "") v.encodeOrdinary(segment, out);
  }
  return out;
}

/** Token ids of `renderConversation` (main entry): each header/content segment is encoded separately. */
export function renderConversationTokens(conversation: ConversationLike, config?: RenderConfig): number[] {
  return segmentsToTokens(renderSegments("conversation", conversation, undefined, config));
}

/** Token ids of `renderConversationForCompletion` (main entry). */
export function renderConversationForCompletionTokens(
  conversation: ConversationLike,
  nextTurnRole: Role,
  config?: RenderConfig,
): number[] {
  return segmentsToTokens(renderSegments("completion", conversation, nextTurnRole, config));
}

/** Token ids of `renderConversationForTraining` (main entry). */
export function renderConversationForTrainingTokens(
  conversation: ConversationLike,
  config?: RenderConfig,
): number[] {
  return segmentsToTokens(renderSegments("training", conversation, undefined, config));
}

/** Token ids of `renderMessage` (main entry). */
export function renderMessageTokens(
  message: Message | MessageInput,
  options?: RenderMessageOptions,
): number[] {
  return segmentsToTokens(singleMessageSegments(message, options));
}

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

export type { Vocabulary } from "./bpe.js";
/**
 * Loads the o200k_base ranks ahead of use. Importing this module never loads them; on Node the first
 * token function loads them synchronously, elsewhere (browsers) await this once first.
 */
export { loadO200kRanks } from "./bpe.js";

/** The bundled o200k_base vocabulary (ordinary tokens 0–199997), loaded on first call. */
export const vocabulary = (): Vocabulary => o200kVocabulary();

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

/** Every special token id of o200k_harmony (199998–201088), like the reference's `special_tokens_set`. */
export function specialTokenIds(): number[] {
  const out: number[] = [];
  for (let id = 199998; id <= LAST_SPECIAL_ID; id++) out.push(id);
  return out;
}

/** Reference `max_message_tokens()` of the harmony gpt-oss encoding (2^20 − 2^19). */
export const MAX_MESSAGE_TOKENS = 524_288;

/** Reference `tokenizer_name()`. */
export const TOKENIZER_NAME = "o200k_harmony";
