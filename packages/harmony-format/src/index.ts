/** Builders for SystemContent / DeveloperContent with the reference defaults. */
export { developerContent, systemContent } from "./builders.js";
export type { HarmonyErrorCode } from "./errors.js";
/** Error class of this package; every error has a stable `code`. */
export { HarmonyError } from "./errors.js";
export type {
  DropAnalysisPolicy,
  ExtractOptions,
  TextOrMessages,
  ToolCall,
  WireMessageLike,
} from "./extract.js";
/** Extraction helpers: final answer, analysis text, tool calls, history normalisation, CoT dropping. */
export {
  dropAnalysis,
  extractAnalysisText,
  extractFinalText,
  extractToolCalls,
  normalizeHistory,
} from "./extract.js";
export type { RenderConfig, RenderKind, RenderMessageOptions } from "./render.js";
/** Text renderers (byte-identical to openai/harmony v0.0.8). */
export {
  developerContentText,
  renderConversation,
  renderConversationForCompletion,
  renderConversationForTraining,
  renderMessage,
  systemContentText,
} from "./render.js";
export type {
  ChannelConfig,
  Content,
  Conversation,
  ConversationInput,
  DeveloperContent,
  Message,
  MessageInput,
  ReasoningEffort,
  Role,
  SystemContent,
  TextContent,
  ToolDescription,
  ToolNamespaceConfig,
  WireContent,
  WireMessage,
} from "./schema.js";
/** Wire-format schemas (zod) and conversions. */
export {
  conversationFromJSON,
  conversationSchema,
  conversationToJSON,
  messageSchema,
  messageToJSON,
  parseRole,
  roleSchema,
} from "./schema.js";
/** Special token ids of o200k_harmony. */
export { SPECIAL as SPECIAL_TOKENS } from "./special.js";
export type { ParseMode, ParseOptions, ParseResult, StreamParser, StreamParserOptions } from "./stream.js";
/** Text parsers: one-shot and streaming. */
export { createStreamParser, parseMessagesFromText } from "./stream.js";
export type { Diagnostic, DiagnosticCode, HeaderFields, MessageTerminator, StreamEvent } from "./tolerant.js";
/** Most diagnostics one parse keeps (the rest are counted in a `DIAGNOSTICS_TRUNCATED` entry). */
export { MAX_DIAGNOSTICS } from "./tolerant.js";
export type { SchemaMode } from "./ts-schema.js";
