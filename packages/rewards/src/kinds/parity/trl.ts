// TRL reward functions (trl/rewards), reproduced exactly.
import { overlongDapo } from "../length.js";

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
