import * as z from "zod";
import { type HarmonyView, harmonyViewOf, messageText } from "../harmony-adapter.js";
import type { Diagnostic, Sample } from "../sample.js";
import { type KindDefinition, type KindResult, perSample } from "./types.js";

/** Component names of `harmony.channels`, in breakdown order. */
const HARMONY_COMPONENTS = [
  "analysisPresent",
  "singleFinal",
  "finalLast",
  "analysisBeforeFinal",
  "stopToken",
  "noTextAfterStop",
  "commentaryValid",
  "nonEmpty",
  "knownChannels",
] as const;
/** One component of `harmony.channels`. */
type HarmonyComponent = (typeof HARMONY_COMPONENTS)[number];

const weightsSchema = z.strictObject(
  Object.fromEntries(HARMONY_COMPONENTS.map((c) => [c, z.number().nonnegative().optional()])) as Record<
    HarmonyComponent,
    z.ZodOptional<z.ZodNumber>
  >,
);

const harmonyParams = z
  .strictObject({
    /** Per-component weights (default 1 each; `knownChannels` defaults to 0). The value is Σw·c/Σw. */
    weights: weightsSchema.default({}),
    /** Channels allowed in the completion. */
    channels: z.array(z.string().min(1)).default(["analysis", "commentary", "final"]),
    /**
     * Text the prompt pre-filled after `<|start|>assistant` (e.g. `<|channel|>final<|message|>`); it is
     * prepended before parsing so the completion continues that message.
     */
    prefix: z.string().max(256).default(""),
    /** Minimum trimmed body length (characters) for `nonEmpty`. */
    minBodyChars: z.number().int().nonnegative().default(1),
    /**
     * The engine drops the stop token from returned text: then an untruncated ending counts as stopped
     * unless the sample says `truncated: true`.
     */
    stopTokenStripped: z.boolean().default(false),
    /** Stripped special tokens: `null` (not applicable + diagnostic), `zero`, or `error` (onError applies). */
    onStripped: z.enum(["null", "zero", "error"]).default("null"),
  })
  .refine((p) => HARMONY_COMPONENTS.some((c) => (p.weights[c] ?? (c === "knownChannels" ? 0 : 1)) > 0), {
    message: "at least one component weight must be > 0",
    path: ["weights"],
  });
type HarmonyParams = z.infer<typeof harmonyParams>;

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Component scores (0/1) of an analysed completion. */
function harmonyComponents(
  view: HarmonyView,
  p: Pick<HarmonyParams, "channels" | "minBodyChars" | "stopTokenStripped">,
  truncated: boolean,
): Record<HarmonyComponent, number> {
  const msgs = view.messages;
  const finals: number[] = [];
  let firstAnalysis = -1;
  let commentaryOk = true;
  let nonEmpty = msgs.length > 0;
  let known = msgs.length > 0;
  msgs.forEach((m, i) => {
    const channel = m.channel;
    if (channel === "final") finals.push(i);
    if (channel === "analysis" && firstAnalysis < 0) firstAnalysis = i;
    if (channel === undefined || !p.channels.includes(channel)) known = false;
    if (channel === "commentary" && m.recipient === undefined) commentaryOk = false;
    if (m.recipient !== undefined && m.recipient !== "all") {
      const needsJson = (m.content_type ?? "").includes("json") || m.recipient.startsWith("functions.");
      if (needsJson && !isJson(messageText(m).trim())) commentaryOk = false;
    }
    if ((channel === "analysis" || channel === "final") && messageText(m).trim().length < p.minBodyChars)
      nonEmpty = false;
  });
  const last = msgs.at(-1);
  const stopped = view.stop !== null || (p.stopTokenStripped && !truncated && msgs.length > 0);
  return {
    analysisPresent: firstAnalysis >= 0 ? 1 : 0,
    singleFinal: finals.length === 1 ? 1 : 0,
    finalLast: last?.channel === "final" ? 1 : 0,
    analysisBeforeFinal: firstAnalysis >= 0 && finals.length > 0 && firstAnalysis < finals[0]! ? 1 : 0,
    stopToken: stopped ? 1 : 0,
    noTextAfterStop: view.trailingAfterStop === "" ? 1 : 0,
    commentaryValid: commentaryOk ? 1 : 0,
    nonEmpty: nonEmpty ? 1 : 0,
    knownChannels: known ? 1 : 0,
  };
}

/** Scores one analysed completion with `harmony.channels` semantics. */
function scoreHarmonyChannels(view: HarmonyView, p: HarmonyParams, truncated = false): KindResult {
  const diagnostics: Diagnostic[] = [];
  if (!view.hasMarkers) {
    if (view.stripped) {
      const message =
        "harmony special tokens were stripped from the text (decoded with skip_special_tokens=True?); pass completion_ids or text with markers";
      if (p.onStripped === "error") return { value: null, error: new StrippedMarkersError(message) };
      diagnostics.push({ code: "HARMONY_MARKERS_STRIPPED", message });
      return { value: p.onStripped === "zero" ? 0 : null, diagnostics };
    }
    diagnostics.push({ code: "HARMONY_NO_MARKERS", message: "completion contains no harmony markers" });
  }
  if (view.trailingAfterStop)
    diagnostics.push({
      code: "HARMONY_TEXT_AFTER_STOP",
      message: "text after the first <|return|>/<|call|>",
    });
  for (const d of view.diagnostics) diagnostics.push(d);
  const comps = harmonyComponents(view, p, truncated);
  let num = 0;
  let den = 0;
  const breakdown: Record<string, number> = {};
  for (const c of HARMONY_COMPONENTS) {
    const w = p.weights[c] ?? (c === "knownChannels" ? 0 : 1);
    breakdown[c] = comps[c];
    num += w * comps[c];
    den += w;
  }
  return { value: num / den, breakdown, diagnostics };
}

/** Raised (as a per-sample failure) when `onStripped: error`. */
class StrippedMarkersError extends Error {
  readonly code = "HARMONY_MARKERS_STRIPPED";
  constructor(message: string) {
    super(message);
    this.name = "StrippedMarkersError";
  }
}

function truncatedFlag(s: Sample): boolean {
  return s.truncated === true || s.finishReason === "length" || s.finish_reason === "length";
}

/** `harmony.channels`: weighted channel-usage components of a gpt-oss completion (text or token ids). */
export const harmonyChannels: KindDefinition<HarmonyParams> = {
  name: "harmony.channels",
  summary: "Harmony channel usage: analysis then one final, stop token, no trailing text, valid tool calls.",
  params: harmonyParams,
  create: perSample((s, p) => scoreHarmonyChannels(harmonyViewOf(s, p.prefix), p, truncatedFlag(s))),
};
