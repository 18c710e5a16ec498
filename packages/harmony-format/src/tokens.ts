/**
 * `@rlops/harmony-format/tokens`: o200k_harmony token ids. Ships the o200k_base ranks through the
 * `js-tiktoken` registry package (nothing is downloaded at run time); the 2.3 MiB ranks module is loaded
 * on first use, not at import.
 */
import { o200kVocabulary, type Vocabulary } from "./bpe.js";

export type { Vocabulary } from "./bpe.js";
/**
 * Loads the o200k_base ranks ahead of use. Importing this module never loads them; on Node the first
 * token function loads them synchronously, elsewhere (browsers) await this once first.
 */
export { loadO200kRanks } from "./bpe.js";
export { StreamableParser } from "./streamable.js";
export type { EncodeOptions } from "./token-codec.js";
export {
  decode,
  decodeBytes,
  decodeUtf8,
  encode,
  encodeOrdinary,
  isSpecialToken,
  MAX_MESSAGE_TOKENS,
  specialTokenId,
  specialTokenIds,
  stopTokens,
  stopTokensForAssistantActions,
  TOKENIZER_NAME,
} from "./token-codec.js";
export type { TokenStreamParser } from "./token-parse.js";
export { createTokenStreamParser, parseMessagesFromTokens } from "./token-parse.js";
export {
  renderConversationForCompletionTokens,
  renderConversationForTrainingTokens,
  renderConversationTokens,
  renderMessageTokens,
} from "./token-render.js";

/** The bundled o200k_base vocabulary (ordinary tokens 0–199997), loaded on first call. */
export const vocabulary = (): Vocabulary => o200kVocabulary();
