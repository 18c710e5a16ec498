import { formatIssuePath } from "@rlops/errors";
import * as z from "zod";
import { RewardsError } from "./errors.js";

/**
 * One completion to score. `completion` (text) or `completionIds` (token ids) is required by most kinds;
 * every other field (dataset columns such as `answer`, `dataSource`, `language`) is passed through.
 */
export const sampleSchema = z
  .object({
    id: z.union([z.string(), z.number()]).optional(),
    prompt: z.string().optional(),
    completion: z.string().optional(),
    completionIds: z.array(z.number().int().nonnegative()).optional(),
    answer: z.unknown().optional(),
    group: z.union([z.string(), z.number()]).optional(),
    dataSource: z.string().optional(),
    task: z.string().optional(),
    truncated: z.boolean().optional(),
  })
  .catchall(z.unknown());

/** A sample as accepted by {@link createScorer}'s `score`. */
export type Sample = z.infer<typeof sampleSchema>;

/** A diagnostic attached to a sample's result: what happened, in which reward. */
export interface Diagnostic {
  /** Stable code, e.g. `HARMONY_MARKERS_STRIPPED`, `REWARD_FAILED`. */
  code: string;
  /** Human-readable explanation. */
  message: string;
  /** The reward id that produced it, if any. */
  reward?: string;
}

const SNAKE_ALIASES: Record<string, string> = {
  completion_ids: "completionIds",
  data_source: "dataSource",
};

/**
 * Validates one raw sample (e.g. a JSONL record) and maps snake_case wire names (`completion_ids`,
 * `data_source`) to their camelCase fields. Throws `INVALID_SAMPLE` naming the index and field.
 */
export function normalizeSample(raw: unknown, index: number): Sample {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new RewardsError({
      code: "INVALID_SAMPLE",
      message: `samples[${index}]: expected an object, got ${Array.isArray(raw) ? "array" : raw === null ? "null" : typeof raw}`,
      details: { index },
    });
  }
  let record = raw as Record<string, unknown>;
  for (const [snake, camel] of Object.entries(SNAKE_ALIASES)) {
    if (snake in record && !(camel in record)) {
      const { [snake]: value, ...rest } = record;
      record = { ...rest, [camel]: value };
    }
  }
  const problem = quickCheck(record);
  // A fresh object per call: per-sample caches (the harmony view) never outlive one score() call.
  if (problem === null) return record === raw ? ({ ...record } as Sample) : (record as Sample);
  const parsed = sampleSchema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RewardsError({
      code: "INVALID_SAMPLE",
      message: `${formatIssuePath(["samples", index, ...issue.path])}: ${issue.message}`,
      details: { index, path: issue.path.map(String) },
      cause: parsed.error,
    });
  }
  return parsed.data;
}

const OPTIONAL_STRINGS = ["prompt", "completion", "dataSource", "task"] as const;

/** Fast path of the schema check for well-formed samples; `"slow"` defers to zod for the message. */
function quickCheck(r: Record<string, unknown>): null | "slow" {
  for (const k of OPTIONAL_STRINGS) if (r[k] !== undefined && typeof r[k] !== "string") return "slow";
  const id = r.id;
  if (id !== undefined && typeof id !== "string" && typeof id !== "number") return "slow";
  const group = r.group;
  if (group !== undefined && typeof group !== "string" && typeof group !== "number") return "slow";
  if (r.truncated !== undefined && typeof r.truncated !== "boolean") return "slow";
  const ids = r.completionIds;
  if (ids !== undefined) {
    if (!Array.isArray(ids)) return "slow";
    for (const t of ids) if (typeof t !== "number" || !Number.isInteger(t) || t < 0) return "slow";
  }
  return null;
}
