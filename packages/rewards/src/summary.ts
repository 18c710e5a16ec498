// The batch summary of the JSONL bridge: what a trainer logs for one optimizer batch.
import * as z from "zod";
import type { ScoreResult } from "./scorer.js";

/**
 * Summary of one optimizer batch scored by `scoreJsonl` / `rlops rewards score --summary`. `metrics` uses
 * TRL's log keys and formulas (`reward`, `reward_std`, `frac_reward_zero_std`, `rewards/<id>/mean`,
 * `rewards/<id>/std`; `null` = NaN), so it can be logged next to a trainer's own metrics.
 */
export const batchSummarySchema = z.strictObject({
  /** Index of the batch in the input (0-based). */
  batch: z.number().int().nonnegative(),
  /** Index of the batch's first record in the input (0-based, blank lines not counted). */
  first: z.number().int().nonnegative(),
  /** Records in the batch. */
  records: z.number().int().nonnegative(),
  /** Groups in the batch (0 without group statistics). */
  groups: z.number().int().nonnegative(),
  /** Groups dropped by `group.filter` (DAPO dynamic sampling); 0 without a filter. */
  filteredGroups: z.number().int().nonnegative(),
  /** TRL-named batch metrics. */
  metrics: z.record(z.string(), z.number().nullable()),
});

/** One batch summary; see {@link batchSummarySchema}. */
export type BatchSummary = z.infer<typeof batchSummarySchema>;

/** The JSONL record a summary is written as: `{"summary": {...}}`. */
export const summaryRecordSchema = z.strictObject({ summary: batchSummarySchema });

/** A summary record; see {@link summaryRecordSchema}. */
export type SummaryRecord = z.infer<typeof summaryRecordSchema>;

/** Flattens {@link ScoreResult.metrics} to TRL's log keys (`rewards/<id>/mean` …). */
export function trlMetrics(metrics: ScoreResult["metrics"]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [id, m] of Object.entries(metrics.rewards)) {
    out[`rewards/${id}/mean`] = m.mean;
    out[`rewards/${id}/std`] = m.std;
  }
  out.reward = metrics.reward;
  out.reward_std = metrics.reward_std;
  out.frac_reward_zero_std = metrics.frac_reward_zero_std;
  return out;
}

/** The summary of one scored batch (`batch` = its index, `first` = index of its first record). */
export function summarizeBatch(result: ScoreResult, batch: number, first: number): BatchSummary {
  let filtered = 0;
  for (const g of result.groups) if (!g.kept) filtered++;
  return {
    batch,
    first,
    records: result.samples.length,
    groups: result.groups.length,
    filteredGroups: filtered,
    metrics: trlMetrics(result.metrics),
  };
}
