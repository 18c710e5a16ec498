import * as z from "zod";
import { correctnessOf, correctnessRefs, correctnessSchema, lengthOf, lengthUnitSchema } from "./common.js";
import { type KindDefinition, perSample } from "./types.js";

const positiveInt = z.number().int().positive();

/** DAPO Eq. 13 (TRL/open-r1): 0, linear ramp, −1 beyond `maxLength`. */
export function overlongDapo(length: number, maxLength: number, buffer: number, factor = 1): number {
  const expected = maxLength - buffer;
  if (length <= expected) return 0;
  if (length <= maxLength) return ((expected - length) / buffer) * factor;
  return -1 * factor;
}

/** verl DAPO manager / AReaL: `min(−(L − (Lmax − buf))/buf · factor, 0)`, no floor. */
export function overlongVerl(length: number, maxLength: number, buffer: number, factor = 1): number {
  const exceed = length - (maxLength - buffer);
  return Math.min((-exceed / buffer) * factor, 0) || 0;
}

/** OpenRLHF: exceed capped at the buffer, `−min(max(L − (Lmax − buf), 0), buf)/buf · factor`. */
export function overlongOpenRlhf(length: number, maxLength: number, buffer: number, factor = 1): number {
  const exceed = Math.min(Math.max(length - (maxLength - buffer), 0), buffer);
  return exceed === 0 ? 0 : (-exceed / buffer) * factor;
}

/** The overlong styles by name. */
const OVERLONG_STYLES = { dapo: overlongDapo, verl: overlongVerl, openrlhf: overlongOpenRlhf } as const;

const overlongParams = z
  .strictObject({
    /** L_max: the length at which the penalty reaches its full value. */
    maxLength: positiveInt,
    /** L_cache / overlong buffer length. */
    buffer: positiveInt,
    /** `dapo` (−1 beyond L_max), `verl` (= AReaL, no floor), `openrlhf` (exceed capped). */
    style: z.enum(["dapo", "verl", "openrlhf"]).default("dapo"),
    /** Penalty factor (verl `penalty_factor`, AReaL `overlong_penalty_factor`). */
    factor: z.number().positive().default(1),
    unit: lengthUnitSchema.default("tokens"),
  })
  .refine((p) => p.buffer <= p.maxLength, { message: "buffer must be <= maxLength", path: ["buffer"] });

/** `length.overlong`: one parametrised soft overlong punishment. */
export const lengthOverlong: KindDefinition<z.infer<typeof overlongParams>> = {
  name: "length.overlong",
  summary: "Soft overlong punishment: DAPO Eq. 13, verl/AReaL or OpenRLHF style, tokens or chars.",
  params: overlongParams,
  create: perSample((sample, p) =>
    OVERLONG_STYLES[p.style](lengthOf(sample, p.unit), p.maxLength, p.buffer, p.factor),
  ),
};

/** Cosine length scaling (Demystifying Long CoT App. C.1) with the endpoint values. */
export function cosineScaled(
  length: number,
  maxLength: number,
  correct: boolean,
  v: { minValueWrong: number; maxValueWrong: number; minValueCorrect: number; maxValueCorrect: number },
  clamp: boolean,
): number {
  const progress = clamp ? Math.min(length / maxLength, 1) : length / maxLength;
  const cosine = Math.cos(progress * Math.PI);
  const [lo, hi] = correct ? [v.minValueCorrect, v.maxValueCorrect] : [v.maxValueWrong, v.minValueWrong];
  return lo + 0.5 * (hi - lo) * (1 + cosine);
}

const cosineValues = {
  minValueWrong: z.number().default(-1),
  maxValueWrong: z.number().default(-0.5),
  minValueCorrect: z.number().default(0.5),
  maxValueCorrect: z.number().default(1),
};

const cosineParams = z.strictObject({
  maxLength: positiveInt,
  ...cosineValues,
  unit: lengthUnitSchema.default("tokens"),
  /** Correctness source (an earlier reward or a boolean field). */
  correct: correctnessSchema,
});

/** `length.cosine`: cosine-scaled reward, progress clamped at 1; `null` when correctness is unknown. */
export const lengthCosine: KindDefinition<z.infer<typeof cosineParams>> = {
  name: "length.cosine",
  summary: "Cosine length scaling with clamped progress; null when correctness is not applicable.",
  params: cosineParams,
  references: (p) => correctnessRefs(p.correct),
  create: perSample((sample, p, i, ctx) => {
    const correct = correctnessOf(p.correct, sample, i, ctx);
    if (correct === null) return null;
    return cosineScaled(lengthOf(sample, p.unit), p.maxLength, correct, p, true);
  }),
};

/** Kimi k1.5 length reward over a set of lengths; `correct[i] === null` counts as correct (open-r1). */
export function kimiLengthRewards(
  lengths: readonly number[],
  correct: readonly (boolean | null)[],
): number[] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const l of lengths) {
    if (l < min) min = l;
    if (l > max) max = l;
  }
  if (lengths.length === 0) return [];
  if (max === min) return lengths.map(() => 0);
  return lengths.map((l, i) => {
    const lambda = 0.5 - (l - min) / (max - min);
    return correct[i] === false ? Math.min(0, lambda) : lambda;
  });
}

const kimiParams = z.strictObject({
  unit: lengthUnitSchema.default("tokens"),
  correct: correctnessSchema,
  /** `batch` (open-r1: over the whole batch passed in) or `group`. */
  scope: z.enum(["batch", "group"]).default("batch"),
});

/** Splits sample indices by `group` field (or one set for the batch). */
function indexSets(samples: readonly { group?: string | number }[], scope: "batch" | "group"): number[][] {
  if (scope === "batch") return [samples.map((_, i) => i)];
  const map = new Map<string | number, number[]>();
  samples.forEach((s, i) => {
    const key = s.group ?? `__sample${i}`;
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  });
  return [...map.values()];
}

/** `length.kimi`: Kimi k1.5 batch-level length reward; samples with unknown correctness get `null`. */
export const lengthKimi: KindDefinition<z.infer<typeof kimiParams>> = {
  name: "length.kimi",
  summary: "Kimi k1.5 length reward (batch- or group-level); null when correctness is not applicable.",
  params: kimiParams,
  references: (p) => correctnessRefs(p.correct),
  create: (p) => (samples, ctx) => {
    const out = samples.map(() => ({ value: null as number | null, error: undefined as unknown }));
    for (const set of indexSets(samples, p.scope)) {
      const usable: number[] = [];
      const lengths: number[] = [];
      const correct: boolean[] = [];
      for (const i of set) {
        try {
          const c = correctnessOf(p.correct, samples[i]!, i, ctx);
          const l = lengthOf(samples[i]!, p.unit);
          if (c === null) continue;
          usable.push(i);
          lengths.push(l);
          correct.push(c);
        } catch (error) {
          out[i]!.error = error;
        }
      }
      kimiLengthRewards(lengths, correct).forEach((v, k) => {
        out[usable[k]!]!.value = v;
      });
    }
    return out.map((r) => (r.error === undefined ? { value: r.value } : { value: null, error: r.error }));
  },
};
