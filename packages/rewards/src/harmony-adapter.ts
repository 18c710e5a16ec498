// The integration with @rlops/harmony-format: tolerant parsing of completion text and token decoding.
import { parseMessagesFromText, type WireMessage } from "@rlops/harmony-format";
import { decode } from "@rlops/harmony-format/tokens";
import { SampleInputError } from "./kinds/types.js";
import type { Diagnostic, Sample } from "./sample.js";

/** What `harmony.channels` and `arc.grid` need to know about a completion. */
export interface HarmonyView {
  /** The text that was analysed (the completion, or `completionIds` decoded). */
  text: string;
  /** Messages up to and including the first stop token, from the tolerant parser. */
  messages: WireMessage[];
  /** Diagnostics of the tolerant parser. */
  diagnostics: Diagnostic[];
  /** Any harmony header/body marker occurs in the text. */
  hasMarkers: boolean;
  /** No markers, but the text looks like harmony decoded with `skip_special_tokens=True`. */
  stripped: boolean;
  /** The first stop token, if any. */
  stop: "return" | "call" | null;
  /** Non-whitespace text after the first stop token. */
  trailingAfterStop: string;
}

/** Decodes completion token ids (special tokens kept as `<|…|>`) to text. */
export function completionText(ids: readonly number[]): string {
  try {
    return decode(ids);
  } catch (error) {
    throw new SampleInputError("INVALID_TOKEN", `completion_ids: ${(error as Error).message}`);
  }
}

/** Detects harmony text whose special tokens were stripped (`analysis…assistantfinal…`). */
function looksStripped(text: string): boolean {
  if (text.includes("assistantfinal") || text.includes("assistantcommentary")) return true;
  const t = text.trimStart();
  return t.startsWith("analysis") && text.includes("assistant");
}

function markersIn(text: string): boolean {
  return text.includes("<|channel|>") || text.includes("<|message|>") || text.includes("<|start|>");
}

/**
 * Offset of the first `<|return|>` / `<|call|>` that really stops the completion. A stop token written
 * straight after a channel header (`<|channel|>analysis<|return|>`, the form seen in real gpt-oss ARC
 * logs) is a separator, not a stop: the tolerant parser reports those offsets as `STOP_AS_SEPARATOR`.
 */
function firstRealStop(
  text: string,
  separators: ReadonlySet<number>,
): { at: number; stop: "return" | "call" } | null {
  let from = 0;
  for (;;) {
    const r = text.indexOf("<|return|>", from);
    const c = text.indexOf("<|call|>", from);
    const at = r < 0 ? c : c < 0 ? r : Math.min(r, c);
    if (at < 0) return null;
    const stop = at === r ? "return" : "call";
    if (!separators.has(at)) return { at, stop };
    from = at + (stop === "return" ? 10 : 8);
  }
}

/** Parses a completion with the tolerant harmony parser (a leading `<|channel|>` = header-less first message). */
export function analyzeHarmony(text: string): HarmonyView {
  const hasMarkers = markersIn(text);
  const role = text.trimStart().startsWith("<|start|>") ? undefined : "assistant";
  let parsed = hasMarkers
    ? parseMessagesFromText(text, { role, mode: "tolerant" })
    : {
        messages: [] as WireMessage[],
        diagnostics: [] as { code: string; message: string; offset?: number }[],
      };
  const separators = new Set<number>();
  for (const d of parsed.diagnostics)
    if (d.code === "STOP_AS_SEPARATOR" && d.offset !== undefined) separators.add(d.offset);
  const found = firstRealStop(text, separators);
  const stop = found?.stop ?? null;
  const stopEnd = found ? found.at + (found.stop === "return" ? 10 : 8) : text.length;
  const trailingAfterStop = text.slice(stopEnd).trim();
  // Messages count up to and including the real stop; text after it is reported, not scored as messages.
  if (hasMarkers && trailingAfterStop !== "")
    parsed = parseMessagesFromText(text.slice(0, stopEnd), { role, mode: "tolerant" });
  return {
    text,
    messages: parsed.messages,
    diagnostics: parsed.diagnostics.map((d) => ({ code: `HARMONY_${d.code}`, message: d.message })),
    hasMarkers,
    stripped: !hasMarkers && looksStripped(text),
    stop,
    trailingAfterStop,
  };
}

const cache = new WeakMap<Sample, Map<string, HarmonyView>>();

/**
 * The harmony view of a sample (`prefix` = prompt tail prepended, e.g. a pre-filled
 * `<|channel|>final<|message|>`), cached per sample object. Uses `completion` when it carries markers,
 * else decodes `completionIds` (TRL/verl hand rewards text with special tokens stripped, ids intact).
 */
export function harmonyViewOf(sample: Sample, prefix = ""): HarmonyView {
  let perPrefix = cache.get(sample);
  const hit = perPrefix?.get(prefix);
  if (hit) return hit;
  let text: string;
  if (typeof sample.completion === "string" && (markersIn(sample.completion) || !sample.completionIds))
    text = sample.completion;
  else if (sample.completionIds) text = completionText(sample.completionIds);
  else
    throw new SampleInputError("MISSING_COMPLETION", "sample has neither `completion` nor `completionIds`");
  const view = analyzeHarmony(prefix + text);
  if (!perPrefix) {
    perPrefix = new Map();
    cache.set(sample, perPrefix);
  }
  perPrefix.set(prefix, view);
  return view;
}

/** Text content of a parsed message. */
export function messageText(m: WireMessage): string {
  if (typeof m.content === "string") return m.content;
  return m.content.map((p) => ("text" in p && typeof p.text === "string" ? p.text : "")).join("");
}
