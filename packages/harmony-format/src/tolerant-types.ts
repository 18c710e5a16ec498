/** The tolerant parser's public vocabulary: diagnostics, stream events, limits. */
import type { Role, WireMessage } from "./schema.js";

/** Codes of tolerant-parser diagnostics (each names one recovery). */
export type DiagnosticCode =
  | "TEXT_OUTSIDE_MESSAGE"
  | "MISSING_START"
  | "MISSING_MESSAGE_TOKEN"
  | "STOP_AS_SEPARATOR"
  | "MISSING_END"
  | "STRAY_STOP_TOKEN"
  | "DUPLICATE_START"
  | "UNEXPECTED_TOKEN"
  | "INVALID_TOKEN"
  | "EMPTY_CHANNEL"
  | "MISSING_ROLE"
  | "HEADER_EXTRA_TEXT"
  | "HEADER_TOO_LONG"
  | "CONSTRAIN_WITHOUT_RECIPIENT"
  | "TOOL_CALL_ON_ANALYSIS"
  | "DIAGNOSTICS_TRUNCATED";

/** A recovery the tolerant parser made. `offset` is a character offset (text) or token index (tokens). */
export interface Diagnostic {
  code: DiagnosticCode;
  message: string;
  offset?: number;
  /** `DIAGNOSTICS_TRUNCATED` only: diagnostics after the limit (counted, not kept), including the first. */
  count?: number;
}

/** How a message ended: a stop token, end of stream, or interrupted by the next message (`none`). */
export type MessageTerminator = "end" | "return" | "call" | "eos" | "none";

/** Header fields of a message; `partial` headers are emitted while the header is still streaming. */
export interface HeaderFields {
  role?: Role;
  name?: string;
  recipient?: string;
  channel?: string;
  contentType?: string;
}

/** Typed events of the streaming parser. */
export type StreamEvent =
  | { type: "message-start"; index: number; offset?: number }
  | ({ type: "header"; index: number; partial: boolean } & HeaderFields)
  | { type: "content-delta"; index: number; delta: string }
  | { type: "message-end"; index: number; message: WireMessage; terminator: MessageTerminator }
  | { type: "diagnostic"; diagnostic: Diagnostic };
