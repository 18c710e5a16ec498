// verl `reward_score/math_dapo.py` scoring (`compute_score`, boxed extraction, Minerva answers).
import { isPySpace, pyTail } from "../../py.js";
import { SampleInputError } from "../types.js";
import { normalizeFinalAnswer } from "./math-normalize.js";

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
function removeBoxed(s: string): string {
  if (!s.startsWith("\\boxed{") || !s.endsWith("}"))
    throw new SampleInputError("BOX_ERROR", `box error: ${s.slice(0, 80)}`);
  return s.slice(7, -1);
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
