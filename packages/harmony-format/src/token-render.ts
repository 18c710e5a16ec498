import { o200kVocabulary as vocab } from "./bpe.js";
import {
  type RenderConfig,
  type RenderMessageOptions,
  renderSegments,
  type Segment,
  singleMessageSegments,
} from "./render.js";
import type { Conversation, ConversationInput, Message, MessageInput, Role } from "./schema.js";

type ConversationLike = Conversation | ConversationInput | MessageInput[];

function segmentsToTokens(segments: Segment[]): number[] {
  const v = vocab();
  const out: number[] = [];
  for (const segment of segments) {
    if (typeof segment === "number") out.push(segment);
    else if (segment !== "") v.encodeOrdinary(segment, out);
  }
  return out;
}

/** Token ids of `renderConversation` (main entry): each header/content segment is encoded separately. */
export function renderConversationTokens(conversation: ConversationLike, config?: RenderConfig): number[] {
  return segmentsToTokens(renderSegments("conversation", conversation, undefined, config));
}

/** Token ids of `renderConversationForCompletion` (main entry). */
export function renderConversationForCompletionTokens(
  conversation: ConversationLike,
  nextTurnRole: Role,
  config?: RenderConfig,
): number[] {
  return segmentsToTokens(renderSegments("completion", conversation, nextTurnRole, config));
}

/** Token ids of `renderConversationForTraining` (main entry). */
export function renderConversationForTrainingTokens(
  conversation: ConversationLike,
  config?: RenderConfig,
): number[] {
  return segmentsToTokens(renderSegments("training", conversation, undefined, config));
}

/** Token ids of `renderMessage` (main entry). */
export function renderMessageTokens(
  message: Message | MessageInput,
  options?: RenderMessageOptions,
): number[] {
  return segmentsToTokens(singleMessageSegments(message, options));
}
