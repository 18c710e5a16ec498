import { TextAccumulator } from "./accumulator.js";
import { HarmonyError } from "./errors.js";
import { HeaderMemo, type ParsedHeader, parseHeaderString, rustDebugString } from "./header.js";
import type { Role, WireMessage } from "./schema.js";
import { isStopToken, SPECIAL } from "./special.js";
import { checkUtf8, utf8DecodeLossy, utf8DecodeValid, utf8Encode } from "./utf8.js";

/** Parser state names, as the reference's `StreamState`. */
export type ReferenceState = "ExpectStart" | "Header" | "Content";

const REPLACEMENT = "\uFFFD";

type HeaderPiece = string | Uint8Array | number; // a number = out-of-vocabulary token id

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new HarmonyError({ code: "PARSE_FAILED", message, details });
}

/** Turns a parsed header + content into a wire message (key order as the reference's serde output). */
export function headerToMessage(header: ParsedHeader, content: string): WireMessage {
  const out = { role: header.role } as WireMessage;
  if (header.name !== undefined) out.name = header.name;
  if (header.recipient !== undefined) out.recipient = header.recipient;
  out.content = content;
  if (header.channel !== undefined) out.channel = header.channel;
  if (header.content_type !== undefined) out.content_type = header.content_type;
  return out;
}

/**
 * A faithful port of openai/harmony v0.0.8's `StreamableParser`: same states, same messages, same error
 * strings, same UTF-8 buffering (invalid sequences → U+FFFD; an out-of-vocabulary id blocks decoding
 * for the rest of the message). Fed one unit at a time: a special token, ordinary text, the bytes of an
 * ordinary token, or an invalid id. Errors are thrown as `HarmonyError` code `PARSE_FAILED`.
 */
export class ReferenceParser {
  state: ReferenceState;
  /** Messages completed so far. */
  readonly messages: WireMessage[] = [];
  lastContentDelta: string | null = null;
  #nextRole: Role | null;
  readonly #strict: boolean;
  #header: HeaderPiece[] = [];
  #parsed: ParsedHeader | null = null;
  #content = new TextAccumulator();
  #pendingBytes: number[] = [];
  #oov = false;

  constructor(role: Role | null, strict: boolean) {
    this.#strict = strict;
    this.#nextRole = role;
    this.state = role !== null ? "Header" : "ExpectStart";
  }

  /** Role of the current message (reference `current_role`). */
  get currentRole(): Role | null {
    return this.state === "Content" ? this.#parsed!.role : this.#nextRole;
  }
  /** Channel of the current message, known only in Content state. */
  get currentChannel(): string | null {
    return this.state === "Content" ? (this.#parsed!.channel ?? null) : null;
  }
  /** Recipient of the current message, known only in Content state. */
  get currentRecipient(): string | null {
    return this.state === "Content" ? (this.#parsed!.recipient ?? null) : null;
  }
  /** Content type of the current message, known only in Content state. */
  get currentContentType(): string | null {
    return this.state === "Content" ? (this.#parsed!.content_type ?? null) : null;
  }
  /** Parsed header of the current message (Content state only). */
  get currentHeader(): ParsedHeader | null {
    return this.state === "Content" ? this.#parsed : null;
  }
  /** Decoded content of the current message so far. */
  get currentContent(): string {
    return this.state === "Content" ? this.#content.value() : "";
  }

  /** A special token id (including stop tokens and reserved ids). */
  special(id: number, text: string): void {
    switch (this.state) {
      case "ExpectStart":
        if (id === SPECIAL.start) {
          this.#header = [];
          this.state = "Header";
        } else fail(`Unexpected token ${id} while expecting start token ${SPECIAL.start}`, { token: id });
        return;
      case "Header":
        if (id === SPECIAL.message) this.#finishHeader();
        else if (!this.#strict && isStopToken(id)) this.#stopInHeader();
        else this.#header.push(text);
        return;
      case "Content":
        if (isStopToken(id)) this.#finishMessage();
        else this.#contentBytes(null, text);
    }
  }

  /** Ordinary text (already valid UTF-8). */
  text(text: string): void {
    this.#ordinary(null, text);
  }

  /**
   * Bytes of one ordinary token; `text` is its decode when the bytes alone are valid UTF-8 (a cache
   * the caller may provide; it never changes the result).
   */
  bytes(bytes: Uint8Array, id: number, text: string | null = null): void {
    if (text !== null && this.state === "Content") this.#contentBytes(bytes, text);
    else this.#ordinary(bytes, null, id);
  }

  /** A token id outside the vocabulary. */
  invalid(id: number): void {
    switch (this.state) {
      case "ExpectStart":
        fail(`Unexpected token ${id} while expecting start token ${SPECIAL.start}`, { token: id });
        break;
      case "Header":
        this.#header.push(id);
        break;
      case "Content":
        this.#oov = true;
        this.lastContentDelta = null;
    }
  }

  /** End of stream (reference `process_eos`). */
  eos(): void {
    if (this.state === "Header") fail("Unexpected EOS while waiting for message header to complete");
    if (this.state === "Content") this.#finishMessage();
  }

  #ordinary(bytes: Uint8Array | null, text: string | null, id?: number): void {
    switch (this.state) {
      case "ExpectStart":
        if (id !== undefined)
          fail(`Unexpected token ${id} while expecting start token ${SPECIAL.start}`, { token: id });
        fail(
          `Unexpected text ${rustDebugString(String.fromCodePoint(text!.codePointAt(0)!))} while expecting start token ${SPECIAL.start}`,
        );
        break;
      case "Header":
        this.#header.push(bytes ?? text!);
        break;
      case "Content":
        this.#contentBytes(bytes, text);
    }
  }

  #contentBytes(bytes: Uint8Array | null, text: string | null): void {
    if (this.#oov) {
      this.lastContentDelta = null;
      return;
    }
    if (text !== null && this.#pendingBytes.length === 0) {
      if (text === "") return;
      this.#content.push(text);
      this.lastContentDelta = text;
      return;
    }
    const add = bytes ?? utf8Encode(text!);
    for (let i = 0; i < add.length; i++) this.#pendingBytes.push(add[i]!);
    const buffer = this.#pendingBytes;
    const check = checkUtf8(buffer);
    if (check.ok) {
      const decoded = utf8DecodeValid(Uint8Array.from(buffer));
      this.#content.push(decoded);
      this.lastContentDelta = decoded;
      this.#pendingBytes = [];
      return;
    }
    let delta = "";
    if (check.validUpTo > 0) {
      const valid = utf8DecodeValid(Uint8Array.from(buffer.slice(0, check.validUpTo)));
      this.#content.push(valid);
      delta += valid;
      buffer.splice(0, check.validUpTo);
    }
    if (check.errorLen !== null) {
      this.#content.push(REPLACEMENT);
      delta += REPLACEMENT;
      buffer.splice(0, check.errorLen);
    } else this.lastContentDelta = null;
    if (delta !== "") this.lastContentDelta = delta;
  }

  /** Decodes the header like the tokenizer's `decode_utf8`: the error text, or the string. */
  #decodeHeader(): { ok: true; text: string } | { ok: false; error: string } {
    if (this.#header.every((piece) => typeof piece === "string"))
      return { ok: true, text: (this.#header as string[]).join("") };
    const oov = this.#header.find((piece) => typeof piece === "number");
    if (oov !== undefined) return { ok: false, error: `Invalid token for decoding: ${oov}` };
    const chunks = this.#header.map((piece) =>
      typeof piece === "string" ? utf8Encode(piece) : (piece as Uint8Array),
    );
    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    const check = checkUtf8(all);
    if (!check.ok) return { ok: false, error: `Invalid utf-8 sequence at byte ${check.validUpTo}` };
    return { ok: true, text: utf8DecodeValid(all) };
  }

  #finishHeader(): void {
    const role = this.#nextRole;
    this.state = "ExpectStart";
    const decoded = this.#decodeHeader();
    if (!decoded.ok) fail("could not decode header", { cause: decoded.error });
    const result = this.#parseCached(decoded.text, role);
    if (!result.ok) fail(result.error);
    if (result.remaining !== undefined)
      fail(`unexpected tokens remaining in message header: Some(${rustDebugString(result.remaining)})`);
    this.#nextRole = null;
    this.#parsed = result.header;
    this.#content.clear();
    this.state = "Content";
  }

  readonly #memo = new HeaderMemo<ReturnType<typeof parseHeaderString>>();

  /** `parseHeaderString(text, role, true)`, memoised. */
  #parseCached(text: string, role: Role | null): ReturnType<typeof parseHeaderString> {
    let result = this.#memo.get(text, role);
    if (result === undefined) {
      result = parseHeaderString(text, role, true);
      this.#memo.set(text, role, result);
    }
    return result;
  }

  #stopInHeader(): void {
    const role = this.#nextRole;
    if (role !== null && this.#header.length > 0) {
      const decoded = this.#decodeHeader();
      if (!decoded.ok) fail(decoded.error);
      const result = parseHeaderString(decoded.text, role, false);
      if (!result.ok) fail(result.error);
      this.messages.push(headerToMessage(result.header, result.remaining ?? ""));
    }
    this.#header = [];
    this.state = "ExpectStart";
    this.#nextRole = null;
  }

  #finishMessage(): void {
    const text =
      this.#content.value() +
      (this.#oov ? REPLACEMENT : "") +
      utf8DecodeLossy(Uint8Array.from(this.#pendingBytes));
    this.messages.push(headerToMessage(this.#parsed!, text));
    this.state = "ExpectStart";
    this.lastContentDelta = null;
    this.#pendingBytes = [];
    this.#oov = false;
    this.#content.clear();
    this.#header = [];
  }
}
