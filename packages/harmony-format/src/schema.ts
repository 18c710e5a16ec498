import { formatIssuePath } from "@rlops/errors";
import * as z from "zod";
import { HarmonyError } from "./errors.js";

const optionalString = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);

/** Author roles of the harmony format. */
export const roleSchema = z.enum(["user", "assistant", "system", "developer", "tool"]);
/** A harmony author role. */
export type Role = z.infer<typeof roleSchema>;

/** Reasoning effort; the wire format uses the Rust variant names `Low|Medium|High` (lower case accepted). */
const reasoningEffortSchema = z
  .enum(["Low", "Medium", "High", "low", "medium", "high"])
  .transform((value) => (value.charAt(0).toUpperCase() + value.slice(1)) as "Low" | "Medium" | "High");
/** Reasoning effort level. */
export type ReasoningEffort = z.output<typeof reasoningEffortSchema>;

/** `channel_config` of a system message. */
const channelConfigSchema = z.object({
  valid_channels: z.array(z.string()),
  channel_required: z.boolean(),
});
/** Channel configuration of a system message. */
export type ChannelConfig = z.infer<typeof channelConfigSchema>;

/** One tool of a namespace; `parameters` is a JSON Schema rendered as TypeScript. */
const toolDescriptionSchema = z.object({
  name: z.string(),
  description: z.string(),
  parameters: z
    .unknown()
    .optional()
    .transform((value): unknown => (value === null ? undefined : value)),
});
/** A tool description. */
export type ToolDescription = z.output<typeof toolDescriptionSchema>;

/** A tool namespace (`functions`, `browser`, `python`, …). */
const toolNamespaceConfigSchema = z.object({
  name: z.string(),
  description: z
    .string()
    .nullish()
    .transform((value) => value ?? null),
  tools: z.array(toolDescriptionSchema).default([]),
});
/** A tool namespace. */
export type ToolNamespaceConfig = z.output<typeof toolNamespaceConfigSchema>;

const toolsSchema = z
  .record(z.string(), toolNamespaceConfigSchema)
  .nullish()
  .transform((value) => value ?? undefined);

/** `{"type":"system_content", …}` content part. Absent fields are None: no defaults are filled in. */
const systemContentSchema = z.object({
  type: z.literal("system_content"),
  model_identity: optionalString,
  reasoning_effort: reasoningEffortSchema.nullish().transform((value) => value ?? undefined),
  tools: toolsSchema,
  conversation_start_date: optionalString,
  knowledge_cutoff: optionalString,
  channel_config: channelConfigSchema.nullish().transform((value) => value ?? undefined),
});
/** System message content. */
export type SystemContent = z.output<typeof systemContentSchema>;

/** `{"type":"developer_content", …}` content part. */
const developerContentSchema = z.object({
  type: z.literal("developer_content"),
  instructions: optionalString,
  tools: toolsSchema,
});
/** Developer message content. */
export type DeveloperContent = z.output<typeof developerContentSchema>;

/** `{"type":"text","text":…}` content part. */
const textContentSchema = z.object({ type: z.literal("text"), text: z.string() });
/** Text content. */
export type TextContent = z.infer<typeof textContentSchema>;

/** Any content part. */
const contentSchema = z.discriminatedUnion("type", [
  textContentSchema,
  systemContentSchema,
  developerContentSchema,
]);
/** A content part. */
export type Content = z.output<typeof contentSchema>;

/** Accepts the wasm typings' `author: {role, name}` shape by flattening it (the wire format is flat). */
function flattenAuthor(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  const author = record.author;
  if (record.role !== undefined || typeof author !== "object" || author === null) return value;
  const { author: _author, ...rest } = record;
  return { ...(author as Record<string, unknown>), ...rest };
}

const messageObjectSchema = z.object({
  role: roleSchema,
  name: optionalString,
  recipient: optionalString,
  channel: optionalString,
  content_type: optionalString,
  content: z.union([z.string(), z.array(contentSchema)]),
});

/** A message in the reference's serde JSON wire format (author flattened: `role`, `name` top-level). */
export const messageSchema = z.preprocess(flattenAuthor, messageObjectSchema);
/** A harmony message as accepted on input (content may be a string or parts). */
export type Message = z.output<typeof messageObjectSchema>;
/** Input shape of a message (before defaults/normalisation). */
export type MessageInput = z.input<typeof messageObjectSchema>;

/** A conversation `{messages: [...]}`. */
export const conversationSchema = z.object({ messages: z.array(messageSchema) });
/** A harmony conversation. */
export type Conversation = z.output<typeof conversationSchema>;
/** Input shape of a conversation. */
export interface ConversationInput {
  messages: MessageInput[];
}

/**
 * A message as produced by the parsers and by {@link conversationToJSON}: the wire format with
 * `content` a string when it is a single text part. Optional keys are absent when None.
 */
export interface WireMessage {
  role: Role;
  name?: string;
  recipient?: string;
  content: string | WireContent[];
  channel?: string;
  content_type?: string;
}

/** A content part in wire form. */
export type WireContent = Content;

/** Content parts of a message, with a string content turned into one text part. */
export function contentParts(message: Message): Content[] {
  return typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
}

function formatIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid value";
  const path = formatIssuePath(issue.path);
  return `${path}: ${issue.message}`;
}

/**
 * Validates a conversation in the wire format (`{"messages": [...]}`, or a bare message array)
 * given as JSON text or an object. Absent SystemContent fields stay absent (the reference applies no
 * defaults when deserialising).
 *
 * @throws HarmonyError `INVALID_CONVERSATION` with the failing path, e.g. `messages.1.role: …`.
 */
export function conversationFromJSON(input: string | unknown): Conversation {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new HarmonyError({
        code: "INVALID_CONVERSATION",
        message: `invalid conversation JSON: ${(cause as Error).message}`,
        cause,
      });
    }
  }
  if (Array.isArray(value)) value = { messages: value };
  const result = conversationSchema.safeParse(value);
  if (!result.success)
    throw new HarmonyError({
      code: "INVALID_CONVERSATION",
      message: `invalid conversation: ${formatIssues(result.error)}`,
      cause: result.error,
    });
  return result.data;
}

/** Validates one message in the wire format. @throws HarmonyError `INVALID_CONVERSATION`. */
export function messageFromJSON(input: unknown): Message {
  const result = messageSchema.safeParse(input);
  if (!result.success)
    throw new HarmonyError({
      code: "INVALID_CONVERSATION",
      message: `invalid message: ${formatIssues(result.error)}`,
      cause: result.error,
    });
  return result.data;
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = item;
  return out as T;
}

function contentToJSON(part: Content): WireContent {
  if (part.type === "text") return { type: "text", text: part.text };
  if (part.type === "system_content") return dropUndefined({ ...part });
  return dropUndefined({ ...part });
}

/** One message in the wire format: single text content becomes a plain string; None keys are omitted. */
export function messageToJSON(message: Message): WireMessage {
  const parts = contentParts(message);
  const content: WireMessage["content"] =
    parts.length === 1 && parts[0]!.type === "text" ? parts[0]!.text : parts.map(contentToJSON);
  const out: WireMessage = { role: message.role } as WireMessage;
  if (message.name !== undefined) out.name = message.name;
  if (message.recipient !== undefined) out.recipient = message.recipient;
  out.content = content;
  if (message.channel !== undefined) out.channel = message.channel;
  if (message.content_type !== undefined) out.content_type = message.content_type;
  return out;
}

/**
 * Serialises a conversation to the reference's wire format (`Conversation.to_json()` shape), validating
 * it first. Accepts a conversation object or a bare message array.
 */
export function conversationToJSON(conversation: ConversationInput | MessageInput[]): {
  messages: WireMessage[];
} {
  const parsed = conversationFromJSON(conversation);
  return { messages: parsed.messages.map(messageToJSON) };
}

/** Parses a role string. @throws HarmonyError `INVALID_ROLE` (`unknown role: x`). */
export function parseRole(value: string): Role {
  const result = roleSchema.safeParse(value);
  if (!result.success)
    throw new HarmonyError({ code: "INVALID_ROLE", message: `unknown role: ${value}`, details: { value } });
  return result.data;
}
