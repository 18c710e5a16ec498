import type { BreakerConfig } from "./config.js";
import { RecoveryError } from "./errors.js";

/** What a replay observed, for {@link assertMetricsSeen}. */
export interface ObservedMetrics {
  /** Records (steps) observed. */
  records: number;
  /** Whether some observed record held metric `name`. */
  has: (name: string) => boolean;
  /** Metric names that were seen (listed in the error), sorted. */
  names: readonly string[];
  /** Names what was read (files, run folder), for the message. */
  where: string;
}

const MAX_LISTED = 40;

/**
 * The one decision on "did the breaker watch anything": throws `RecoveryError` `NO_RECORDS` when no
 * record was observed, and `METRIC_NEVER_SEEN` when a rule, early-stopping entry, goal or best
 * entry reads a metric that no observed record held (naming it and listing the names that were
 * seen). Per-record `missing: skip` is unaffected: it concerns records that lack a metric that
 * other records hold. Used by `checkMetrics`, `watchMetrics` (at its end) and `rlops report`.
 */
export function assertMetricsSeen(config: BreakerConfig, observed: ObservedMetrics): void {
  if (observed.records === 0)
    throw new RecoveryError({
      code: "NO_RECORDS",
      message: `${observed.where}: no metric record observed (nothing for the breaker to decide on)`,
      details: { where: observed.where, hint: "check the path: no line or entry with a step was read" },
    });
  const unseen: { entry: string; metric: string }[] = [];
  const groups = [
    ["rule", config.rules],
    ["earlyStopping", config.earlyStopping],
    ["goal", config.goals],
    ["best", config.best],
  ] as const;
  for (const [kind, entries] of groups)
    for (const entry of entries)
      if (!observed.has(entry.metric))
        unseen.push({ entry: `${kind} "${entry.name}"`, metric: entry.metric });
  if (unseen.length === 0) return;
  const names = observed.names;
  const listed =
    names.length === 0
      ? "none"
      : names.slice(0, MAX_LISTED).join(", ") +
        (names.length > MAX_LISTED ? `, … (${names.length} in all)` : "");
  const what = unseen.map((u) => `${u.entry} reads "${u.metric}"`).join("; ");
  throw new RecoveryError({
    code: "METRIC_NEVER_SEEN",
    message: `${what}, which no record of ${observed.where} holds (${observed.records} records; metrics seen: ${listed})`,
    details: {
      unseen,
      seen: [...names],
      records: observed.records,
      hint: "fix the metric name in the breaker config (names are exact and case-sensitive)",
    },
  });
}
