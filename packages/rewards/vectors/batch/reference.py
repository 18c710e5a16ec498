"""Reference group statistics for `rlops rewards score` batches, computed with the trainers' own code.

TRL: the tensor ops of `GRPOTrainer._generate_and_score_completions` (trl 1.13, sum_then_normalize
branch and the logged metrics), with TRL's own `trl.trainer.utils.nanstd` imported from the installed
package. verl: `compute_grpo_outcome_advantage` (verl/trainer/ppo/core_algos.py) transcribed from its
documented formula (verl is not installed). Reward values come from the upstream functions transcribed
in ../generate.py (open-r1 `tag_count_reward`, verl `gsm8k.compute_score`), run on the same completions.

Run: <python with torch and trl> reference.py   (writes input.jsonl, spec-*.json, expected.json)
"""

import json
import math
import os
import sys
from collections import defaultdict

import torch
from trl.trainer.utils import nanstd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import generate  # noqa: E402  (upstream reward functions, standard library only)

G = 4  # num_generations
TAGS = ["<think>\n", "reasoning", "\n</think>\n", "\n<answer>\n", None, "\n</answer>"]


def completion(tags, answer):
    """`tags` of the four open-r1 tags present (0..4), then the gsm8k answer."""
    parts = []
    present = 0
    for t in TAGS:
        if t is None:
            parts.append(f"#### {answer}")
        elif t == "reasoning":
            parts.append(t)
        else:
            if present < tags:
                parts.append(t)
            present += 1
    return "".join(parts)


# (task, tags present, answer given); ground truth is always "1".
# task: "math" → only acc applies, "fmt" → only tags applies, "both" → both, "none" → unscorable.
ROWS = [
    # g0: mixed
    ("both", 4, 1), ("both", 2, 0), ("both", 3, 0), ("both", 4, 1),
    # g1: all equal → zero std
    ("both", 4, 1), ("both", 4, 1), ("both", 4, 1), ("both", 4, 1),
    # g2: one unscorable row
    ("math", 0, 1), ("none", 0, 0), ("both", 1, 0), ("fmt", 3, 0),
    # g3: a single scorable row
    ("none", 0, 1), ("none", 4, 1), ("both", 2, 1), ("none", 0, 0),
    # g4: only tags applies
    ("fmt", 0, 0), ("fmt", 1, 0), ("fmt", 2, 0), ("fmt", 4, 0),
    # g5: acc only, half right
    ("math", 0, 1), ("math", 0, 0), ("math", 0, 1), ("math", 0, 0),
]

WEIGHTS = {"acc": 1.0, "tags": 0.5}


def reward_rows(rows, applies=True):
    """rewards_per_func (N × 2), NaN where a function returns None (TRL's conversion of None)."""
    out = []
    for task, tags, ans in rows:
        text = completion(tags, ans)
        acc = float(generate.gsm8k_score(text, "1")) if (not applies or task in ("math", "both")) else math.nan
        tg = float(generate.openr1_tag_count(text)) if (not applies or task in ("fmt", "both")) else math.nan
        out.append([acc, tg])
    return out


def trl(rewards_per_func, scale_rewards, dtype):
    """TRL 1.13 `_generate_and_score_completions`, sum_then_normalize, then the logged metrics."""
    rewards_per_func = torch.tensor(rewards_per_func, dtype=dtype)
    reward_weights = torch.tensor([WEIGHTS["acc"], WEIGHTS["tags"]], dtype=dtype)
    num_generations = G
    unscorable_mask = torch.isnan(rewards_per_func).all(dim=1)
    rewards = (rewards_per_func * reward_weights.unsqueeze(0)).nansum(dim=1)
    rewards[unscorable_mask] = torch.nan
    mean_grouped_rewards = torch.nanmean(rewards.view(-1, num_generations), dim=1)
    mean_grouped_rewards = mean_grouped_rewards.repeat_interleave(num_generations, dim=0)
    if scale_rewards in ["group", "none"]:
        if num_generations > 1:
            std_rewards = nanstd(rewards.view(-1, num_generations), dim=1)
            std_rewards = std_rewards.repeat_interleave(num_generations, dim=0)
        else:
            std_rewards = torch.zeros_like(rewards)
    elif scale_rewards == "batch":
        if rewards.numel() > 1:
            std_rewards = nanstd(rewards).expand_as(rewards)
        else:
            std_rewards = torch.zeros_like(rewards)
    advantages = rewards - mean_grouped_rewards
    if scale_rewards != "none":
        advantages = advantages / (std_rewards + 1e-4)
    is_std_zero = torch.isclose(std_rewards, torch.zeros_like(std_rewards))
    advantages = torch.nan_to_num(advantages, nan=0.0)

    metrics = {}
    for i, name in enumerate(["acc", "tags"]):
        metrics[f"rewards/{name}/mean"] = torch.nanmean(rewards_per_func[:, i]).item()
        metrics[f"rewards/{name}/std"] = nanstd(rewards_per_func[:, i]).item()
    logged = (rewards_per_func * reward_weights.unsqueeze(0)).nansum(dim=1)
    logged[unscorable_mask] = torch.nan
    metrics["reward"] = torch.nanmean(logged).item()
    metrics["reward_std"] = nanstd(logged).item()
    metrics["frac_reward_zero_std"] = is_std_zero.float().mean().item()
    rewards_out = [None if math.isnan(r) else r for r in rewards.tolist()]
    return {"rewards": rewards_out, "advantages": advantages.tolist(), "metrics": clean(metrics)}


def verl(scores_list, index, norm_adv_by_std_in_grpo, epsilon=1e-6):
    """verl `compute_grpo_outcome_advantage` (outcome reward = the sequence score)."""
    scores = torch.tensor(scores_list, dtype=torch.float64)
    id2score = defaultdict(list)
    id2mean, id2std = {}, {}
    bsz = scores.shape[0]
    for i in range(bsz):
        id2score[index[i]].append(scores[i])
    for idx in id2score:
        if len(id2score[idx]) == 1:
            id2mean[idx] = torch.tensor(0.0, dtype=torch.float64)
            id2std[idx] = torch.tensor(1.0, dtype=torch.float64)
        elif len(id2score[idx]) > 1:
            t = torch.stack(id2score[idx])
            id2mean[idx] = torch.mean(t)
            id2std[idx] = torch.std(t)
    for i in range(bsz):
        if norm_adv_by_std_in_grpo:
            scores[i] = (scores[i] - id2mean[index[i]]) / (id2std[index[i]] + epsilon)
        else:
            scores[i] = scores[i] - id2mean[index[i]]
    return scores.tolist()


def clean(d):
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def spec(name, group, applies=True):
    rewards = [
        {"id": "acc", "kind": "verl.gsm8k", "weight": WEIGHTS["acc"]},
        {"id": "tags", "kind": "open_r1.tag_count", "weight": WEIGHTS["tags"]},
    ]
    if applies:
        rewards[0]["appliesTo"] = {"task": ["math", "both"]}
        rewards[1]["appliesTo"] = {"task": ["fmt", "both"]}
    return {"version": 1, "name": name, "rewards": rewards, "group": {"size": G, **group}}


def main():
    records = [
        {"id": f"r{i}", "task": task, "completion": completion(tags, ans), "answer": "1"}
        for i, (task, tags, ans) in enumerate(ROWS)
    ]
    with open(os.path.join(HERE, "input.jsonl"), "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    rpf = reward_rows(ROWS)
    cases = []
    for scale in ["group", "batch", "none"]:
        # whole input as one batch, and --batch-size 12 (two optimizer batches of 3 groups)
        for batch_size in [None, 12]:
            chunks = [rpf] if batch_size is None else [rpf[i : i + batch_size] for i in range(0, len(rpf), batch_size)]
            batches = []
            for chunk in chunks:
                ref64 = trl(chunk, scale, torch.float64)
                ref32 = trl(chunk, scale, torch.float32)  # TRL's dtype: must agree to float32 precision
                for a, b in zip(ref64["advantages"], ref32["advantages"]):
                    assert abs(a - b) < 1e-5, (a, b)
                batches.append(ref64)
            cases.append({
                "name": f"trl scale_rewards={scale}" + (f", batch {batch_size}" if batch_size else ""),
                "spec": spec(f"trl-{scale}", {"scale": scale, "std": "sample", "epsilon": 1e-4, "singleton": "zero"}),
                "batchSize": batch_size,
                "batches": batches,
            })
    # verl: no None (every reward applies), groups by uid = consecutive G records
    rpf_all = reward_rows(ROWS, applies=False)
    scores = [WEIGHTS["acc"] * a + WEIGHTS["tags"] * t for a, t in rpf_all]
    index = [i // G for i in range(len(scores))]
    for norm in [True, False]:
        cases.append({
            "name": f"verl compute_grpo_outcome_advantage norm_adv_by_std_in_grpo={norm}",
            "spec": spec(
                "verl-grpo",
                {"scale": "group" if norm else "none", "std": "sample", "epsilon": 1e-6, "singleton": "passthrough"},
                applies=False,
            ),
            "batchSize": None,
            "batches": [{"rewards": scores, "advantages": verl(scores, index, norm)}],
        })
    expected = {
        "source": "reference.py (TRL 1.13 GRPOTrainer ops with trl.trainer.utils.nanstd; verl core_algos formula)",
        "torch": torch.__version__,
        "input": "input.jsonl",
        "componentsPerRecord": [[None if math.isnan(v) else v for v in row] for row in rpf],
        "cases": cases,
    }
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
