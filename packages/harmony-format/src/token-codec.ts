import { o200kVocabulary as vocab } from "./bpe.js";
import { HarmonyError } from "./errors.js";
import { TextLexer } from "./lexer.js";
import { LAST_SPECIAL_ID, SPECIAL, specialId, specialText } from "./special.js";
import { utf8DecodeLossy } from "./utf8.js";

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
