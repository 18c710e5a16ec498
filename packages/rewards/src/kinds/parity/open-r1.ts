// open-r1 reward functions (src/open_r1/rewards.py), reproduced exactly, quirks included.
import { isPyDigitChar, pyCount, pySplit } from "../../py.js";
import { ngramScaling } from "./trl.js";

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
