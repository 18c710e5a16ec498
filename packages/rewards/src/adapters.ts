// Calling-convention adapters: the same scorer behind TRL, verl, OpenRLHF, AReaL and verifiers shapes.
import { RewardsError } from "./errors.js";
import type { Scorer } from "./scorer.js";

/** TRL reward-function arguments: batch lists plus dataset columns (one value per row). */
export interface TrlRewardArgs {
  prompts?: readonly unknown[];
  completions: readonly unknown[];
  completionIds?: readonly (readonly number[])[];
  [column: string]: unknown;
}

function text(value: unknown): string {
  // conversational rows: [{role, content}]
  if (Array.isArray(value))
    return value
      .map((m) =>
        m && typeof m === "object" ? String((m as { content?: unknown }).content ?? "") : String(m),
      )
      .join("");
  return String(value ?? "");
}

const TRL_RESERVED = new Set([
  "prompts",
  "completions",
  "completionIds",
  "completion_ids",
  "trainer_state",
  "trainerState",
  "log_extra",
  "log_metric",
  "environments",
]);

/**
 * TRL calling shape: `fn({prompts, completions, completionIds, ...columns}) → (number | null)[]`
 * (batch-level; `null` = not applicable, TRL's `None`). Columns whose value is a list of the batch length
 * become per-sample fields (`answerKey`, default `answer`/`solution`/`ground_truth`, becomes `answer`).
 */
export function toTrlRewardFunc(
  scorer: Scorer,
  answerKey?: string,
): (args: TrlRewardArgs) => (number | null)[] {
  return (args) => {
    const n = args.completions.length;
    const key = answerKey ?? ["answer", "solution", "ground_truth"].find((k) => k in args);
    const ids = args.completionIds ?? (args.completion_ids as TrlRewardArgs["completionIds"]);
    const samples = args.completions.map((c, i) => {
      const s: Record<string, unknown> = { id: i, completion: text(c) };
      if (args.prompts?.[i] !== undefined) s.prompt = text(args.prompts[i]);
      if (ids?.[i]) s.completionIds = [...ids[i]!];
      for (const [k, v] of Object.entries(args)) {
        if (TRL_RESERVED.has(k) || !Array.isArray(v) || v.length !== n) continue;
        s[k === key ? "answer" : k] = v[i];
      }
      return s;
    });
    return scorer.score(samples, { groups: false }).samples.map((s) => s.reward);
  };
}

/**
 * verl `compute_score(data_source, solution_str, ground_truth, extra_info)` → `{score, ...components}`.
 * Throws `REWARD_FAILED` when no reward applies (verl needs a number; no fake 0).
 */
export function toVerlComputeScore(
  scorer: Scorer,
): (
  dataSource: string,
  solutionStr: string,
  groundTruth: unknown,
  extraInfo?: Record<string, unknown>,
) => Record<string, number> {
  return (dataSource, solutionStr, groundTruth, extraInfo) => {
    const r = scorer.score(
      [{ ...(extraInfo ?? {}), completion: solutionStr, answer: groundTruth, dataSource }],
      { groups: false },
    ).samples[0]!;
    if (r.reward === null)
      throw new RewardsError({
        code: "REWARD_FAILED",
        message: `no reward applies to data_source "${dataSource}"`,
      });
    const out: Record<string, number> = { score: r.reward };
    for (const [k, v] of Object.entries(r.components)) if (v !== null && k !== "score") out[k] = v;
    return out;
  };
}

/** OpenRLHF `reward_func(queries, prompts, labels)` → `{rewards, scores, extra_logs}` (query minus prompt = completion). */
export function toOpenRlhfRewardFunc(scorer: Scorer): (
  queries: readonly string[],
  prompts: readonly string[],
  labels?: readonly unknown[],
) => {
  rewards: (number | null)[];
  scores: (number | null)[];
  extra_logs: Record<string, (number | null)[]>;
} {
  return (queries, prompts, labels) => {
    const samples = queries.map((q, i) => {
      const p = prompts[i];
      return {
        id: i,
        prompt: p,
        completion: p !== undefined && q.startsWith(p) ? q.slice(p.length) : q,
        answer: labels?.[i],
      };
    });
    const result = scorer.score(samples, { groups: false });
    const rewards = result.samples.map((s) => s.reward);
    const extra: Record<string, (number | null)[]> = {};
    result.samples.forEach((s, i) => {
      for (const [k, v] of [...Object.entries(s.components), ...Object.entries(s.breakdown)]) {
        if (!extra[k]) extra[k] = new Array(samples.length).fill(null);
        extra[k]![i] = v;
      }
    });
    return {
      rewards,
      scores: rewards.map((r) => (r === null ? null : Math.min(1, Math.max(0, r)))),
      extra_logs: extra,
    };
  };
}

/** AReaL per-sample `reward_fn(prompt, completions, prompt_ids, completion_ids, **data) → number | null`. */
export function toArealRewardFn(
  scorer: Scorer,
): (
  prompt: string,
  completion: string,
  promptIds: readonly number[],
  completionIds: readonly number[],
  data?: Record<string, unknown>,
) => number | null {
  return (prompt, completion, _promptIds, completionIds, data) =>
    scorer.score([{ ...(data ?? {}), prompt, completion, completionIds: [...completionIds] }], {
      groups: false,
    }).samples[0]!.reward;
}

/** verifiers rubric function `(completion, answer, ...) → number | null`. */
export function toVerifiersRewardFunc(
  scorer: Scorer,
): (completion: unknown, answer?: unknown, info?: Record<string, unknown>) => number | null {
  return (completion, answer, info) =>
    scorer.score([{ ...(info ?? {}), completion: text(completion), answer }], { groups: false }).samples[0]!
      .reward;
}
