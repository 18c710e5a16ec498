/** Options of the starter files. */
export interface StarterOptions {
  /** Reward metric the breaker watches (TRL logs `reward`, AReaL `grpo_actor/task_reward/avg`). */
  rewardMetric?: string;
  /** Loss metric for the non-finite and spike rules. */
  lossMetric?: string;
}

/**
 * A commented starter `reward-spec.yaml` (`@rlops/rewards` spec, version 1): ARC grid reward on the
 * harmony final channel, a harmony format reward, and DAPO's overlong penalty, with GRPO group statistics.
 */
export function rewardSpecTemplate(): string {
  return `# reward-spec.yaml — rewards for an ARC GRPO/DAPO run (@rlops/rewards spec, version 1).
# Check it:     rlops rewards check --spec reward-spec.yaml
# Use it with:  rlops rewards score --spec reward-spec.yaml < samples.jsonl
#               rlops rewards serve --spec reward-spec.yaml   (http://127.0.0.1:8377)
version: 1
name: arc-dapo
description: ARC grid accuracy on the harmony final channel, harmony format, DAPO overlong penalty.

# How the weighted rewards combine: "sum" (weighted nansum, like TRL) or "mean" (over applicable rewards).
aggregation: sum

rewards:
  # Grid reward: the grid in the completion's final channel against the sample's target grid.
  # The value is sum(w * component) / sum(w); the default weights reward a perfect match only.
  - id: arc
    kind: arc.grid
    weight: 1
    params:
      answerField: answer       # sample field holding the target grid (a grid or its JSON text)
      weights:
        perfect: 1              # 1 when every cell matches
        pixelAccuracy: 0.5      # fraction of matching cells (0 on a size mismatch)
        sizeMatch: 0            # 1 when the grid has the target's shape
        formatValid: 0          # 1 when a grid could be read at all
    onError: fail               # fail | null (not applicable) | a fixed value

  # Harmony format: channels well formed, known channels only, a non-empty final answer.
  - id: format
    kind: harmony.channels
    weight: 0.2
    params:
      channels: [analysis, commentary, final]
      minBodyChars: 1
      stopTokenStripped: false  # true if your engine drops <|return|> / <|call|> from returned text

  # DAPO soft overlong punishment (Eq. 13): 0 up to maxLength - buffer, a linear ramp, -1 beyond.
  # Counted in characters so every caller can use it: /get_reward, /reward and verl send text only.
  # unit: tokens is DAPO's own unit, but then every sample must carry completion_ids (TRL does).
  - id: overlong
    kind: length.overlong
    weight: 1
    params:
      maxLength: 8192           # characters (about 2048 tokens of English text)
      buffer: 1024
      style: dapo               # dapo | verl (= AReaL) | openrlhf
      unit: chars               # chars | tokens (needs completion_ids on every sample)

# GRPO group statistics (advantages), used by rlops rewards score and POST /score. The per-sample
# paths (/get_reward, /reward, /score with "groups": false, TRL and verl) never group: the trainer
# computes its own advantages, so their batches need not be a multiple of group.size.
group:
  size: 8                       # candidates per prompt (TRL num_generations)
  scale: group                  # group (TRL) | batch (LitePPO) | none (Dr.GRPO)
  std: sample                   # sample (n-1) | population (n)
  epsilon: 0.0001
  estimator: grpo
  # DAPO dynamic sampling: drop groups whose rewards are all equal (no learning signal).
  filter:
    kind: verl
    metric: reward
`;
}

/**
 * A commented starter `breaker.yaml` (`@rlops/recovery` breaker config, version 1): the seeds'
 * "reward zero for 10 consecutive steps", non-finite and spiking loss, early stopping and the ARC
 * "3 perfect solutions" goal.
 */
export function breakerTemplate(options: StarterOptions = {}): string {
  const reward = JSON.stringify(options.rewardMetric ?? "reward");
  const loss = JSON.stringify(options.lossMetric ?? "loss");
  return `# breaker.yaml — circuit breakers and early stopping, decided by step (@rlops/recovery, version 1).
# Check a metrics log with:   rlops breaker check --config breaker.yaml logs/metrics.jsonl
# Follow a live run with:     rlops breaker watch --config breaker.yaml logs/metrics.jsonl
# Exit codes: 0 ok, 3 stop, 4 rollback, 2 bad input.
version: 1

rules:
  # The reward collapsed: zero (|x| <= eps) for 10 consecutive steps trips on the 10th.
  - name: reward-collapse
    kind: zero
    metric: ${reward}        # AReaL: grpo_actor/task_reward/avg
    eps: 1.0e-9
    trigger: { consecutive: 10 }
    action: rollback         # stop | rollback | save
    warmupSteps: 0

  # NaN or Infinity in the loss trips at once.
  - name: loss-nonfinite
    kind: nonfinite
    metric: ${loss}
    action: rollback

  # Loss spike: robust z-score (median/MAD over the last 50 accepted values) above 8, 3 steps in a row.
  - name: loss-spike
    kind: spike
    metric: ${loss}
    window: 50
    threshold: 8
    direction: up
    minObservations: 20
    trigger: { consecutive: 3 }
    action: rollback

# Early stopping with Lightning's semantics: stop when the metric has not improved by more than
# minDelta for \`patience\` checks.
earlyStopping:
  - name: reward-plateau
    metric: ${reward}
    mode: max
    patience: 200
    minDelta: 0
    checkFinite: true
    warmupSteps: 50

# Goals: stop when the run has done its job — perfect ARC solutions on 3 distinct problems.
goals:
  - name: arc-three-perfect
    kind: perfect
    count: 3
    metric: arc/perfect      # > 0 at a step marks a perfect solution (rlops report computes it)
    distinct: true

# How odd step sequences are handled.
steps:
  duplicates: first          # a resumed run logs a step twice: keep the first | last | error
  outOfOrder: ignore         # ignore | rewind (treat as a resume) | error
  gap: ignoreGap             # breakStreak | ignoreGap | gapCountsAsFailure
missing: skip                # a rule's metric absent from a record: skip | error

# After a rollback: probation, then escalation to an older checkpoint, then abort.
probation: { steps: 20, maxFailFraction: 0.25 }
escalation: { maxRollbacks: 3 }
`;
}
