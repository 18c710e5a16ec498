// verl `reward_score/gsm8k.py`, reproduced exactly.
import { pyTail } from "../../py.js";

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
