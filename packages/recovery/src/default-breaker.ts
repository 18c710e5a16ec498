import type { BreakerConfigInput } from "./config.js";

/** What the default breaker adapts to: the run's metric names. */
export interface DefaultBreakerInput {
  /** The run's reward metric, e.g. `reward` (TRL) or `grpo_actor/task_reward/avg` (AReaL); null: none. */
  rewardMetric: string | null;
  /** The run's loss metric; null: none. */
  lossMetric: string | null;
  /** True when ARC response logs are present (adds the 3-perfect-solutions goal). */
  arc: boolean;
}

/** Rule names of the default breaker. */
export const DEFAULT_RULES = {
  rewardZero: "reward-collapse",
  lossNonFinite: "loss-nonfinite",
  lossSpike: "loss-spike",
  arcGoal: "arc-three-perfect",
} as const;

/**
 * The metric ARC response logs expose for a perfect solution (`recordFromResponseLog`: 1 when any
 * candidate of the step is a perfect match; `rlops report` gives the re-scored value the same name).
 */
export const PERFECT_METRIC = "perfect";

type Entry = { comment: string; value: Record<string, unknown> };

/** The entries, each with the comment the rendered YAML puts above it: the one source of both. */
function entries(input: DefaultBreakerInput): { rules: Entry[]; goals: Entry[] } {
  const rules: Entry[] = [];
  if (input.rewardMetric)
    rules.push({
      comment: "The reward collapsed: zero (|x| <= eps) for 10 consecutive steps trips on the 10th.",
      value: {
        name: DEFAULT_RULES.rewardZero,
        kind: "zero",
        metric: input.rewardMetric,
        eps: 1e-9,
        trigger: { consecutive: 10 },
        action: "rollback",
      },
    });
  if (input.lossMetric) {
    rules.push({
      comment: "NaN or Infinity in the loss trips at once.",
      value: {
        name: DEFAULT_RULES.lossNonFinite,
        kind: "nonfinite",
        metric: input.lossMetric,
        action: "rollback",
      },
    });
    rules.push({
      comment:
        "Loss spike: robust z-score (median/MAD over the last 50 accepted values) above 8, 3 steps in a row.",
      value: {
        name: DEFAULT_RULES.lossSpike,
        kind: "spike",
        metric: input.lossMetric,
        window: 50,
        threshold: 8,
        direction: "up",
        minObservations: 20,
        trigger: { consecutive: 3 },
        action: "rollback",
      },
    });
  }
  const goals: Entry[] = input.arc
    ? [
        {
          comment: `Goal: stop when the run has done its job — perfect ARC solutions on 3 distinct problems
(\`${PERFECT_METRIC}\` > 0 at a step of the response logs marks one).`,
          value: {
            name: DEFAULT_RULES.arcGoal,
            kind: "perfect",
            count: 3,
            metric: PERFECT_METRIC,
            distinct: true,
          },
        },
      ]
    : [];
  return { rules, goals };
}

const STEPS = { duplicates: "first", outOfOrder: "ignore", gap: "ignoreGap" } as const;

/**
 * The default breaker (`@rlops/recovery` config, version 1) over a run's metric names: reward
 * collapse, non-finite and spiking loss, and the ARC goal. `rlops report` runs it when no
 * `--breaker` is given and `rlops init` writes it as `breaker.yaml` ({@link renderDefaultBreakerYaml},
 * the same entries with comments). Null when there is nothing to watch.
 */
export function defaultBreakerConfig(input: DefaultBreakerInput): BreakerConfigInput | null {
  const { rules, goals } = entries(input);
  if (rules.length === 0 && goals.length === 0) return null;
  return {
    version: 1,
    rules: rules.map((e) => e.value),
    goals: goals.map((e) => e.value),
    steps: { ...STEPS },
    missing: "skip",
  } as BreakerConfigInput;
}

function scalar(value: unknown): string {
  if (typeof value === "string")
    return /^[A-Za-z_][\w/.-]*$/.test(value) && !RESERVED.has(value) ? value : JSON.stringify(value);
  if (typeof value === "number")
    return Number.isInteger(value) || Math.abs(value) >= 1e-4 ? String(value) : value.toExponential();
  return JSON.stringify(value);
}
const RESERVED = new Set(["true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"]);

function flow(value: Record<string, unknown>): string {
  return `{ ${Object.entries(value)
    .map(
      ([k, v]) =>
        `${k}: ${typeof v === "object" && v !== null ? flow(v as Record<string, unknown>) : scalar(v)}`,
    )
    .join(", ")} }`;
}

function comment(text: string, indent: string): string {
  return text
    .split("\n")
    .map((line) => `${indent}# ${line}`)
    .join("\n");
}

function list(items: Entry[]): string {
  return items
    .map((e) => {
      const lines = Object.entries(e.value).map(([k, v], i) => {
        const text = typeof v === "object" && v !== null ? flow(v as Record<string, unknown>) : scalar(v);
        return `${i === 0 ? "  - " : "    "}${k}: ${text}`;
      });
      return `${comment(e.comment, "  ")}\n${lines.join("\n")}`;
    })
    .join("\n\n");
}

/**
 * The default breaker as a commented `breaker.yaml` (what `rlops init` writes): the entries of
 * {@link defaultBreakerConfig} with their comments, the step and missing-value policies, and a
 * commented-out early-stopping example. Loading it gives exactly `defaultBreakerConfig(input)`.
 */
export function renderDefaultBreakerYaml(input: DefaultBreakerInput): string {
  const { rules, goals } = entries(input);
  const reward = input.rewardMetric ?? "reward";
  return `# breaker.yaml — circuit breakers and early stopping, decided by step (@rlops/recovery, version 1).
# The default breaker of rlops (the one \`rlops report\` runs without --breaker).
# Check a run with:      rlops breaker check --config breaker.yaml <run-dir or metrics file>
# Follow a live run:     rlops breaker watch --config breaker.yaml <run-dir or metrics file>
# Exit codes: 0 ok, 3 stop, 4 rollback, 2 bad input (a metric no record holds is METRIC_NEVER_SEEN).
version: 1

rules:${rules.length === 0 ? " []" : `\n${list(rules)}`}

goals:${goals.length === 0 ? " []" : `\n${list(goals)}`}

# Early stopping with Lightning's semantics (not in the default; uncomment to use): stop when the
# metric has not improved by more than minDelta for \`patience\` checks.
# earlyStopping:
#   - name: reward-plateau
#     metric: ${scalar(reward)}
#     mode: max
#     patience: 200
#     minDelta: 0
#     checkFinite: true
#     warmupSteps: 50

# How odd step sequences are handled (records of one step are always merged into one observation).
steps:
  duplicates: ${STEPS.duplicates}          # a resumed run logs a step again: keep the first | last | error
  outOfOrder: ${STEPS.outOfOrder}         # ignore | rewind (treat as a resume) | error
  gap: ${STEPS.gap}                # breakStreak | ignoreGap | gapCountsAsFailure
missing: skip                # a record without a rule's metric: skip | error
`;
}
