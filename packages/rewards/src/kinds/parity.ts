// Parity kinds: reproduce TRL / open-r1 / verl reward functions exactly, quirks included. The functions
// live per source project under ./parity/; this file declares the kinds over them.
import * as z from "zod";
import { pyLen } from "../py.js";
import type { Sample } from "../sample.js";
import { correctnessOf, correctnessRefs, correctnessSchema, lengthOf, textOf } from "./common.js";
import { cosineScaled, kimiLengthRewards } from "./length.js";
import { verlMathDapoScore } from "./parity/math-dapo.js";
import {
  openR1CodeFormat,
  openR1Format,
  openR1ReasoningSteps,
  openR1RepetitionPenalty,
  openR1TagCount,
} from "./parity/open-r1.js";
import { trlRepetitionPenalty, trlSoftOverlong, trlThinkFormat } from "./parity/trl.js";
import { verlGsm8kScore } from "./parity/verl-gsm8k.js";
import {
  type KindContext,
  type KindDefinition,
  type KindResult,
  perSample,
  SampleInputError,
} from "./types.js";

function answerString(sample: { answer?: unknown }): string {
  const a = sample.answer;
  if (typeof a === "string") return a;
  if (typeof a === "number" && Number.isFinite(a)) return String(a);
  throw new SampleInputError("MISSING_ANSWER", "sample needs a string `answer` (the ground truth)");
}

const empty = z.strictObject({});
const cosineParity = z.strictObject({
  maxLength: z.number().int().positive().default(1000),
  minValueWrong: z.number().default(-1),
  maxValueWrong: z.number().default(-0.5),
  minValueCorrect: z.number().default(0.5),
  maxValueCorrect: z.number().default(1),
  correct: correctnessSchema,
});

/** n-gram repetition penalty params (TRL on token ids, open-r1 on words). */
const repetitionParams = z.strictObject({
  ngramSize: z.number().int().positive().default(3),
  maxPenalty: z.number().max(0).default(-1),
});

/** The parity kinds, keyed by name. */
export const parityKinds: KindDefinition<never>[] = [
  {
    name: "trl.think_format",
    summary: "TRL think_format_reward (must start with <think>; prefilled <think> scores 0).",
    params: empty,
    create: perSample((s) => trlThinkFormat(textOf(s))),
  },
  {
    name: "trl.soft_overlong",
    summary: "TRL get_soft_overlong_punishment on token ids (DAPO Eq. 13).",
    params: z.strictObject({
      maxCompletionLen: z.number().int().positive().default(1280),
      softPunishCache: z.number().int().positive().default(256),
    }),
    create: perSample((s, p: { maxCompletionLen: number; softPunishCache: number }) =>
      trlSoftOverlong(lengthOf(s, "tokens"), p.maxCompletionLen, p.softPunishCache),
    ),
  },
  {
    name: "trl.repetition_penalty",
    summary: "TRL get_repetition_penalty_reward on token ids.",
    params: repetitionParams,
    create: perSample((s, p: z.infer<typeof repetitionParams>) => {
      if (!s.completionIds) return lengthOf(s, "tokens");
      return trlRepetitionPenalty(s.completionIds, p.ngramSize, p.maxPenalty);
    }),
  },
  {
    name: "open_r1.format",
    summary: "open-r1 format_reward (MULTILINE $ leak and multi-block quirks kept).",
    params: empty,
    create: perSample((s) => openR1Format(textOf(s))),
  },
  {
    name: "open_r1.tag_count",
    summary: "open-r1 tag_count_reward.",
    params: empty,
    create: perSample((s) => openR1TagCount(textOf(s))),
  },
  {
    name: "open_r1.reasoning_steps",
    summary: "open-r1 reasoning_steps_reward.",
    params: empty,
    create: perSample((s) => openR1ReasoningSteps(textOf(s))),
  },
  {
    name: "open_r1.repetition_penalty",
    summary: "open-r1 get_repetition_penalty_reward (en, words; emits -0.0).",
    params: repetitionParams.extend({ language: z.literal("en").default("en") }),
    create: perSample((s, p: z.infer<typeof repetitionParams>) =>
      openR1RepetitionPenalty(textOf(s), p.ngramSize, p.maxPenalty),
    ),
  },
  {
    name: "open_r1.cosine_scaled",
    summary: "open-r1 get_cosine_scaled_reward: characters, no clamp, unknown correctness → 1.0.",
    params: cosineParity,
    references: (p: z.infer<typeof cosineParity>) => correctnessRefs(p.correct),
    create: perSample((s, p: z.infer<typeof cosineParity>, i, ctx) => {
      const correct = correctnessOf(p.correct, s, i, ctx);
      if (correct === null) return 1;
      return cosineScaled(pyLen(textOf(s)), p.maxLength, correct, p, false);
    }),
  },
  {
    name: "open_r1.len_reward",
    summary:
      "open-r1 len_reward (Kimi k1.5) over the batch, characters; unknown correctness counts as correct.",
    params: z.strictObject({ correct: correctnessSchema }),
    references: (p: { correct: z.infer<typeof correctnessSchema> }) => correctnessRefs(p.correct),
    create:
      (p: { correct: z.infer<typeof correctnessSchema> }) =>
      (samples: readonly Sample[], ctx: KindContext) => {
        try {
          const lengths = samples.map((s) => pyLen(textOf(s)));
          const correct = samples.map((s, i) => correctnessOf(p.correct, s, i, ctx));
          return kimiLengthRewards(lengths, correct).map((value): KindResult => ({ value }));
        } catch (error) {
          return samples.map((): KindResult => ({ value: null, error }));
        }
      },
  },
  {
    name: "open_r1.code_format",
    summary: "open-r1 get_code_format_reward; a per-sample `language` field overrides the param.",
    params: z.strictObject({ language: z.string().min(1).default("python") }),
    create: perSample((s, p: { language: string }) =>
      openR1CodeFormat(textOf(s), typeof s.language === "string" ? s.language : p.language),
    ),
  },
  {
    name: "verl.gsm8k",
    summary: "verl gsm8k.compute_score (strict or flexible; last 300 chars).",
    params: z.strictObject({
      method: z.enum(["strict", "flexible"]).default("strict"),
      formatScore: z.number().default(0),
      score: z.number().default(1),
    }),
    create: perSample((s, p: { method: "strict" | "flexible"; formatScore: number; score: number }) =>
      verlGsm8kScore(textOf(s), answerString(s), p.method, p.formatScore, p.score),
    ),
  },
  {
    name: "verl.math_dapo",
    summary: "verl math_dapo.compute_score (Minerva normalisation, ±1; optional strict box).",
    params: z.strictObject({ strictBoxVerify: z.boolean().default(false) }),
    create: perSample((s, p: { strictBoxVerify: boolean }) => {
      const r = verlMathDapoScore(textOf(s), answerString(s), p.strictBoxVerify);
      return { value: r.score, breakdown: { acc: r.acc ? 1 : 0 } };
    }),
  },
] as unknown as KindDefinition<never>[];
