import { TextLexer } from "./lexer.js";
import { SPECIAL } from "./special.js";
import { type ParseOptions, parseMessagesFromText } from "./stream.js";

/** Messages or harmony text (parsed with the tolerant parser, `role` unknown). */
export type TextOrMessages = string | readonly WireMessageLike[];

/** Anything with the wire-message fields the helpers read. */
export interface WireMessageLike {
  role: string;
  recipient?: string | null;
  channel?: string | null;
  content_type?: string | null;
  content: string | readonly { type: string; text?: string }[];
}

/** Options of the extract helpers when given text: the `role` the completion starts with (tolerant parse). */
export interface ExtractOptions {
  /** The prompt ended with `<|start|>{role}` (e.g. `assistant`); see {@link ParseOptions.role}. */
  role?: ParseOptions["role"];
}

function toMessages(input: TextOrMessages, options?: ExtractOptions): readonly WireMessageLike[] {
  if (typeof input === "string") return parseMessagesFromText(input, { role: options?.role }).messages;
  return Array.isArray(input) ? input : [];
}

function textOf(message: WireMessageLike): string {
  if (typeof message.content === "string") return message.content;
  return message.content.map((part) => (part.type === "text" ? (part.text ?? "") : "")).join("");
}

function isToolCall(message: WireMessageLike): boolean {
  return message.recipient !== undefined && message.recipient !== null && message.recipient !== "all";
}

/**
 * The final answer: content of the last assistant message on channel `final`. When no message has a
 * channel at all (plain text without markers, as in some gpt-oss ARC logs), the last assistant message
 * that is not a tool call. Otherwise `null`. Never throws.
 */
export function extractFinalText(input: TextOrMessages, options?: ExtractOptions): string | null {
  const messages = toMessages(input, options);
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role === "assistant" && message.channel === "final") return textOf(message);
  }
  if (messages.some((message) => message.channel !== undefined && message.channel !== null)) return null;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role === "assistant" && !isToolCall(message)) return textOf(message);
  }
  return null;
}

/** Text of every assistant `analysis` message (tool calls excluded), joined with `"\n"`; `null` if none. */
export function extractAnalysisText(input: TextOrMessages, options?: ExtractOptions): string | null {
  const parts = toMessages(input, options)
    .filter(
      (message) => message.role === "assistant" && message.channel === "analysis" && !isToolCall(message),
    )
    .map(textOf);
  return parts.length > 0 ? parts.join("\n") : null;
}

/** A tool call found in assistant output. */
export interface ToolCall {
  /** Full recipient, e.g. `functions.get_weather`, `browser.search`, `python`. */
  recipient: string;
  /** Namespace before the first `.` (`functions`), or the whole recipient when there is no dot. */
  namespace: string;
  /** Tool name after the namespace (`get_weather`); equals `recipient` when there is no dot. */
  name: string;
  /** Channel the call was made on (any channel is accepted, including `analysis`). */
  channel?: string;
  /** Content type, e.g. `<|constrain|>json`. */
  contentType?: string;
  /** Raw arguments text (message content). */
  argumentsText: string;
  /** Parsed JSON arguments, or `undefined` when the text is not JSON. */
  arguments: unknown;
  /** Why `arguments` is undefined, if it is. */
  argumentsError?: string;
  /** Index of the message in the parsed output. */
  messageIndex: number;
}

/** Extracts tool calls (assistant messages with a recipient) on any channel; arguments parsed as JSON. */
export function extractToolCalls(input: TextOrMessages, options?: ExtractOptions): ToolCall[] {
  const calls: ToolCall[] = [];
  toMessages(input, options).forEach((message, messageIndex) => {
    if (message.role !== "assistant" || !isToolCall(message)) return;
    const recipient = message.recipient!;
    const dot = recipient.indexOf(".");
    const argumentsText = textOf(message);
    const call: ToolCall = {
      recipient,
      namespace: dot >= 0 ? recipient.slice(0, dot) : recipient,
      name: dot >= 0 ? recipient.slice(dot + 1) : recipient,
      argumentsText,
      arguments: undefined,
      messageIndex,
    };
    if (message.channel) call.channel = message.channel;
    if (message.content_type) call.contentType = message.content_type;
    try {
      call.arguments = JSON.parse(argumentsText);
    } catch (error) {
      call.argumentsError = (error as Error).message;
    }
    calls.push(call);
  });
  return calls;
}

/**
 * History normalisation for a rendered completion stored back into a prompt: every `<|return|>` special
 * token becomes `<|end|>` (format docs: keep `<|return|>` only for training targets).
 */
export function normalizeHistory(text: string): string {
  let out = "";
  const lexer = new TextLexer({
    special(id, token) {
      out += id === SPECIAL.return ? "<|end|>" : token;
    },
    text(chunk) {
      out += chunk;
    },
  });
  lexer.write(text);
  lexer.end();
  return out;
}

/** Policies for dropping chain-of-thought from history. */
export type DropAnalysisPolicy = "reference" | "all" | "keep-tool-loop";

/**
 * Drops `analysis` messages from a message list.
 * - `reference`: exactly `auto_drop_analysis` (only when the last assistant message is final; only
 *   before the first final message).
 * - `all`: every analysis message.
 * - `keep-tool-loop`: every analysis message before the last user message (reasoning of the current
 *   tool-calling turn is kept, the fix discussed in vLLM PR #35907).
 */
export function dropAnalysis<T extends WireMessageLike>(
  messages: readonly T[],
  policy: DropAnalysisPolicy,
): T[] {
  if (policy === "all") return messages.filter((message) => message.channel !== "analysis");
  if (policy === "keep-tool-loop") {
    let lastUser = -1;
    messages.forEach((message, index) => {
      if (message.role === "user") lastUser = index;
    });
    return messages.filter((message, index) => !(index < lastUser && message.channel === "analysis"));
  }
  let lastAssistantFinal = false;
  for (let i = messages.length - 1; i >= 0; i--)
    if (messages[i]!.role === "assistant") {
      lastAssistantFinal = messages[i]!.channel === "final";
      break;
    }
  if (!lastAssistantFinal) return [...messages];
  const firstFinal = messages.findIndex((message) => message.channel === "final");
  return messages.filter((message, index) => !(index < firstFinal && message.channel === "analysis"));
}
