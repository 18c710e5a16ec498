// Linear, regex-free scan of harmony completion text into messages with their terminators.
// Used by `harmony.channels` for the structural facts (which stop token ended a body, text after
// `<|return|>`, a header-less first message) that a message list alone does not carry.

/** How a message body ended. `eof` = truncated (no stop token). */
export type Terminator = "end" | "return" | "call" | "start" | "channel" | "eof";

/** One message found in a completion. */
export interface ScannedMessage {
  role: string | null;
  channel: string | null;
  recipient: string | null;
  contentType: string | null;
  body: string;
  terminator: Terminator;
  /** Whether the header started with `<|channel|>` (no `<|start|>`, as right after the generation prompt). */
  headerless: boolean;
}

/** Result of {@link scanHarmony}. */
export interface HarmonyScan {
  messages: ScannedMessage[];
  /** Any harmony special token occurs in the text. */
  hasMarkers: boolean;
  /** No markers, but the text looks like harmony decoded with `skip_special_tokens=True`. */
  stripped: boolean;
  /** Non-whitespace text after the first `<|return|>`/`<|call|>`. */
  trailingAfterStop: string;
  /** Non-whitespace text outside any message (before a header, between messages). */
  strayText: string;
  /** A header that never reached `<|message|>`. */
  danglingHeader: boolean;
}

const MARKERS = ["start", "channel", "message", "end", "return", "call", "constrain"] as const;
type Marker = (typeof MARKERS)[number];

function markerAt(text: string, i: number): Marker | null {
  // i points at "<|"
  for (const m of MARKERS) {
    if (text.startsWith(m, i + 2) && text.startsWith("|>", i + 2 + m.length)) return m;
  }
  return null;
}

function firstWord(s: string): string {
  const t = s.trim();
  let k = 0;
  while (k < t.length && !isSpace(t.charCodeAt(k)) && t.charCodeAt(k) !== 60) k++;
  return t.slice(0, k);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function recipientIn(s: string): string | null {
  const i = s.indexOf("to=");
  if (i < 0) return null;
  let k = i + 3;
  while (k < s.length && !isSpace(s.charCodeAt(k)) && s.charCodeAt(k) !== 60) k++;
  return k > i + 3 ? s.slice(i + 3, k) : null;
}

/** Detects harmony text whose special tokens were stripped (`analysis…assistantfinal…`). */
export function looksStripped(text: string): boolean {
  if (text.includes("assistantfinal") || text.includes("assistantcommentary")) return true;
  const t = text.trimStart();
  return t.startsWith("analysis") && text.includes("assistant");
}

/** Scans completion text (which may start at `<|channel|>`) into messages. Linear time. */
export function scanHarmony(text: string): HarmonyScan {
  const messages: ScannedMessage[] = [];
  let hasMarkers = false;
  let stray = "";
  let trailing = "";
  let danglingHeader = false;

  type Header = {
    role: string;
    channel: string;
    constrain: string;
    part: "role" | "channel" | "constrain";
    headerless: boolean;
  };
  let header: Header | null = null;
  let body: { start: number; h: Header } | null = null;
  let pos = 0;

  const close = (end: number, terminator: Terminator) => {
    const h = body!.h;
    const all = `${h.role} ${h.channel} ${h.constrain}`;
    messages.push({
      role: h.headerless ? "assistant" : firstWord(h.role) || null,
      channel: firstWord(h.channel) || null,
      recipient: recipientIn(all),
      contentType: firstWord(h.constrain) || null,
      body: text.slice(body!.start, end),
      terminator,
      headerless: h.headerless,
    });
    body = null;
  };
  const appendHeader = (s: string) => {
    if (!header) {
      if (s.trim()) stray += s;
      return;
    }
    header[header.part] += s;
  };

  let i = text.indexOf("<|");
  while (i >= 0) {
    const m = markerAt(text, i);
    if (m === null) {
      i = text.indexOf("<|", i + 2);
      continue;
    }
    hasMarkers = true;
    const segment = text.slice(pos, i);
    const after = i + m.length + 4;
    if (body) {
      if (m === "end" || m === "return" || m === "call") {
        close(i, m);
        pos = after;
        if (m !== "end") {
          trailing = text.slice(pos);
          pos = text.length;
          break;
        }
      } else if (m === "start" || m === "channel") {
        close(i, m);
        header =
          m === "start"
            ? { role: "", channel: "", constrain: "", part: "role", headerless: false }
            : { role: "", channel: "", constrain: "", part: "channel", headerless: true };
        pos = after;
      }
      // <|message|> / <|constrain|> inside a body are kept as body text.
    } else {
      appendHeader(segment);
      pos = after;
      if (m === "start") {
        if (header) danglingHeader = true;
        header = { role: "", channel: "", constrain: "", part: "role", headerless: false };
      } else if (m === "channel") {
        if (!header) header = { role: "", channel: "", constrain: "", part: "channel", headerless: true };
        else header.part = "channel";
      } else if (m === "constrain") {
        if (header) header.part = "constrain";
      } else if (m === "message") {
        if (header) {
          body = { start: after, h: header };
          header = null;
        } else {
          // `<|message|>` with no header at all: treat as a header-less message with no channel.
          body = {
            start: after,
            h: { role: "", channel: "", constrain: "", part: "role", headerless: true },
          };
        }
      } else if (m === "return" || m === "call") {
        trailing = text.slice(pos);
        pos = text.length;
        break;
      }
      // a bare <|end|> outside a body is stray
    }
    i = text.indexOf("<|", after);
  }
  if (body) close(text.length, "eof");
  else if (pos < text.length) {
    const rest = text.slice(pos);
    if (header) {
      header[header.part] += rest;
      danglingHeader = true;
    } else if (rest.trim()) stray += rest;
  } else if (header) danglingHeader = true;

  return {
    messages,
    hasMarkers,
    stripped: !hasMarkers && looksStripped(text),
    trailingAfterStop: trailing.trim(),
    strayText: stray.trim(),
    danglingHeader,
  };
}
