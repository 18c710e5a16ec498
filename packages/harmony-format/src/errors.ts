import { RlopsError } from "@rlops/errors";

/**
 * Stable codes of {@link HarmonyError}.
 *
 * - `INVALID_CONVERSATION`: a conversation / message did not match the harmony wire format.
 * - `INVALID_ROLE`: a role string is not one of `user|assistant|system|developer|tool`.
 * - `INVALID_OPTIONS`: an option passed to a function is not valid.
 * - `RENDER_FAILED`: the reference renderer would fail (message text is the reference's error string).
 * - `PARSE_FAILED`: strict or lenient parsing failed (message text is the reference's error string).
 * - `INVALID_TOKEN`: a token id is outside the o200k_harmony vocabulary, or bytes are not UTF-8.
 * - `DISALLOWED_SPECIAL`: text passed to `encode` contains a special token that is not allowed.
 * - `TOKENIZER_NOT_LOADED`: a token function ran where the ranks cannot load synchronously (a browser)
 *   before `await loadO200kRanks()`.
 */
export type HarmonyErrorCode =
  | "INVALID_CONVERSATION"
  | "INVALID_ROLE"
  | "INVALID_OPTIONS"
  | "RENDER_FAILED"
  | "PARSE_FAILED"
  | "INVALID_TOKEN"
  | "DISALLOWED_SPECIAL"
  | "TOKENIZER_NOT_LOADED";

/** Base error of `@rlops/harmony-format`; check with `HarmonyError.isInstance(e)`. */
export class HarmonyError extends RlopsError<HarmonyErrorCode> {
  static override readonly marker = RlopsError.markerFor("harmony-format");
}
