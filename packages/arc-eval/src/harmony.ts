import { extractFinalText, type MessageInput, renderConversationForCompletion } from "@rlops/harmony-format";
import { ArcError } from "./errors.js";

const START = "<|start|>";
const END_TOKENS = ["<|end|>", "<|return|>", "<|call|>", START];
const FINAL = "<|channel|>final";

/** Span of the last final-channel message by direct marker scan (also tolerates `final<|return|>` typos). */
function scanFinal(text: string): { start: number; end: number } | null {
  const at = text.lastIndexOf(FINAL);
  if (at < 0) return null;
  let p = at + FINAL.length;
  const message = text.indexOf("<|message|>", p);
  const nextToken = text.indexOf("<|", p);
  if (message >= 0 && message === nextToken) p = message + "<|message|>".length;
  else if (nextToken === p) {
    // malformed header such as "<|channel|>final<|return|>": skip the token, read what follows
    const close = text.indexOf("|>", p + 2);
    if (close >= 0) p = close + 2;
  } else {
    // "<|channel|>final <|constrain|>…<|message|>" or trailing header text
    if (message >= 0) p = message + "<|message|>".length;
  }
  let end = text.length;
  for (const token of END_TOKENS) {
    const e = text.indexOf(token, p);
    if (e >= 0 && e < end) end = e;
  }
  return { start: p, end };
}

/**
 * The span of the harmony `final` channel text inside `text`, or `null` when there is none.
 * Uses `extractFinalText` from `@rlops/harmony-format` and maps its result back to offsets;
 * falls back to a marker scan for completions the parser does not read (e.g. truncated headers).
 */
export function finalChannelSpan(text: string): { start: number; end: number } | null {
  let final: string | null = null;
  try {
    final = extractFinalText(text);
  } catch {
    final = null; // tolerant parsing never throws; stay never-throw even if it did
  }
  if (final !== null && final.length > 0) {
    const at = text.lastIndexOf(final);
    if (at >= 0) return { start: at, end: at + final.length };
  }
  return scanFinal(text);
}

/** Harmony options of the `"harmony"` prompt style. */
export interface HarmonyPromptOptions {
  /** Developer instructions, rendered as a harmony developer message before the user turn. */
  developerInstructions?: string;
  /** Reasoning effort, rendered in a harmony system message. */
  reasoningEffort?: "low" | "medium" | "high";
}

/** Renders `userText` as a harmony user turn followed by `<|start|>assistant`, via `@rlops/harmony-format`. */
export function renderHarmonyPrompt(userText: string, options: HarmonyPromptOptions = {}): string {
  const messages: MessageInput[] = [];
  if (options.reasoningEffort)
    messages.push({
      role: "system",
      content: [{ type: "system_content", reasoning_effort: options.reasoningEffort }],
    });
  if (options.developerInstructions)
    messages.push({
      role: "developer",
      content: [{ type: "developer_content", instructions: options.developerInstructions }],
    });
  messages.push({ role: "user", content: userText });
  try {
    return renderConversationForCompletion(messages, "assistant");
  } catch (cause) {
    throw new ArcError({
      code: "HARMONY_RENDER_FAILED",
      message: `harmony prompt: ${(cause as Error).message}`,
      cause,
    });
  }
}
