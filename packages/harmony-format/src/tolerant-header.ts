/** Header reading of the tolerant parser: pure functions over the raw header text (no parser state). */
import { isRole, isRustWhitespace, type ParsedHeader, rustTrim, splitAsciiWhitespace } from "./header.js";
import type { Role } from "./schema.js";
import type { DiagnosticCode, HeaderFields } from "./tolerant-types.js";

/** Longest role, channel or recipient word the recovery paths accept. */
const MAX_WORD = 64;
const CHANNEL = "<|channel|>";
const CONSTRAIN = "<|constrain|>";

/** Receives a header diagnostic (the parser adds the offset). */
export type HeaderDiagnosticSink = (code: DiagnosticCode, message: string) => void;

/** True when `text` holds a word delimiter (whitespace or `<`). */
export function hasDelimiter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 60 || isRustWhitespace(code)) return true;
  }
  return false;
}

/** The first non-whitespace position at or after `pos`. */
export function skipWs(text: string, pos: number): number {
  while (pos < text.length && isRustWhitespace(text.charCodeAt(pos))) pos++;
  return pos;
}

/** Reads a word: up to whitespace or `<`; returns its end. */
function wordEnd(text: string, pos: number): number {
  let end = pos;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    if (code === 60 || isRustWhitespace(code)) break;
    end++;
  }
  return end;
}

function roleWord(word: string): { role: Role; name?: string } | undefined {
  if (isRole(word)) return { role: word };
  const colon = word.indexOf(":");
  if (colon > 0) {
    const role = word.slice(0, colon);
    const name = word.slice(colon + 1);
    if (isRole(role) && name !== "") return { role, name };
  }
  return undefined;
}

/** A role name glued to punctuation junk (`assistant––x`), not a tool name like `assistant_tools.x`. */
function rolePrefix(word: string): Role | undefined {
  for (const role of ["assistant", "user", "system", "developer"] as const) {
    if (!word.startsWith(role) || word.length === role.length) continue;
    const next = word.charCodeAt(role.length);
    const identifier =
      (next >= 48 && next <= 57) ||
      (next >= 65 && next <= 90) ||
      (next >= 97 && next <= 122) ||
      next === 95 ||
      next === 46 ||
      next === 45 ||
      next === 58;
    if (!identifier) return role;
  }
  return undefined;
}

/**
 * Header text without `<|message|>`: recovers a role / channel / recipient prefix; the rest is content.
 * `presetRole` is the role the header was opened with (`<|start|>` already consumed), if any.
 */
export function resolveMissingHeader(
  raw: string,
  presetRole: Role | null,
  defaultRole: Role,
): { header: ParsedHeader; content: string } {
  let pos = skipWs(raw, 0);
  let role: Role = presetRole ?? defaultRole;
  let name: string | undefined;
  const firstEnd = wordEnd(raw, pos);
  if (firstEnd - pos <= MAX_WORD && firstEnd > pos) {
    const word = raw.slice(pos, firstEnd);
    const parsed = roleWord(word);
    if (parsed && (presetRole === null || parsed.role === presetRole)) {
      role = parsed.role;
      name = parsed.name;
      pos = skipWs(raw, firstEnd);
    }
  }
  let channel: string | undefined;
  let recipient: string | undefined;
  for (let step = 0; step < 2; step++) {
    if (channel === undefined && raw.startsWith(CHANNEL, pos)) {
      const start = pos + CHANNEL.length;
      const end = wordEnd(raw, start);
      if (end > start && end - start <= MAX_WORD) {
        channel = raw.slice(start, end);
        pos = skipWs(raw, end);
      }
    } else if (recipient === undefined && raw.startsWith("to=", pos)) {
      const end = wordEnd(raw, pos);
      if (end > pos + 3 && end - pos <= MAX_WORD) {
        recipient = raw.slice(pos + 3, end);
        pos = skipWs(raw, end);
      }
    }
  }
  const header: ParsedHeader = { role };
  if (name !== undefined) header.name = name;
  if (recipient !== undefined) header.recipient = recipient;
  if (channel !== undefined) header.channel = channel;
  return { header, content: raw.slice(pos) };
}

/** The role (and tool name) of a full header's words; shifts what it reads off `parts`. */
function headerRole(
  parts: string[],
  presetRole: Role | null,
  defaultRole: Role,
  diag: HeaderDiagnosticSink,
): { role: Role; name?: string } {
  if (presetRole !== null) {
    const first = parts[0];
    if (first === presetRole) parts.shift();
    else if (first?.startsWith(`${presetRole}:`) && first.length > presetRole.length + 1) {
      parts.shift();
      return { role: presetRole, name: first.slice(presetRole.length + 1) };
    }
    return { role: presetRole };
  }
  const first = parts[0];
  const parsed = first === undefined ? undefined : roleWord(first);
  if (first === undefined || first.startsWith(CONSTRAIN) || first.startsWith("to=")) {
    diag("MISSING_ROLE", `message header has no role; assumed ${defaultRole}`);
    return { role: defaultRole };
  }
  if (parsed) {
    parts.shift();
    if (parsed.role === "tool" && parsed.name === undefined) return { role: "tool", name: "tool" };
    return parsed;
  }
  const prefixed = rolePrefix(first);
  parts.shift();
  if (prefixed) {
    // e.g. "assistant––commentary": a role glued to junk (openai/harmony#38)
    parts.unshift(first.slice(prefixed.length));
    return { role: prefixed };
  }
  return { role: "tool", name: first };
}

/** Full header parse (at `<|message|>`), never failing; each recovery goes to `diag`. */
export function parseTolerantHeader(
  raw: string,
  presetRole: Role | null,
  defaultRole: Role,
  diag: HeaderDiagnosticSink,
): ParsedHeader {
  let header = raw;
  let channel: string | undefined;
  const idx = header.indexOf(CHANNEL);
  if (idx >= 0) {
    const after = header.slice(idx + CHANNEL.length);
    const end = wordEnd(after, 0);
    if (end === 0) diag("EMPTY_CHANNEL", "channel marker present but no channel value");
    else channel = after.slice(0, end);
    header = header.slice(0, idx) + after.slice(end);
  }
  header = rustTrim(header);
  if (header.includes(CONSTRAIN)) header = header.split(CONSTRAIN).join(` ${CONSTRAIN}`);
  const parts = splitAsciiWhitespace(header);
  const { role, name } = headerRole(parts, presetRole, defaultRole, diag);
  let recipient: string | undefined;
  let contentType: string | undefined;
  if (parts.length > 0) {
    const last = parts.pop()!;
    if (last.startsWith("to=")) recipient = last.slice(3);
    else {
      contentType = last;
      const raw = parts.length > 0 ? parts[parts.length - 1]! : undefined;
      if (raw?.startsWith("to=")) {
        recipient = raw.slice(3);
        parts.pop();
      } else if (raw !== undefined && parts.length === 1) {
        recipient = raw;
        parts.pop();
      }
      if (recipient === undefined && last.startsWith(CONSTRAIN))
        diag(
          "CONSTRAIN_WITHOUT_RECIPIENT",
          `content type ${last} without a recipient (kept as content type)`,
        );
    }
  }
  if (parts.length > 0) diag("HEADER_EXTRA_TEXT", `header text that fits no field: «${parts.join(" ")}»`);
  const out: ParsedHeader = { role };
  if (name !== undefined) out.name = name;
  if (recipient !== undefined) out.recipient = recipient;
  if (channel !== undefined) out.channel = channel;
  if (contentType !== undefined) out.content_type = contentType;
  return out;
}

/**
 * The fields of a header still streaming that are already known: a word counts only once a delimiter
 * ends it (a preset role is known at once).
 */
export function partialHeaderFields(
  raw: string,
  presetRole: Role | null,
): Pick<HeaderFields, "role" | "name" | "channel" | "recipient"> {
  const out: Pick<HeaderFields, "role" | "name" | "channel" | "recipient"> = {};
  if (presetRole !== null) out.role = presetRole;
  else {
    const pos = skipWs(raw, 0);
    const end = wordEnd(raw, pos);
    if (end < raw.length && end > pos) {
      const parsed = roleWord(raw.slice(pos, end));
      if (parsed) {
        out.role = parsed.role;
        if (parsed.name !== undefined) out.name = parsed.name;
      }
    }
  }
  const ch = raw.indexOf(CHANNEL);
  if (ch >= 0) {
    const start = ch + CHANNEL.length;
    const end = wordEnd(raw, start);
    if (end < raw.length && end > start) out.channel = raw.slice(start, end);
  }
  const to = raw.indexOf(" to=");
  if (to >= 0) {
    const end = wordEnd(raw, to + 4);
    if (end < raw.length && end > to + 4) out.recipient = raw.slice(to + 4, end);
  }
  return out;
}
