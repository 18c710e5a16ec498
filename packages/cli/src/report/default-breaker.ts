/**
 * The breaker the report runs when no `--breaker` config is given: the seeds' hand-written rules, made
 * generic over the run's metric names (`@rlops/recovery` config format, version 1).
 */
export interface DefaultBreakerInput {
  /** The run's reward metric, e.g. `reward` or `grpo_actor/task_reward/avg`. */
  rewardMetric: string | null;
  /** The run's loss metric, if any. */
  lossMetric: string | null;
  /** True when ARC response logs were found (adds the 3-perfect-solutions goal). */
  arc: boolean;
}

/** Rule names of the default breaker. */
export const DEFAULT_RULES = {
  rewardZero: "reward-collapse",
  lossNonFinite: "loss-nonfinite",
  lossSpike: "loss-spike",
  arcGoal: "arc-three-perfect",
} as const;

/** Builds the default breaker config object (input form, defaults filled in by `loadBreakerConfig`). */
export function defaultBreakerConfig(input: DefaultBreakerInput): Record<string, unknown> | null {
  const rules: Record<string, unknown>[] = [];
  if (input.rewardMetric)
    rules.push({
      name: DEFAULT_RULES.rewardZero,
      kind: "zero",
      metric: input.rewardMetric,
      eps: 1e-9,
      trigger: { consecutive: 10 },
      action: "rollback",
    });
  if (input.lossMetric) {
    rules.push({
      name: DEFAULT_RULES.lossNonFinite,
      kind: "nonfinite",
      metric: input.lossMetric,
      action: "rollback",
    });
    rules.push({
      name: DEFAULT_RULES.lossSpike,
      kind: "spike",
      metric: input.lossMetric,
      window: 50,
      threshold: 8,
      direction: "up",
      minObservations: 20,
      trigger: { consecutive: 3 },
      action: "rollback",
    });
  }
  const goals = input.arc
    ? [{ name: DEFAULT_RULES.arcGoal, kind: "perfect", count: 3, metric: "arc/perfect", distinct: true }]
    : [];
  if (rules.length === 0 && goals.length === 0) return null;
  return { version: 1, rules, goals, steps: { duplicates: "first", outOfOrder: "ignore", gap: "ignoreGap" } };
}
