import { renderDefaultBreakerYaml } from "@rlops/recovery";

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
 * The commented starter `breaker.yaml`: `@rlops/recovery`'s default breaker
 * (`renderDefaultBreakerYaml`, the config `rlops report` runs), with the ARC goal, over the given
 * reward and loss metric names.
 */
export function breakerTemplate(options: StarterOptions = {}): string {
  return renderDefaultBreakerYaml({
    rewardMetric: options.rewardMetric ?? "reward",
    lossMetric: options.lossMetric ?? "loss",
    arc: true,
  });
}
