import { type BreakerConfig, defaultBreakerConfig, loadBreakerConfig } from "@rlops/recovery";
import { replayTable } from "@rlops/recovery/node";
import type { SeriesCollector } from "./metrics.js";
import type { Report } from "./schema.js";

/** What {@link runBreaker} found: the report's breaker section and the names the next action needs. */
export interface BreakerRun {
  breaker: Report["breaker"];
  goalRules: string[];
  earlyStoppingRules: string[];
}

/**
 * Replays every step of the table through the breaker (`@rlops/recovery`'s `replayTable`, the same
 * replay as `breaker check <run-dir>`): the given config, else `defaultBreakerConfig` for the
 * metrics present; `null` config (no reward or loss metric) leaves the breaker `not-run`. A given
 * config whose metric no record holds is `METRIC_NEVER_SEEN`, never "no rule tripped".
 */
export function runBreaker(
  collector: SeriesCollector,
  given: { config: BreakerConfig; source: string } | null,
  metrics: { rewardMetric: string | null; lossMetric: string | null; arc: boolean },
  where: string,
): BreakerRun {
  const breaker: Report["breaker"] = {
    status: "not-run",
    config: given?.source ?? "default",
    rules: [],
    decisions: [],
    trip: null,
  };
  const defaultInput = given ? null : defaultBreakerConfig(metrics);
  const config = given?.config ?? (defaultInput ? loadBreakerConfig(defaultInput, "default breaker") : null);
  if (!config) return { breaker, goalRules: [], earlyStoppingRules: [] };
  breaker.rules = [...config.rules, ...config.earlyStopping, ...config.goals, ...config.best].map(
    (r) => r.name,
  );
  const replayed = replayTable(config, collector.table, { requireMetrics: given !== null, where });
  breaker.decisions = replayed.decisions;
  breaker.trip = replayed.verdict;
  breaker.status = breaker.trip ? "tripped" : "ok";
  return {
    breaker,
    goalRules: config.goals.map((g) => g.name),
    earlyStoppingRules: config.earlyStopping.map((e) => e.name),
  };
}
