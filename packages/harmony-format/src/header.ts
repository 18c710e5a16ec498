import type { Role } from "./schema.js";

const ROLES: ReadonlySet<string> = new Set(["user", "assistant", "system", "developer", "tool"]);

/** True if `value` is a harmony role name. */
export function isRole(value: string): value is Role {
  return ROLES.has(value);
}

/** Rust `char::is_whitespace` (Unicode White_Space). */
export function isRustWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** Rust `str::trim()`. */
export function rustTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isRustWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isRustWhitespace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function isAsciiWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
}

/** Rust `str::split_ascii_whitespace()`. */
export function splitAsciiWhitespace(text: string): string[] {
  const parts: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isAsciiWhitespace(text.charCodeAt(i))) {
      if (start >= 0) parts.push(text.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  if (start >= 0) parts.push(text.slice(start));
  return parts;
}

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}\p{Grapheme_Extend}]/u;

/** Rust `{:?}` of a `String` (quoted, escaped). */
export function rustDebugString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\0") out += "\\0";
    else if (code !== 0x20 && NON_PRINTABLE.test(ch)) out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Parsed message header. */
export interface ParsedHeader {
  role: Role;
  name?: string;
  recipient?: string;
  channel?: string;
  content_type?: string;
}

/** Outcome of {@link parseHeaderString}: either a header or the reference's error string. */
export type HeaderResult =
  | { ok: true; header: ParsedHeader; remaining: string | undefined }
  | { ok: false; error: string };

const CHANNEL = "<|channel|>";
const CONSTRAIN = "<|constrain|>";

/**
 * Port of the reference's `parse_header_from_string` (openai/harmony v0.0.8).
 * `parseRecipientAndType` false is the non-strict "missing `<|message|>`" path.
 */
export function parseHeaderString(
  input: string,
  role: Role | null,
  parseRecipientAndType: boolean,
): HeaderResult {
  let header = input;
  let channel: string | undefined;
  const idx = header.indexOf(CHANNEL);
  if (idx >= 0) {
    const after = header.slice(idx + CHANNEL.length);
    let end = 0;
    while (end < after.length) {
      const code = after.charCodeAt(end);
      if (code === 60 || isRustWhitespace(code)) break;
      end++;
    }
    if (end === 0) return { ok: false, error: "channel marker present but no channel value found in header" };
    channel = after.slice(0, end);
    header = header.slice(0, idx) + after.slice(end);
  }
  header = rustTrim(header);
  if (header.includes(CONSTRAIN)) header = rustTrim(header.split(CONSTRAIN).join(` ${CONSTRAIN}`));
  const parts = splitAsciiWhitespace(header);
  let roleString: string | undefined;
  let resolved: Role;
  if (role !== null) resolved = role;
  else {
    const first = parts[0];
    if (first === undefined) return { ok: false, error: "message header did not contain a role" };
    roleString = first;
    if (isRole(first)) resolved = first;
    else if (parts.length > 1 || first.startsWith("to=")) {
      parts.shift();
      resolved = "tool";
    } else return { ok: false, error: `Unknown role: ${first}` };
  }
  if (parts[0] === resolved) parts.shift();
  let recipient: string | undefined;
  let contentType: string | undefined;
  let remaining: string | undefined;
  if (parseRecipientAndType && parts.length > 0) {
    const count = parts.length;
    const last = parts.pop()!;
    if (last.startsWith("to=")) recipient = last.slice(3);
    else if (count === 1) recipient = last;
    else {
      contentType = last;
      const raw = parts.pop();
      if (raw !== undefined) recipient = raw.startsWith("to=") ? raw.slice(3) : raw;
    }
  }
  if (parts.length > 0) remaining = parts.join(" ");
  const parsed: ParsedHeader = { role: resolved };
  if (resolved === "tool" && roleString !== undefined) parsed.name = roleString;
  if (recipient !== undefined) parsed.recipient = recipient;
  if (channel !== undefined) parsed.channel = channel;
  if (contentType !== undefined) parsed.content_type = contentType;
  return { ok: true, header: parsed, remaining };
}

/**
 * A few header results keyed by header text and role: a completion repeats a handful of headers,
 * so the parsers look them up instead of parsing each again. Bounded (the first 16 kept).
 */
export class HeaderMemo<V> {
  readonly #entries: { text: string; role: Role | null; value: V }[] = [];

  /** The value stored for `text` and `role`, or undefined. */
  get(text: string, role: Role | null): V | undefined {
    for (const entry of this.#entries) if (entry.text === text && entry.role === role) return entry.value;
    return undefined;
  }

  /** Stores `value` for `text` and `role` (ignored once 16 are stored). */
  set(text: string, role: Role | null, value: V): void {
    if (this.#entries.length < 16) this.#entries.push({ text, role, value });
  }
}
