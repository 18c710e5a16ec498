import { HarmonyError } from "./errors.js";
import {
  type Content,
  type Conversation,
  type ConversationInput,
  contentParts,
  conversationFromJSON,
  type DeveloperContent,
  type Message,
  type MessageInput,
  messageFromJSON,
  type Role,
  roleSchema,
  type SystemContent,
  type ToolNamespaceConfig,
} from "./schema.js";
import { SPECIAL, specialText } from "./special.js";
import { compatSchemaToTypeScript, improvedSchemaToTypeScript, type SchemaMode } from "./ts-schema.js";

/**
 * One rendering step: a number is a special token id, a string is text that the reference tokenises in
 * its own `encode_ordinary` call (BPE never merges across segments).
 */
export type Segment = number | string;

/**
 * Options of the conversation renderers.
 *
 * `autoDropAnalysis` follows the reference exactly: when true **and** the last assistant message is on
 * channel `final`, every `analysis` message before the first `final` message is dropped. The default
 * (`undefined`/`false`) is the Rust behaviour (`config: None`, nothing dropped); note the Python binding
 * defaults to `{auto_drop_analysis: true}`.
 */
export interface RenderConfig {
  /** Drop chain-of-thought before the first final answer (reference `auto_drop_analysis`). Default false. */
  autoDropAnalysis?: boolean;
  /** Alias of `autoDropAnalysis` with the reference's spelling (`RenderConversationConfig`). */
  auto_drop_analysis?: boolean;
  /** `"compat"` (default) reproduces the reference's JSON Schema → TypeScript; `"improved"` fixes its bugs. */
  schemaMode?: SchemaMode;
  /**
   * Completion renders only: text appended after `<|start|>{role}` to prefill a channel, e.g.
   * `"final"` renders `<|start|>assistant<|channel|>final<|message|>`. Not in the reference.
   */
  prefillChannel?: string;
}

/** Options of {@link renderMessage}. */
export interface RenderMessageOptions {
  /** Reference `RenderOptions.conversation_has_function_tools` (adds the "Calls to these tools…" line). */
  conversationHasFunctionTools?: boolean;
  /** JSON Schema rendering mode. */
  schemaMode?: SchemaMode;
}

interface Ctx {
  hasFunctionTools: boolean;
  schemaMode: SchemaMode;
}

/** Rust `str::lines()`: split on `\n`, strip one trailing `\r`, no trailing empty line. */
function rustLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
}

function toolsSection(tools: Record<string, ToolNamespaceConfig>, mode: SchemaMode): string {
  const sections = ["# Tools"];
  const keys = Object.keys(tools).sort(compareUtf8);
  for (const key of keys) {
    const ns = tools[key]!;
    const content: string[] = [`## ${ns.name}\n`];
    if (ns.description !== null)
      for (const line of rustLines(ns.description)) content.push(ns.tools.length > 0 ? `// ${line}` : line);
    if (ns.tools.length > 0) {
      content.push(`namespace ${ns.name} {\n`);
      for (const tool of ns.tools) {
        for (const line of rustLines(tool.description)) content.push(`// ${line}`);
        if (tool.parameters !== undefined) {
          let paramType: string;
          if (mode === "improved") {
            const desc = (tool.parameters as { description?: unknown } | null)?.description;
            if (typeof desc === "string") for (const line of rustLines(desc)) content.push(`// ${line}`);
            paramType = improvedSchemaToTypeScript(tool.parameters);
          } else paramType = compatSchemaToTypeScript(tool.parameters, "");
          content.push(`type ${tool.name} = (_: ${paramType}) => any;\n`);
        } else content.push(`type ${tool.name} = () => any;\n`);
      }
      content.push(`} // namespace ${ns.name}`);
    }
    sections.push(content.join("\n"));
  }
  return sections.join("\n\n");
}

/** Rust `BTreeMap<String, _>` order: byte-wise UTF-8 comparison. */
function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** The text body of a SystemContent part. */
export function systemContentText(sys: SystemContent, options: RenderMessageOptions = {}): string {
  const sections: string[] = [];
  const top: string[] = [];
  if (sys.model_identity !== undefined) top.push(sys.model_identity);
  if (sys.knowledge_cutoff !== undefined) top.push(`Knowledge cutoff: ${sys.knowledge_cutoff}`);
  if (sys.conversation_start_date !== undefined) top.push(`Current date: ${sys.conversation_start_date}`);
  if (top.length > 0) sections.push(top.join("\n"));
  if (sys.reasoning_effort !== undefined) sections.push(`Reasoning: ${sys.reasoning_effort.toLowerCase()}`);
  if (sys.tools !== undefined && Object.keys(sys.tools).length > 0)
    sections.push(toolsSection(sys.tools, options.schemaMode ?? "compat"));
  const channels = sys.channel_config;
  if (channels !== undefined && channels.valid_channels.length > 0) {
    let header = `# Valid channels: ${channels.valid_channels.join(", ")}.`;
    if (channels.channel_required) header += " Channel must be included for every message.";
    if (options.conversationHasFunctionTools)
      header += "\nCalls to these tools must go to the commentary channel: 'functions'.";
    sections.push(header);
  }
  return sections.join("\n\n");
}

/** The text body of a DeveloperContent part. */
export function developerContentText(dev: DeveloperContent, options: RenderMessageOptions = {}): string {
  const sections: string[] = [];
  if (dev.instructions !== undefined) sections.push("# Instructions", dev.instructions);
  if (dev.tools !== undefined && Object.keys(dev.tools).length > 0)
    sections.push(toolsSection(dev.tools, options.schemaMode ?? "compat"));
  return sections.join("\n\n");
}

function roleDebug(role: Role): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}

/** Appends the segments of one message (reference `render(message)`). */
function messageSegments(message: Message, ctx: Ctx, out: Segment[]): void {
  out.push(SPECIAL.start);
  if (message.role === "tool") {
    if (message.name === undefined)
      throw new HarmonyError({ code: "RENDER_FAILED", message: "Tools should have a name!" });
    out.push(message.name);
  } else {
    out.push(message.role);
    if (message.name !== undefined) out.push(`:${message.name}`);
  }
  if (message.recipient !== undefined && message.recipient !== "all") out.push(` to=${message.recipient}`);
  if (message.channel !== undefined) out.push(SPECIAL.channel, message.channel);
  if (message.content_type !== undefined) {
    const marker = "<|constrain|>";
    if (message.content_type.startsWith(marker)) {
      out.push(" ", SPECIAL.constrain);
      const rest = message.content_type.slice(marker.length);
      if (rest !== "") out.push(rest);
    } else out.push(` ${message.content_type}`);
  }
  out.push(SPECIAL.message);
  const options: RenderMessageOptions = {
    conversationHasFunctionTools: ctx.hasFunctionTools,
    schemaMode: ctx.schemaMode,
  };
  for (const part of contentParts(message)) {
    if (part.type === "system_content" && message.role !== "system")
      throw new HarmonyError({
        code: "RENDER_FAILED",
        message: `SystemContent may only appear in system messages, found in ${roleDebug(message.role)}`,
      });
    if (part.type === "developer_content" && message.role !== "developer")
      throw new HarmonyError({
        code: "RENDER_FAILED",
        message: `DeveloperContent may only appear in developer messages, found in ${roleDebug(message.role)}`,
      });
    out.push(partText(part, options));
  }
  out.push(message.role === "assistant" && message.recipient !== undefined ? SPECIAL.call : SPECIAL.end);
}

function partText(part: Content, options: RenderMessageOptions): string {
  if (part.type === "text") return part.text;
  if (part.type === "system_content") return systemContentText(part, options);
  return developerContentText(part, options);
}

function hasFunctionTools(messages: Message[]): boolean {
  return messages.some((message) =>
    contentParts(message).some(
      (part) => part.type === "developer_content" && (part.tools?.functions?.tools.length ?? 0) > 0,
    ),
  );
}

function normaliseConversation(conversation: Conversation | ConversationInput | MessageInput[]): Message[] {
  return conversationFromJSON(conversation).messages;
}

/** Segments of a conversation (reference `render_conversation_into`). */
function conversationSegments(messages: Message[], config: RenderConfig | undefined): Segment[] {
  const ctx: Ctx = {
    hasFunctionTools: hasFunctionTools(messages),
    schemaMode: config?.schemaMode ?? "compat",
  };
  let lastAssistantIsFinal = false;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === "assistant") {
      lastAssistantIsFinal = messages[i]!.channel === "final";
      break;
    }
  }
  const autoDrop = config?.autoDropAnalysis ?? config?.auto_drop_analysis ?? false;
  const shouldDrop = autoDrop === true && lastAssistantIsFinal;
  const firstFinal = messages.findIndex((message) => message.channel === "final");
  const out: Segment[] = [];
  messages.forEach((message, index) => {
    if (shouldDrop && firstFinal >= 0 && index < firstFinal && message.channel === "analysis") return;
    messageSegments(message, ctx, out);
  });
  return out;
}

/** Which conversation render to perform. */
export type RenderKind = "conversation" | "completion" | "training";

/** Segments for any of the three conversation renders. */
export function renderSegments(
  kind: RenderKind,
  conversation: Conversation | ConversationInput | MessageInput[],
  nextTurnRole: Role | undefined,
  config: RenderConfig | undefined,
): Segment[] {
  const messages = normaliseConversation(conversation);
  const out = conversationSegments(messages, config);
  if (kind === "completion") {
    const role = roleSchema.safeParse(nextTurnRole);
    if (!role.success)
      throw new HarmonyError({
        code: "INVALID_ROLE",
        message: `unknown role: ${String(nextTurnRole)}`,
        details: { value: nextTurnRole },
      });
    out.push(SPECIAL.start, role.data);
    if (config?.prefillChannel !== undefined)
      out.push(SPECIAL.channel, config.prefillChannel, SPECIAL.message);
  } else if (kind === "training") {
    const last = messages[messages.length - 1];
    if (last && last.role === "assistant" && last.channel === "final" && out.length > 0)
      out[out.length - 1] = SPECIAL.return;
  }
  return out;
}

/** Joins segments into text (special ids become their `<|…|>` text). */
function segmentsToText(segments: Segment[]): string {
  let text = "";
  for (const segment of segments) text += typeof segment === "number" ? specialText(segment)! : segment;
  return text;
}

/** Renders a conversation as harmony text (reference `render_conversation`, decoded). */
export function renderConversation(
  conversation: Conversation | ConversationInput | MessageInput[],
  config?: RenderConfig,
): string {
  return segmentsToText(renderSegments("conversation", conversation, undefined, config));
}

/**
 * Renders a conversation followed by `<|start|>{nextTurnRole}` — the prompt for sampling the next turn
 * (reference `render_conversation_for_completion`). `config.prefillChannel` optionally opens a channel.
 *
 * @throws HarmonyError `INVALID_CONVERSATION`, `INVALID_ROLE` or `RENDER_FAILED`.
 */
export function renderConversationForCompletion(
  conversation: Conversation | ConversationInput | MessageInput[],
  nextTurnRole: Role,
  config?: RenderConfig,
): string {
  return segmentsToText(renderSegments("completion", conversation, nextTurnRole, config));
}

/**
 * Renders a conversation for training: as {@link renderConversation}, but when the last message is an
 * assistant message on channel `final` its terminator becomes `<|return|>`.
 */
export function renderConversationForTraining(
  conversation: Conversation | ConversationInput | MessageInput[],
  config?: RenderConfig,
): string {
  return segmentsToText(renderSegments("training", conversation, undefined, config));
}

/** Segments of a single message (reference `render(message, render_options)`). */
export function singleMessageSegments(
  message: Message | MessageInput,
  options?: RenderMessageOptions,
): Segment[] {
  const out: Segment[] = [];
  messageSegments(
    messageFromJSON(message),
    {
      hasFunctionTools: options?.conversationHasFunctionTools ?? false,
      schemaMode: options?.schemaMode ?? "compat",
    },
    out,
  );
  return out;
}

/** Renders one message as harmony text. `conversationHasFunctionTools` must be passed manually. */
export function renderMessage(message: Message | MessageInput, options?: RenderMessageOptions): string {
  return segmentsToText(singleMessageSegments(message, options));
}
