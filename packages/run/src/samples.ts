import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { parseResponseLog, type ResponseLog, responseLogFileStep } from "@rlops/arc-eval/response-log";
import { parseLenientJson } from "@rlops/checkpoint-layout";
import { parseMessagesFromText } from "@rlops/harmony-format";
import type { ArcStep, ReportDecision, SampleCompletion, SampleMessage } from "./schema.js";

/** Longest message content kept per sample (the response log keeps the whole text). */
const SAMPLE_CONTENT_LIMIT = 4000;
const MAX_MESSAGES = 12;

/** Splits a completion into harmony messages with the tolerant parser; plain text is one message. */
function sampleMessages(text: string): { messages: SampleMessage[]; diagnostics: number } {
  const cut = (content: string): Pick<SampleMessage, "content" | "truncated"> =>
    content.length > SAMPLE_CONTENT_LIMIT
      ? { content: `${content.slice(0, SAMPLE_CONTENT_LIMIT)}…`, truncated: true }
      : { content, truncated: false };
  if (!text.includes("<|"))
    return { messages: [{ role: "assistant", channel: null, ...cut(text) }], diagnostics: 0 };
  const parsed = parseMessagesFromText(text, { role: "assistant" });
  const messages = parsed.messages.slice(0, MAX_MESSAGES).map((m) => ({
    role: String(m.role ?? "assistant"),
    channel: typeof m.channel === "string" ? m.channel : null,
    ...cut(typeof m.content === "string" ? m.content : JSON.stringify(m.content)),
  }));
  return { messages, diagnostics: parsed.diagnostics.length };
}

async function sampleAt(
  root: string,
  path: string,
  label: SampleCompletion["label"],
  scored: ArcStep,
): Promise<SampleCompletion | null> {
  let log: ResponseLog;
  try {
    log = parseResponseLog(parseLenientJson(await readFile(path, "utf8"), { source: path }), {
      source: path,
    });
  } catch {
    return null;
  }
  if (!Array.isArray(log.candidates) || log.candidates.length === 0) return null;
  const index = log.candidates.findIndex((c, i) => (c.candidate_id ?? i + 1) === scored.bestCandidateId);
  const candidate = log.candidates[Math.max(0, index)];
  const text = typeof candidate?.response_text === "string" ? candidate.response_text : "";
  const { messages, diagnostics } = sampleMessages(text);
  return {
    label,
    step: scored.step,
    file: relative(root, path),
    problemId: scored.problemId,
    candidateId: candidate?.candidate_id ?? Math.max(0, index) + 1,
    pixelAccuracy: scored.bestPixelAccuracy,
    messages,
    parseDiagnostics: diagnostics,
  };
}

/**
 * Sample completions for the report: the best candidate at the step with the highest re-scored pixel
 * accuracy, and a candidate at the collapse (the first response log at or after the trip's first bad
 * step). Reads only those two response logs again.
 */
export async function collectSamples(
  root: string,
  responseFiles: readonly string[],
  arcSteps: readonly ArcStep[],
  trip: ReportDecision | null,
): Promise<SampleCompletion[]> {
  if (arcSteps.length === 0) return [];
  const byStep = new Map<number, string>();
  for (const file of responseFiles) {
    const step = responseLogFileStep(file);
    if (step !== null) byStep.set(step, file);
  }
  const sorted = [...arcSteps].sort((a, b) => a.step - b.step);
  const picks: [SampleCompletion["label"], ArcStep][] = [];
  const best = sorted.reduce((a, b) => (b.bestPixelAccuracy > a.bestPixelAccuracy ? b : a));
  picks.push(["best", best]);
  if (trip) {
    const from = typeof trip.firstBadStep === "number" ? trip.firstBadStep : trip.step;
    const collapse = sorted.find((s) => s.step >= from);
    if (collapse) picks.push(["collapse", collapse]);
  }
  const out: SampleCompletion[] = [];
  for (const [label, scored] of picks) {
    const path = byStep.get(scored.step);
    if (!path) continue;
    const sample = await sampleAt(root, path, label, scored);
    if (sample) out.push(sample);
  }
  return out;
}
