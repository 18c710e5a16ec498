// Parity kinds: reproduce TRL / open-r1 / verl reward functions exactly, quirks included.
import { z } from "zod";
import { isPyDigitChar, isPySpace, pyCount, pyIsDigit, pyLen, pySplit, pyStrip, pyTail } from "../py.js";
import type { Sample } from "../sample.js";
import { correctnessOf, correctnessRefs, correctnessSchema, lengthOf, textOf } from "./common.js";
import { cosineScaled, kimiLengthRewards, overlongDapo } from "./length.js";
import {
  type KindContext,
  type KindDefinition,
  type KindResult,
  perSample,
  SampleInputError,
} from "./types.js";

// ---------- TRL ----------

/** TRL `think_format_reward`: `re.match(r"^<think>(?!.*<think>)(.*?)</think>.*$", c, DOTALL|MULTILINE)`. */
export function trlThinkFormat(c: string): number {
  return c.startsWith("<think>") && c.indexOf("<think>", 7) < 0 && c.indexOf("</think>", 7) >= 0 ? 1 : 0;
}

/** TRL `get_soft_overlong_punishment` (token ids): DAPO Eq. 13. */
export function trlSoftOverlong(length: number, maxCompletionLen: number, softPunishCache: number): number {
  return overlongDapo(length, maxCompletionLen, softPunishCache);
}

/** n-gram repetition scaling `1 − |set(ngrams)|/|ngrams|` over items (0 if fewer than n items). */
export function ngramScaling<T>(
  items: readonly T[],
  n: number,
  key: (slice: readonly T[]) => string,
): number {
  if (items.length < n) return 0;
  const total = items.length - n + 1;
  const seen = new Set<string>();
  for (let i = 0; i < total; i++) seen.add(key(items.slice(i, i + n)));
  return 1 - seen.size / total;
}

/** TRL `get_repetition_penalty_reward` on token ids: `scaling·max_penalty if scaling else 0.0`. */
export function trlRepetitionPenalty(ids: readonly number[], n: number, maxPenalty: number): number {
  const scaling = ngramScaling(ids, n, (s) => s.join(","));
  return scaling ? scaling * maxPenalty : 0;
}

// ---------- open-r1 ----------

/** open-r1 `format_reward`: `^<think>\n.*?\n</think>\n<answer>\n.*?\n</answer>$` (DOTALL|MULTILINE, re.match). */
export function openR1Format(c: string): number {
  if (!c.startsWith("<think>\n")) return 0;
  const mid = c.indexOf("\n</think>\n<answer>\n", 8);
  if (mid < 0) return 0;
  return endsWithAnswerClose(c, mid + 19) ? 1 : 0;
}

/** Is there a `\n</answer>` at or after `from` followed by end of string or `\n` (MULTILINE `$`)? */
function endsWithAnswerClose(c: string, from: number): boolean {
  let j = c.indexOf("\n</answer>", from);
  while (j >= 0) {
    const end = j + 10;
    if (end === c.length || c.charCodeAt(end) === 10) return true;
    j = c.indexOf("\n</answer>", j + 1);
  }
  return false;
}

/** open-r1 `tag_count_reward`: +0.25 per tag counted exactly once. */
export function openR1TagCount(c: string): number {
  let r = 0;
  if (pyCount(c, "<think>\n") === 1) r += 0.25;
  if (pyCount(c, "\n</think>\n") === 1) r += 0.25;
  if (pyCount(c, "\n<answer>\n") === 1) r += 0.25;
  if (pyCount(c, "\n</answer>") === 1) r += 0.25;
  return r;
}

const STEP_WORDS = ["First,", "Second,", "Next,", "Finally,"];

/** Count of `re.findall(r"(Step \d+:|^\d+\.|\n-|\n\*|First,|Second,|Next,|Finally,)", c)`. */
export function countReasoningSteps(c: string): number {
  let n = 0;
  let i = 0;
  while (i < c.length) {
    const m = matchStepAt(c, i);
    if (m > 0) {
      n++;
      i += m;
    } else i++;
  }
  return n;
}

function digitRun(c: string, i: number): number {
  let j = i;
  while (j < c.length) {
    const code = c.charCodeAt(j);
    if (code >= 48 && code <= 57) j++;
    else if (code > 127 && isPyDigitChar(c[j]!)) j++;
    else break;
  }
  return j - i;
}

function matchStepAt(c: string, i: number): number {
  if (c.startsWith("Step ", i)) {
    const d = digitRun(c, i + 5);
    if (d > 0 && c.charCodeAt(i + 5 + d) === 58) return 5 + d + 1;
  }
  if (i === 0) {
    const d = digitRun(c, 0);
    if (d > 0 && c.charCodeAt(d) === 46) return d + 1;
  }
  if (c.charCodeAt(i) === 10) {
    const next = c.charCodeAt(i + 1);
    if (next === 45 || next === 42) return 2;
  }
  for (const w of STEP_WORDS) if (c.startsWith(w, i)) return w.length;
  return 0;
}

/** open-r1 `reasoning_steps_reward`: `min(1.0, count/3)`. */
export function openR1ReasoningSteps(c: string): number {
  return Math.min(1, countReasoningSteps(c) / 3);
}

/** open-r1 `get_repetition_penalty_reward` (en): words `lower().split()`, emits `-0.0` with no repeats. */
export function openR1RepetitionPenalty(c: string, n: number, maxPenalty: number): number {
  if (c === "") return 0;
  const words = pySplit(c.toLowerCase());
  if (words.length < n) return 0;
  const scaling = ngramScaling(words, n, (s) => s.join("\u0000"));
  return scaling * maxPenalty;
}

/** open-r1 `get_code_format_reward`: `^<think>\n.*?\n</think>\n<answer>\n.*?```{lang}.*?```.*?\n</answer>$`. */
export function openR1CodeFormat(c: string, language: string): number {
  if (!c.startsWith("<think>\n")) return 0;
  const mid = c.indexOf("\n</think>\n<answer>\n", 8);
  if (mid < 0) return 0;
  const open = c.indexOf(`\`\`\`${language}`, mid + 19);
  if (open < 0) return 0;
  const close = c.indexOf("```", open + 3 + language.length);
  if (close < 0) return 0;
  return endsWithAnswerClose(c, close + 3) ? 1 : 0;
}

// ---------- verl gsm8k ----------

function isNumClass(code: number): boolean {
  return (code >= 48 && code <= 57) || code === 46 || code === 44;
}

/** verl `gsm8k.extract_solution(solution_str, method)`. */
export function verlGsm8kExtract(solution: string, method: "strict" | "flexible"): string | null {
  const s = pyTail(solution, 300);
  const found: string[] = [];
  if (method === "strict") {
    let i = s.indexOf("#### ");
    while (i >= 0) {
      let j = i + 5;
      const neg = s.charCodeAt(j) === 45 && isNumClass(s.charCodeAt(j + 1));
      if (neg) j++;
      const start = j;
      while (j < s.length && isNumClass(s.charCodeAt(j))) j++;
      if (j > start) {
        found.push(s.slice(neg ? start - 1 : start, j));
        i = s.indexOf("#### ", j);
      } else i = s.indexOf("#### ", i + 1);
    }
    if (found.length === 0) return null;
    return found[found.length - 1]!.replaceAll(",", "").replaceAll("$", "");
  }
  let i = 0;
  while (i < s.length) {
    const code = s.charCodeAt(i);
    let j = i;
    if (code === 45 && isNumClass(s.charCodeAt(i + 1))) j = i + 1;
    if (isNumClass(s.charCodeAt(j))) {
      let k = j;
      while (k < s.length && isNumClass(s.charCodeAt(k))) k++;
      found.push(s.slice(i, k));
      i = k;
    } else i++;
  }
  if (found.length === 0) return null;
  let answer = found[found.length - 1]!;
  for (let k = found.length - 1; k >= 0; k--) {
    answer = found[k]!;
    if (answer !== "" && answer !== ".") break;
  }
  return answer;
}

/** verl `gsm8k.compute_score`: no answer → `0`, correct → `score`, else `formatScore`. */
export function verlGsm8kScore(
  solution: string,
  groundTruth: string,
  method: "strict" | "flexible" = "strict",
  formatScore = 0,
  score = 1,
): number {
  const answer = verlGsm8kExtract(solution, method);
  if (answer === null) return 0;
  return answer === groundTruth ? score : formatScore;
}

// ---------- verl math_dapo ----------

/** verl `math_dapo.last_boxed_only_string`. */
export function lastBoxedOnlyString(s: string): string | null {
  const idx = s.lastIndexOf("\\boxed{");
  if (idx < 0) return null;
  let open = 0;
  for (let i = idx; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 123) open++;
    else if (ch === 125) {
      open--;
      if (open === 0) return s.slice(idx, i + 1);
    }
  }
  return null;
}

/** verl `math_dapo.remove_boxed` (asserts the `\boxed{…}` wrapper). */
export function removeBoxed(s: string): string {
  if (!s.startsWith("\\boxed{") || !s.endsWith("}"))
    throw new SampleInputError("BOX_ERROR", `box error: ${s.slice(0, 80)}`);
  return s.slice(7, -1);
}

/** verl `math_dapo.SUBSTITUTIONS`. */
export const SUBSTITUTIONS: readonly (readonly [string, string])[] = [
  ["an ", ""],
  ["a ", ""],
  [".$", "$"],
  ["\\$", ""],
  ["\\ ", ""],
  [" ", ""],
  ["mbox", "text"],
  [",\\text{and}", ","],
  ["\\text{and}", ","],
  ["\\text{m}", "\\text{}"],
];

/** verl `math_dapo.REMOVED_EXPRESSIONS`. */
export const REMOVED_EXPRESSIONS: readonly string[] = [
  "square",
  "ways",
  "integers",
  "dollars",
  "mph",
  "inches",
  "hours",
  "km",
  "units",
  "\\ldots",
  "sue",
  "points",
  "feet",
  "minutes",
  "digits",
  "cents",
  "degrees",
  "cm",
  "gm",
  "pounds",
  "meters",
  "meals",
  "edges",
  "students",
  "childrentickets",
  "multiples",
  "\\text{s}",
  "\\text{.}",
  "\\text{\ns}",
  "\\text{}^2",
  "\\text{}^3",
  "\\text{\n}",
  "\\text{}",
  "\\mathrm{th}",
  "^\\circ",
  "^{\\circ}",
  "\\;",
  ",\\!",
  "{,}",
  '"',
  "\\dots",
];

/** `re.sub(r"(.*?)(\$)(.*?)(\$)(.*)", "$\3$", s)`: per line with two `$`, keep `$between$`. */
function subDollar(s: string): string {
  return s
    .split("\n")
    .map((line) => {
      const a = line.indexOf("$");
      if (a < 0) return line;
      const b = line.indexOf("$", a + 1);
      return b < 0 ? line : `$${line.slice(a + 1, b)}$`;
    })
    .join("\n");
}

/** `re.sub(r"(<prefix>)(.*?)(\})", "\2", s)` (lazy, `.` excludes newline). */
function subLazyWrap(s: string, prefix: string): string {
  let out = "";
  let pos = 0;
  let i = s.indexOf(prefix);
  while (i >= 0) {
    const bodyStart = i + prefix.length;
    const close = s.indexOf("}", bodyStart);
    const nl = s.indexOf("\n", bodyStart);
    if (close >= 0 && (nl < 0 || close < nl)) {
      out += s.slice(pos, i) + s.slice(bodyStart, close);
      pos = close + 1;
      i = s.indexOf(prefix, pos);
    } else i = s.indexOf(prefix, i + 1);
  }
  return out + s.slice(pos);
}

/** `re.sub(r"(\\boxed\{)(.*)(\})", "\2", s)` (greedy to the last `}` of the line). */
function subGreedyBoxed(s: string): string {
  const prefix = "\\boxed{";
  let out = "";
  let pos = 0;
  let i = s.indexOf(prefix);
  while (i >= 0) {
    const bodyStart = i + prefix.length;
    let lineEnd = s.indexOf("\n", bodyStart);
    if (lineEnd < 0) lineEnd = s.length;
    const close = s.lastIndexOf("}", lineEnd - 1);
    if (close >= bodyStart) {
      out += s.slice(pos, i) + s.slice(bodyStart, close);
      pos = close + 1;
      i = s.indexOf(prefix, pos);
    } else i = s.indexOf(prefix, i + 1);
  }
  return out + s.slice(pos);
}

/** `re.sub(r"(frac)([^{])(.)", r"frac{\2}{\3}", s)` then `re.sub(r"(sqrt)([^{])", r"sqrt{\2}", s)`. */
function subShorthand(s: string): string {
  let out = "";
  let pos = 0;
  let i = s.indexOf("frac");
  while (i >= 0) {
    const a = s[i + 4];
    const b = s[i + 5];
    if (a !== undefined && a !== "{" && b !== undefined && b !== "\n") {
      out += `${s.slice(pos, i)}frac{${a}}{${b}}`;
      pos = i + 6;
      i = s.indexOf("frac", pos);
    } else i = s.indexOf("frac", i + 1);
  }
  s = out + s.slice(pos);
  out = "";
  pos = 0;
  i = s.indexOf("sqrt");
  while (i >= 0) {
    const a = s[i + 4];
    if (a !== undefined && a !== "{") {
      out += `${s.slice(pos, i)}sqrt{${a}}`;
      pos = i + 5;
      i = s.indexOf("sqrt", pos);
    } else i = s.indexOf("sqrt", i + 1);
  }
  return out + s.slice(pos);
}

/** verl `math_dapo.normalize_final_answer`. */
export function normalizeFinalAnswer(answer: string): string {
  let s = answer.split("=").at(-1)!;
  for (const [before, after] of SUBSTITUTIONS) s = s.replaceAll(before, after);
  for (const expr of REMOVED_EXPRESSIONS) s = s.replaceAll(expr, "");
  s = subDollar(s);
  s = subLazyWrap(s, "\\text{");
  s = subLazyWrap(s, "\\textbf{");
  s = subLazyWrap(s, "\\overline{");
  s = subGreedyBoxed(s);
  s = subShorthand(s);
  s = s.replaceAll("$", "");
  if (pyIsDigit(s.replaceAll(",", ""))) s = s.replaceAll(",", "");
  return pyStrip(s);
}

function isAsciiAnswerAt(s: string, i: number): boolean {
  return s.slice(i, i + 6).toLowerCase() === "answer";
}

/** All captures of `(?i)Answer\s*:\s*([^\n]+)` (re.findall). */
export function minervaAnswers(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i + 6 <= s.length) {
    const code = s.charCodeAt(i) | 0x20;
    if (code !== 97 || !isAsciiAnswerAt(s, i)) {
      i++;
      continue;
    }
    let j = i + 6;
    while (j < s.length && isPySpace(s.charCodeAt(j))) j++;
    if (s.charCodeAt(j) !== 58) {
      i++;
      continue;
    }
    const p = j + 1;
    let q = p;
    while (q < s.length && isPySpace(s.charCodeAt(q))) q++;
    let k = q;
    while (k >= p && (k >= s.length || s.charCodeAt(k) === 10)) k--;
    if (k < p) {
      i++;
      continue;
    }
    let end = s.indexOf("\n", k);
    if (end < 0) end = s.length;
    out.push(s.slice(k, end));
    i = end;
  }
  return out;
}

/** verl `math_dapo.compute_score` → `{score: ±1, acc, pred}`. */
export function verlMathDapoScore(
  solution: string,
  groundTruth: string,
  strictBoxVerify = false,
): { score: number; acc: boolean; pred: string | null } {
  const s = pyTail(solution, 300);
  let correct: boolean;
  let pred: string | null;
  if (strictBoxVerify) {
    const boxed = lastBoxedOnlyString(pyTail(s, 100));
    pred = boxed === null ? null : removeBoxed(boxed);
    correct = pred === groundTruth;
  } else {
    const matches = minervaAnswers(s);
    pred = normalizeFinalAnswer(matches.length > 0 ? matches[matches.length - 1]! : "[INVALID]");
    correct = pred === normalizeFinalAnswer(groundTruth);
  }
  return { score: correct ? 1 : -1, acc: correct, pred };
}

// ---------- kind definitions ----------

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
    params: z.strictObject({
      ngramSize: z.number().int().positive().default(3),
      maxPenalty: z.number().max(0).default(-1),
    }),
    create: perSample((s, p: { ngramSize: number; maxPenalty: number }) => {
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
    params: z.strictObject({
      ngramSize: z.number().int().positive().default(3),
      maxPenalty: z.number().max(0).default(-1),
      language: z.literal("en").default("en"),
    }),
    create: perSample((s, p: { ngramSize: number; maxPenalty: number }) =>
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
