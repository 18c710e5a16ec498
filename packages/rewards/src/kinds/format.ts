import * as z from "zod";
import { pySplit } from "../py.js";
import type { Diagnostic } from "../sample.js";
import { textOf } from "./common.js";
import { ngramScaling } from "./parity/trl.js";
import { type KindDefinition, perSample, SampleInputError } from "./types.js";

const thinkParams = z.strictObject({
  /** `auto`: accept a completion that starts inside the reasoning (template pre-filled `<think>`). */
  prefilled: z.union([z.boolean(), z.literal("auto")]).default("auto"),
  /** Also require exactly one `<answer>…</answer>` after the reasoning, and nothing after it. */
  requireAnswer: z.boolean().default(false),
  openTag: z.string().min(1).default("<think>"),
  closeTag: z.string().min(1).default("</think>"),
  answerOpenTag: z.string().min(1).default("<answer>"),
  answerCloseTag: z.string().min(1).default("</answer>"),
});
type ThinkParams = z.infer<typeof thinkParams>;

function countOf(text: string, sub: string): number {
  let n = 0;
  for (let i = text.indexOf(sub); i >= 0; i = text.indexOf(sub, i + sub.length)) n++;
  return n;
}

function isBlank(text: string): boolean {
  return text.trim().length === 0;
}

/**
 * Fixed think-format check: anchored full match, exactly one reasoning block, non-empty reasoning,
 * optional pre-filled `<think>`, optional single `<answer>` block with nothing after it.
 * Returns `[score, diagnostics]`.
 */
function thinkFormat(text: string, p: ThinkParams): { value: number; diagnostics: Diagnostic[] } {
  const fail = (code: string, message: string) => ({ value: 0, diagnostics: [{ code, message }] });
  const lead = text.length - text.trimStart().length;
  const opens = countOf(text, p.openTag);
  const closes = countOf(text, p.closeTag);
  if (closes !== 1) return fail("THINK_CLOSE_COUNT", `expected exactly one ${p.closeTag}, found ${closes}`);
  let bodyStart: number;
  if (text.startsWith(p.openTag, lead)) {
    if (opens !== 1) return fail("THINK_OPEN_COUNT", `expected exactly one ${p.openTag}, found ${opens}`);
    bodyStart = lead + p.openTag.length;
  } else if (p.prefilled !== false && opens === 0) {
    bodyStart = 0;
  } else {
    return fail("THINK_NOT_AT_START", `completion must start with ${p.openTag}`);
  }
  const close = text.indexOf(p.closeTag);
  if (close < bodyStart) return fail("THINK_ORDER", `${p.closeTag} before ${p.openTag}`);
  if (isBlank(text.slice(bodyStart, close))) return fail("THINK_EMPTY", "reasoning block is empty");
  const rest = text.slice(close + p.closeTag.length);
  if (!p.requireAnswer) return { value: 1, diagnostics: [] };
  const aOpen = countOf(rest, p.answerOpenTag);
  const aClose = countOf(rest, p.answerCloseTag);
  if (
    aOpen !== 1 ||
    aClose !== 1 ||
    countOf(text, p.answerOpenTag) !== 1 ||
    countOf(text, p.answerCloseTag) !== 1
  )
    return fail(
      "ANSWER_COUNT",
      `expected exactly one ${p.answerOpenTag}…${p.answerCloseTag} block after reasoning`,
    );
  const ao = rest.indexOf(p.answerOpenTag);
  const ac = rest.indexOf(p.answerCloseTag);
  if (!isBlank(rest.slice(0, ao))) return fail("TEXT_BETWEEN_BLOCKS", "text between reasoning and answer");
  if (ac < ao) return fail("ANSWER_ORDER", `${p.answerCloseTag} before ${p.answerOpenTag}`);
  if (isBlank(rest.slice(ao + p.answerOpenTag.length, ac)))
    return fail("ANSWER_EMPTY", "answer block is empty");
  if (!isBlank(rest.slice(ac + p.answerCloseTag.length)))
    return fail("TRAILING_TEXT", `text after ${p.answerCloseTag}`);
  return { value: 1, diagnostics: [] };
}

/** `format.think`: the fixed think/answer format reward. */
export const formatThink: KindDefinition<ThinkParams> = {
  name: "format.think",
  summary: "Think/answer format: anchored, single block, prefilled <think> aware, nothing trailing.",
  params: thinkParams,
  create: perSample((s, p) => thinkFormat(textOf(s), p)),
};

const ngramParams = z.strictObject({
  n: z.number().int().positive().default(3),
  /** Penalty at full repetition (≤ 0). */
  maxPenalty: z.number().max(0).default(-1),
  /** `words` (Python `lower().split()`) or `tokens` (`completionIds`). */
  unit: z.enum(["words", "tokens"]).default("words"),
});

/** `repetition.ngram`: n-gram repetition penalty on words or token ids (never `-0`). */
export const repetitionNgram: KindDefinition<z.infer<typeof ngramParams>> = {
  name: "repetition.ngram",
  summary: "n-gram repetition penalty on words or token ids; 0 (not -0) without repeats.",
  params: ngramParams,
  create: perSample((s, p) => {
    let scaling: number;
    if (p.unit === "tokens") {
      if (!s.completionIds)
        throw new SampleInputError("MISSING_COMPLETION_IDS", 'unit "tokens" needs `completionIds`');
      scaling = ngramScaling(s.completionIds, p.n, (x) => x.join(","));
    } else scaling = ngramScaling(pySplit(textOf(s).toLowerCase()), p.n, (x) => x.join("\u0000"));
    return scaling === 0 ? 0 : scaling * p.maxPenalty;
  }),
};
