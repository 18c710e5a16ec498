import { TextAccumulator } from "./accumulator.js";
import { HeaderMemo, isRole, type ParsedHeader, rustTrim } from "./header.js";
import { matchSpecialAt, TextLexer } from "./lexer.js";
import { headerToMessage } from "./reference-parser.js";
import type { Role, WireMessage } from "./schema.js";
import { SPECIAL, type Terminator, terminatorOf } from "./special.js";
import {
  hasDelimiter,
  parseTolerantHeader,
  partialHeaderFields,
  resolveMissingHeader,
  skipWs,
} from "./tolerant-header.js";
import type { Diagnostic, DiagnosticCode, MessageTerminator, StreamEvent } from "./tolerant-types.js";

export type {
  Diagnostic,
  DiagnosticCode,
  HeaderFields,
  MessageTerminator,
  StreamEvent,
} from "./tolerant-types.js";

/**
 * Most diagnostics one parse keeps: the first `MAX_DIAGNOSTICS − 1`, then one `DIAGNOSTICS_TRUNCATED`
 * whose `count` is the number of further diagnostics (counted, not kept), so memory stays bounded.
 */
export const MAX_DIAGNOSTICS = 1000;

/** Longest header the tolerant parser accumulates before treating it as content. */
const MAX_HEADER_LENGTH = 1024;

type State = "idle" | "header" | "content";

/**
 * The tolerant harmony parser: never throws, never drops message text, reports each recovery as a
 * {@link Diagnostic}. Fed units (special tokens and text) by the text lexer or the token decoder.
 */
export class TolerantParser {
  readonly messages: WireMessage[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly terminators: MessageTerminator[] = [];
  #state: State;
  #presetRole: Role | null;
  readonly #defaultRole: Role;
  #header = "";
  #headerStart = 0;
  #parsed: ParsedHeader | null = null;
  #content = new TextAccumulator();
  #emit: (event: StreamEvent) => void;
  readonly #streaming: boolean;
  #partialKey = "";
  #partialSeen = false;
  #index = 0;

  constructor(role: Role | null, emit?: (event: StreamEvent) => void) {
    this.#presetRole = role;
    this.#defaultRole = role ?? "assistant";
    this.#emit = emit ?? (() => {});
    this.#streaming = emit !== undefined;
    this.#state = role !== null ? "header" : "idle";
    if (role !== null) this.#emit({ type: "message-start", index: 0, offset: 0 });
  }

  /** Current state: `idle` between messages, `header`, or `content`. */
  get state(): State {
    return this.#state;
  }

  #diag(code: DiagnosticCode, message: string, offset: number | undefined): void {
    this.#capture?.push({ code, message });
    if (this.#truncated !== undefined) {
      this.#truncated.count!++;
      return;
    }
    let diagnostic: Diagnostic = offset === undefined ? { code, message } : { code, message, offset };
    if (this.diagnostics.length >= MAX_DIAGNOSTICS - 1) {
      diagnostic = {
        code: "DIAGNOSTICS_TRUNCATED",
        message: `more than ${MAX_DIAGNOSTICS - 1} diagnostics: the rest are counted in \`count\`, not kept (the first was ${code})`,
        ...(offset === undefined ? {} : { offset }),
        count: 1,
      };
      this.#truncated = diagnostic;
    }
    this.diagnostics.push(diagnostic);
    if (this.#streaming) this.#emit({ type: "diagnostic", diagnostic });
  }

  /** The `DIAGNOSTICS_TRUNCATED` entry once the limit is reached. */
  #truncated: Diagnostic | undefined;
  /** Diagnostics of a header parse being memoised (kept whatever the limit). */
  #capture: { code: DiagnosticCode; message: string }[] | undefined;

  #startHeader(presetRole: Role | null, initial: string, offset: number | undefined): void {
    this.#state = "header";
    this.#presetRole = presetRole;
    this.#header = initial;
    this.#headerStart = offset ?? 0;
    this.#partialKey = "";
    this.#partialSeen = false;
    if (this.#streaming) this.#emit({ type: "message-start", index: this.#index, offset });
  }

  #startContent(header: ParsedHeader, offset: number | undefined): void {
    this.#state = "content";
    this.#parsed = header;
    this.#content.clear();
    if (this.#streaming) {
      const event: StreamEvent = { type: "header", index: this.#index, partial: false, role: header.role };
      if (header.name !== undefined) event.name = header.name;
      if (header.recipient !== undefined) event.recipient = header.recipient;
      if (header.channel !== undefined) event.channel = header.channel;
      if (header.content_type !== undefined) event.contentType = header.content_type;
      this.#emit(event);
    }
    if (header.role === "assistant" && header.recipient !== undefined && header.channel === "analysis")
      this.#diag(
        "TOOL_CALL_ON_ANALYSIS",
        `tool call to ${header.recipient} on the analysis channel (kept as a tool call)`,
        offset,
      );
  }

  #appendContent(text: string): void {
    if (text === "") return;
    this.#content.push(text);
    if (this.#streaming) this.#emit({ type: "content-delta", index: this.#index, delta: text });
  }

  /**
   * In content state: appends non-empty `text` (no markers, no half surrogate pair) and returns its
   * `content-delta` event without emitting it (the stream parser's per-character fast path).
   */
  contentDelta(text: string): StreamEvent {
    this.#content.push(text);
    return { type: "content-delta", index: this.#index, delta: text };
  }

  #endMessage(terminator: MessageTerminator): void {
    const message = headerToMessage(this.#parsed!, this.#content.value());
    this.messages.push(message);
    this.terminators.push(terminator);
    if (this.#streaming) this.#emit({ type: "message-end", index: this.#index, message, terminator });
    this.#index++;
    this.#content.clear();
    this.#parsed = null;
    this.#header = "";
    this.#presetRole = null;
    this.#state = "idle";
  }

  /** Header text without `<|message|>`: recover role/channel/recipient prefix, the rest is content. */
  #resolveMissing(raw: string): { header: ParsedHeader; content: string } {
    return resolveMissingHeader(raw, this.#presetRole, this.#defaultRole);
  }

  #partialHeader(): void {
    this.#partialSeen = true;
    const { role, name, channel, recipient } = partialHeaderFields(this.#header, this.#presetRole);
    const key = `${role ?? ""}\u0000${name ?? ""}\u0000${channel ?? ""}\u0000${recipient ?? ""}`;
    if (key === this.#partialKey || key === "\u0000\u0000\u0000") return;
    this.#partialKey = key;
    const event: StreamEvent = { type: "header", index: this.#index, partial: true };
    if (role !== undefined) event.role = role;
    if (name !== undefined) event.name = name;
    if (channel !== undefined) event.channel = channel;
    if (recipient !== undefined) event.recipient = recipient;
    this.#emit(event);
  }

  /** Ends a header that never got `<|message|>`; returns to idle with the message emitted. */
  #flushMissing(terminator: MessageTerminator, offset: number | undefined, why: string): void {
    const { header, content } = this.#resolveMissing(this.#header);
    this.#diag(
      "MISSING_MESSAGE_TOKEN",
      `message header without <|message|> ${why}; rest kept as content`,
      offset,
    );
    this.#startContent(header, offset);
    this.#appendContent(content);
    this.#endMessage(terminator);
  }

  /** A special token. The common transition of each state is handled here, the rest per state. */
  special(id: number, text: string, offset?: number): void {
    const terminator = terminatorOf(id);
    switch (this.#state) {
      case "idle":
        if (id === SPECIAL.start) this.#startHeader(null, "", offset);
        else this.#specialIdle(id, text, terminator, offset);
        return;
      case "header":
        if (id === SPECIAL.message) this.#startContent(this.#headerFor(this.#header, offset), offset);
        else this.#specialInHeader(id, text, terminator, offset);
        return;
      case "content":
        if (terminator) this.#endMessage(terminator);
        else this.#specialInContent(id, text, offset);
    }
  }

  /** A special token other than `<|start|>` between messages. */
  #specialIdle(
    id: number,
    text: string,
    terminator: Terminator | undefined,
    offset: number | undefined,
  ): void {
    if (id === SPECIAL.channel || id === SPECIAL.constrain) {
      this.#diag("MISSING_START", `${text} without <|start|>; assumed ${this.#defaultRole}`, offset);
      this.#startHeader(this.#defaultRole, text, offset);
    } else if (id === SPECIAL.message) {
      this.#diag("MISSING_START", `<|message|> without <|start|>; assumed ${this.#defaultRole}`, offset);
      this.#emit({ type: "message-start", index: this.#index, offset });
      this.#startContent({ role: this.#defaultRole }, offset);
    } else if (terminator) this.#diag("STRAY_STOP_TOKEN", `stray ${text} between messages ignored`, offset);
    else this.#diag("UNEXPECTED_TOKEN", `unexpected ${text} between messages ignored`, offset);
  }

  /** A special token other than `<|message|>` inside a header. */
  #specialInHeader(
    id: number,
    text: string,
    terminator: Terminator | undefined,
    offset: number | undefined,
  ): void {
    if (terminator) {
      const { header, content } = this.#resolveMissing(this.#header);
      if (header.channel !== undefined && rustTrim(content) === "" && terminator !== "call") {
        this.#diag("STOP_AS_SEPARATOR", `${text} after a channel header used as <|message|>`, offset);
        this.#startContent(header, offset);
        this.#appendContent(content);
      } else this.#flushMissing(terminator, offset, `ended by ${text}`);
    } else if (id === SPECIAL.start) this.#repeatedStart(offset);
    else this.#headerText(text, offset);
  }

  /** `<|start|>` inside a header: a repeated start (ignored) or the start of the next message. */
  #repeatedStart(offset: number | undefined): void {
    const trimmed = rustTrim(this.#header);
    if (trimmed === "" || (isRole(trimmed) && this.#presetRole === null) || trimmed === this.#presetRole) {
      this.#diag(
        "DUPLICATE_START",
        trimmed === "" ? "repeated <|start|> ignored" : `repeated <|start|> after «${trimmed}» ignored`,
        offset,
      );
      const keep = trimmed === "" ? this.#presetRole : null;
      this.#header = "";
      this.#presetRole = keep;
    } else {
      this.#flushMissing("none", offset, "interrupted by <|start|>");
      this.#startHeader(null, "", offset);
    }
  }

  /** A special token other than a stop token inside content. */
  #specialInContent(id: number, text: string, offset: number | undefined): void {
    if (id === SPECIAL.start) {
      this.#diag("MISSING_END", "message not terminated before <|start|>", offset);
      this.#endMessage("none");
      this.#startHeader(null, "", offset);
    } else if (id === SPECIAL.channel) {
      const role = this.#parsed!.role;
      this.#diag("MISSING_END", "new <|channel|> inside content starts a new message", offset);
      this.#endMessage("none");
      this.#startHeader(role, text, offset);
    } else {
      this.#diag("UNEXPECTED_TOKEN", `${text} inside content kept as text`, offset);
      this.#appendContent(text);
    }
  }

  #headerText(text: string, offset: number | undefined): void {
    this.#header += text;
    if (this.#header.length > MAX_HEADER_LENGTH) {
      const { header, content } = this.#resolveMissing(this.#header);
      this.#diag(
        "HEADER_TOO_LONG",
        `no <|message|> within ${MAX_HEADER_LENGTH} characters of header; treated as content`,
        this.#headerStart,
      );
      this.#startContent(header, offset);
      this.#appendContent(content);
      return;
    }
    // A header field becomes known only when a delimiter (whitespace or `<`) ends its word.
    // (A preset role is known at once: the first piece of each header is always looked at.)
    if (this.#streaming && (!this.#partialSeen || hasDelimiter(text))) this.#partialHeader();
  }

  /** Ordinary text. */
  text(text: string, offset?: number): void {
    switch (this.#state) {
      case "idle": {
        const start = skipWs(text, 0);
        if (start === text.length) return;
        const at = offset === undefined ? undefined : offset + start;
        this.#diag("TEXT_OUTSIDE_MESSAGE", `text outside a message kept as ${this.#defaultRole} content`, at);
        this.#emit({ type: "message-start", index: this.#index, offset: at });
        this.#startContent({ role: this.#defaultRole }, at);
        this.#appendContent(text.slice(start));
        return;
      }
      case "header":
        this.#headerText(text, offset);
        return;
      case "content":
        this.#appendContent(text);
    }
  }

  /**
   * Parses a whole text (one-shot), producing exactly what feeding it through {@link TextLexer} unit by
   * unit would, but without building header strings piece by piece: a header is sliced from the input
   * once at `<|message|>` and parsed through a small per-parser cache (completions repeat a handful of
   * headers). Does not call {@link eos}.
   */
  parseText(text: string): void {
    const end = this.feedText(text, 0);
    const lexer = new TextLexer(this, end);
    lexer.write(end === 0 ? text : text.slice(end));
    lexer.end();
  }

  /**
   * Consumes `text` (whose first character is at offset `base`) up to the end of its last special
   * token, as the lexer's units would have; returns that end. The rest may be an incomplete marker
   * and is for a {@link TextLexer} to deliver (or hold back).
   */
  feedText(text: string, base: number): number {
    let pos = 0; // start of the text not yet delivered
    let from = 0; // where to search for the next "<|"
    // >= 0 while a header that started empty is being deferred: it is text.slice(headerStart, at)
    let headerStart = this.#state === "header" && this.#header === "" ? 0 : -1;
    while (true) {
      const at = text.indexOf("<|", from);
      if (at < 0) break;
      const match = matchSpecialAt(text, at);
      if (match === undefined) {
        from = at + 1;
        continue;
      }
      const token = match[0];
      const id = match[1];
      const next = at + token.length;
      if (headerStart >= 0) {
        if ((id === SPECIAL.channel || id === SPECIAL.constrain) && next - headerStart <= MAX_HEADER_LENGTH) {
          from = pos = next; // header text and these markers stay deferred
          continue;
        }
        if (id === SPECIAL.message && at - headerStart <= MAX_HEADER_LENGTH) {
          const header = this.#headerFor(text.slice(headerStart, at), base + at);
          this.#startContent(header, base + at);
          headerStart = -1;
          from = pos = next;
          continue;
        }
        // anything else: deliver the deferred header units as the lexer would have, then go on
        this.#replay(text, headerStart, pos, base);
        headerStart = -1;
      }
      if (at > pos) this.text(text.slice(pos, at), base + pos);
      this.special(id, token, base + at);
      from = pos = next;
      if (this.#state === "header") {
        if (this.#header === "") headerStart = pos;
        else if (this.#header === token) {
          // a header opened by the marker itself (`<|channel|>` without `<|start|>`): defer it too
          this.#header = "";
          headerStart = at;
        }
      }
    }
    if (headerStart >= 0) this.#replay(text, headerStart, pos, base);
    return pos;
  }

  /**
   * Feeds `text[from, to)` unit by unit, as the lexer would have (`to` ends a special token, so
   * nothing is held back).
   */
  #replay(text: string, from: number, to: number, base: number): void {
    if (to <= from) return;
    const lexer = new TextLexer(this, base + from);
    lexer.write(text.slice(from, to));
    lexer.end();
  }

  readonly #memo = new HeaderMemo<{
    header: ParsedHeader;
    diags: { code: DiagnosticCode; message: string }[];
  }>();

  /** {@link parseTolerantHeader} of `raw`, memoised by header text and preset role (diagnostics replayed). */
  #headerFor(raw: string, offset: number | undefined): ParsedHeader {
    const known = this.#memo.get(raw, this.#presetRole);
    if (known !== undefined) {
      for (const d of known.diags) this.#diag(d.code, d.message, offset);
      return known.header;
    }
    const diags: { code: DiagnosticCode; message: string }[] = [];
    this.#capture = diags;
    let header: ParsedHeader;
    try {
      header = parseTolerantHeader(raw, this.#presetRole, this.#defaultRole, (code, message) =>
        this.#diag(code, message, offset),
      );
    } finally {
      this.#capture = undefined;
    }
    this.#memo.set(raw, this.#presetRole, { header, diags });
    return header;
  }

  /** A token id outside the vocabulary: kept as U+FFFD. */
  invalid(id: number, offset?: number): void {
    this.#diag("INVALID_TOKEN", `token id ${id} is not in the vocabulary; replaced by U+FFFD`, offset);
    this.text("\uFFFD", offset);
  }

  /** End of stream. */
  eos(offset?: number): void {
    if (this.#state === "content") this.#endMessage("eos");
    else if (this.#state === "header") {
      if (rustTrim(this.#header) === "") {
        this.#state = "idle";
        return;
      }
      this.#flushMissing("eos", offset, "at end of stream");
    }
  }
}
