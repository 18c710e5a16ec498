import { HarmonyError } from "./errors.js";
import { TextLexer, type UnitSink } from "./lexer.js";
import { ReferenceParser } from "./reference-parser.js";
import { type Role, roleSchema, type WireMessage } from "./schema.js";
import { terminatorOf } from "./special.js";
import { type Diagnostic, type StreamEvent, TolerantParser } from "./tolerant.js";
import { Utf8ChunkDecoder } from "./utf8.js";

/** Parser modes: `tolerant` (never throws), `strict` and `lenient` (the reference's strict / non-strict). */
export type ParseMode = "tolerant" | "strict" | "lenient";

/** Options of the parsers. */
export interface ParseOptions {
  /**
   * Role the completion starts with, i.e. the prompt ended with `<|start|>{role}`. Omit when the text
   * starts with `<|start|>` (reference `role=None`). Tolerant mode also uses it as the role of text found
   * outside any message (default `assistant`).
   */
  role?: Role;
  /** Default `tolerant`. */
  mode?: ParseMode;
  /** Python-style alias used when `mode` is absent: `true` → `strict`, `false` → `lenient`. */
  strict?: boolean;
}

/** Result of a one-shot parse. */
export interface ParseResult {
  /** Parsed messages in the wire format (content is a string). */
  messages: WireMessage[];
  /** Recoveries made (tolerant mode only; empty otherwise). */
  diagnostics: Diagnostic[];
}

/** Unit-level interface shared by the tolerant and reference parsers. */
export interface UnitParser {
  special(id: number, text: string, offset?: number): void;
  text(text: string, offset?: number): void;
  bytes(bytes: Uint8Array, id: number, offset?: number, text?: string | null): void;
  invalid(id: number, offset?: number): void;
  eos(offset?: number): void;
  readonly messages: WireMessage[];
  readonly diagnostics: Diagnostic[];
}

/** Rethrows a reference-parser error with the offset of the unit that caused it. */
function failAt(error: unknown, offset: number | undefined): never {
  if (HarmonyError.isInstance(error) && offset !== undefined) {
    (error as HarmonyError).details.offset ??= offset;
  }
  throw error;
}

/**
 * The events of one `write()`: collected as the parser emits them (and passed to `onEvent`), handed
 * out by {@link take}. Shared by the text and token-id stream parsers.
 */
export class EventBatch {
  #events: StreamEvent[] = [];
  constructor(private readonly onEvent?: (event: StreamEvent) => void) {}

  /** The parser's emit callback. */
  readonly emit = (event: StreamEvent): void => {
    this.#events.push(event);
    this.onEvent?.(event);
  };

  /** The events so far (a new array each time), emptying the batch. */
  take(): StreamEvent[] {
    if (this.#events.length === 0) return [];
    const out = this.#events;
    this.#events = [];
    return out;
  }

  /** {@link take} after one more event that was produced around the parser (a fast path). */
  takeWith(event: StreamEvent): StreamEvent[] {
    this.onEvent?.(event);
    if (this.#events.length === 0) return [event];
    this.#events.push(event);
    return this.take();
  }
}

/** Wraps the reference parser so it has the unit interface and emits stream events. */
class ReferenceUnitParser implements UnitParser {
  readonly diagnostics: Diagnostic[] = [];
  readonly parser: ReferenceParser;
  #emit: (event: StreamEvent) => void;
  #index = 0;
  #inMessage: boolean;

  readonly #streaming: boolean;

  constructor(role: Role | null, strict: boolean, emit?: (event: StreamEvent) => void) {
    this.parser = new ReferenceParser(role, strict);
    this.#streaming = emit !== undefined;
    this.#emit = emit ?? (() => {});
    this.#inMessage = role !== null;
    if (this.#inMessage) this.#emit({ type: "message-start", index: 0, offset: 0 });
  }

  get messages(): WireMessage[] {
    return this.parser.messages;
  }

  /** State and message count before the unit being fed (read by {@link #after}). */
  #beforeState = "";
  #beforeCount = 0;

  #begin(): ReferenceParser {
    const p = this.parser;
    this.#beforeState = p.state;
    this.#beforeCount = p.messages.length;
    return p;
  }

  #after(offset: number | undefined, stopId?: number): void {
    if (!this.#streaming) return;
    const p = this.parser;
    const beforeState = this.#beforeState;
    const beforeCount = this.#beforeCount;
    if (!this.#inMessage && p.state === "Header") {
      this.#inMessage = true;
      this.#emit({ type: "message-start", index: this.#index, offset });
    }
    if (beforeState === "Header" && p.state === "Content") {
      const header: StreamEvent = { type: "header", index: this.#index, partial: false };
      if (p.currentRole !== null) header.role = p.currentRole;
      if (p.currentChannel !== null) header.channel = p.currentChannel;
      if (p.currentRecipient !== null) header.recipient = p.currentRecipient;
      if (p.currentContentType !== null) header.contentType = p.currentContentType;
      this.#emit(header);
    }
    if (p.state === "Content" && beforeState === "Content" && p.lastContentDelta !== null)
      this.#emit({ type: "content-delta", index: this.#index, delta: p.lastContentDelta });
    for (let i = beforeCount; i < p.messages.length; i++) {
      const message = p.messages[i]!;
      this.#emit({
        type: "message-end",
        index: this.#index,
        message,
        terminator: (stopId === undefined ? undefined : terminatorOf(stopId)) ?? "eos",
      });
      this.#index++;
      this.#inMessage = false;
    }
    if (p.state === "ExpectStart" && beforeState !== "ExpectStart" && p.messages.length === beforeCount)
      this.#inMessage = false;
  }

  special(id: number, text: string, offset?: number): void {
    const p = this.#begin();
    try {
      p.special(id, text);
    } catch (error) {
      failAt(error, offset);
    }
    this.#after(offset, id);
  }
  text(text: string, offset?: number): void {
    const p = this.#begin();
    try {
      p.text(text);
    } catch (error) {
      failAt(error, offset);
    }
    this.#after(offset);
  }
  bytes(bytes: Uint8Array, id: number, offset?: number, text: string | null = null): void {
    const p = this.#begin();
    try {
      p.bytes(bytes, id, text);
    } catch (error) {
      failAt(error, offset);
    }
    this.#after(offset);
  }
  invalid(id: number, offset?: number): void {
    const p = this.#begin();
    try {
      p.invalid(id);
    } catch (error) {
      failAt(error, offset);
    }
    this.#after(offset);
  }
  eos(offset?: number): void {
    const p = this.#begin();
    try {
      p.eos();
    } catch (error) {
      failAt(error, offset);
    }
    this.#after(offset);
  }
}

class TolerantUnitParser extends TolerantParser implements UnitParser {
  bytes(bytes: Uint8Array, _id: number, offset?: number): void {
    // Tolerant token feeding decodes bytes before reaching the parser; this path is for completeness.
    this.text(new TextDecoder().decode(bytes), offset);
  }
}

/** The effective mode of parse options (`mode`, else the `strict` alias, else tolerant). */
export function modeOf(options: ParseOptions | undefined): ParseMode {
  if (options?.mode !== undefined) return options.mode;
  if (typeof options?.strict === "boolean") return options.strict ? "strict" : "lenient";
  return "tolerant";
}

/** Creates the unit parser for a mode; validates options. */
export function createUnitParser(
  options: ParseOptions | undefined,
  emit?: (event: StreamEvent) => void,
): UnitParser {
  const mode = modeOf(options);
  let role: Role | null = null;
  let badRole: unknown;
  if (options?.role !== undefined && options.role !== null) {
    const parsed = roleSchema.safeParse(options.role);
    if (parsed.success) role = parsed.data;
    else badRole = options.role;
  }
  if (mode === "tolerant") {
    const parser = new TolerantUnitParser(role, emit);
    if (badRole !== undefined)
      parser.diagnostics.push({
        code: "MISSING_ROLE",
        message: `unknown role option ${JSON.stringify(String(badRole))}; assumed none`,
      });
    return parser;
  }
  if (mode !== "strict" && mode !== "lenient")
    throw new HarmonyError({
      code: "INVALID_OPTIONS",
      message: `mode: expected "tolerant", "strict" or "lenient", got ${JSON.stringify(mode)}`,
    });
  if (badRole !== undefined)
    throw new HarmonyError({ code: "INVALID_ROLE", message: `unknown role: ${String(badRole)}` });
  return new ReferenceUnitParser(role, mode === "strict", emit);
}

function lexerSink(parser: UnitParser): UnitSink {
  return {
    special: (id, text, offset) => parser.special(id, text, offset),
    text: (text, offset) => parser.text(text, offset),
  };
}

/**
 * Parses harmony text — completions from servers that send special tokens as text (llama.cpp, ollama,
 * OpenAI-compatible APIs) — into wire messages.
 *
 * `tolerant` (default) never throws and keeps all message text, reporting recoveries as diagnostics;
 * `strict` / `lenient` reproduce the reference's strict / non-strict parser and its error strings
 * (`HarmonyError` code `PARSE_FAILED`, `details.offset` = character offset).
 *
 * @example
 * parseMessagesFromText("<|channel|>final<|message|>4<|return|>", { role: "assistant" })
 * // → { messages: [{ role: "assistant", content: "4", channel: "final" }], diagnostics: [] }
 */
export function parseMessagesFromText(text: string, options?: ParseOptions): ParseResult {
  const parser = createUnitParser(options);
  const input = typeof text === "string" ? text : String(text ?? "");
  if (modeOf(options) === "tolerant") {
    try {
      (parser as TolerantUnitParser).parseText(input);
      parser.eos(input.length);
    } catch (error) {
      // The tolerant parser has no failure path; this guards the never-throw contract against bugs.
      parser.diagnostics.push({
        code: "UNEXPECTED_TOKEN",
        message: `internal parser error: ${String(error)}`,
      });
    }
  } else {
    const lexer = new TextLexer(lexerSink(parser));
    lexer.write(input);
    lexer.end();
    parser.eos(input.length);
  }
  return { messages: parser.messages, diagnostics: parser.diagnostics };
}

/** A streaming parser; see {@link createStreamParser}. */
export interface StreamParser {
  /**
   * Feeds a chunk (any split, even inside `<|…|>`): text, or UTF-8 bytes (a character split across byte
   * chunks waits for its last byte; invalid bytes become U+FFFD). Returns the events it produced.
   * Offsets count UTF-16 code units of the decoded text.
   */
  write(chunk: string | Uint8Array): StreamEvent[];
  /** Ends the stream (flushes held-back text and the open message); returns the final events. */
  end(): StreamEvent[];
  /** Messages completed so far. */
  readonly messages: WireMessage[];
  /** Diagnostics so far (tolerant mode). */
  readonly diagnostics: Diagnostic[];
}

/** Options of {@link createStreamParser}. */
export interface StreamParserOptions extends ParseOptions {
  /** Called for every event as it happens (in addition to the arrays returned by `write`/`end`). */
  onEvent?: (event: StreamEvent) => void;
}

/**
 * Creates an incremental parser for harmony text chunks. Work per chunk is proportional to the chunk
 * (plus a hold-back of at most 18 characters for a possibly split `<|…|>`). Emits `message-start`,
 * `header` (partial while a header spans writes, as fields become known; then final), `content-delta`, `message-end` (with the
 * terminator `end|return|call|eos|none`) and `diagnostic` events. In `strict`/`lenient` mode `write`
 * throws `HarmonyError` `PARSE_FAILED` like the reference.
 */
export function createStreamParser(options?: StreamParserOptions): StreamParser {
  const batch = new EventBatch(options?.onEvent);
  const parser = createUnitParser(options, batch.emit);
  const lexer = new TextLexer(lexerSink(parser));
  const tolerant = parser instanceof TolerantUnitParser ? parser : undefined;
  let total = 0;
  let ended = false;
  let bytes: Utf8ChunkDecoder | undefined;
  const writeText = (chunk: string): StreamEvent[] => {
    total += chunk.length;
    if (tolerant !== undefined && chunk.length > 0 && tolerant.state === "content" && lexer.idle) {
      // content with nothing to recognise or hold back (no "<", not ending in half a surrogate pair):
      // one delta, the common case of character streaming and of plain content chunks
      const last = chunk.charCodeAt(chunk.length - 1);
      if ((last < 0xd800 || last > 0xdbff) && chunk.indexOf("<") < 0) {
        lexer.skip(chunk.length);
        return batch.takeWith(tolerant.contentDelta(chunk));
      }
    }
    if (tolerant !== undefined && chunk.length > 16) {
      // whole messages inside the chunk take the one-shot path; the tail goes through the lexer
      const base = lexer.offset;
      const text = lexer.takePending() + chunk;
      const end = tolerant.feedText(text, base);
      lexer.skip(end);
      lexer.write(end === 0 ? text : text.slice(end));
    } else lexer.write(chunk);
    return batch.take();
  };
  return {
    write(chunk: string | Uint8Array): StreamEvent[] {
      if (ended) throw new HarmonyError({ code: "INVALID_OPTIONS", message: "write() after end()" });
      if (typeof chunk === "string") return writeText(chunk);
      if (!(chunk instanceof Uint8Array))
        throw new HarmonyError({
          code: "INVALID_OPTIONS",
          message: `write(): expected a string or a Uint8Array, got ${typeof chunk}`,
        });
      bytes ??= new Utf8ChunkDecoder();
      return writeText(bytes.decode(chunk));
    },
    end(): StreamEvent[] {
      if (!ended) {
        ended = true;
        if (bytes !== undefined) {
          const rest = bytes.end();
          if (rest !== "") writeText(rest);
        }
        lexer.end();
        parser.eos(total);
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
