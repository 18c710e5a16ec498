"""Run under `torchrun --nproc_per_node=2`: a TRL GRPO run on CPU (gloo) with rlops rewards and the breaker.

argv: <output_dir> <tiny model dir> <reward spec>. Each rank writes <output_dir>/rank-<r>.json.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    out, tiny, spec = sys.argv[1:4]
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOTrainer

    import rlops._bridge
    from grpo_common import collapsing_reward, config, dataset
    from rlops.hf import BreakerCallback
    from rlops.trl import reward_funcs

    breaker = {"version": 1, "rules": [{"name": "collapse", "metric": "rewards/collapse/mean", "kind": "zero",
                                        "trigger": {"consecutive": 2}, "action": "stop"}]}
    callback = BreakerCallback(breaker)
    funcs = [collapsing_reward(good_calls=2)] + reward_funcs(spec)
    trainer = GRPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(tiny),
        processing_class=AutoTokenizer.from_pretrained(tiny),
        reward_funcs=funcs,
        args=config(out, max_steps=8, save_strategy="steps", save_steps=2, ddp_backend="gloo",
                    per_device_train_batch_size=2, num_generations=4),
        train_dataset=dataset(),
        callbacks=[callback],
    )
    trainer.train()
    rank = int(os.environ["RANK"])
    with open(os.path.join(out, "rank-%d.json" % rank), "w") as f:
        json.dump({"rank": rank, "global_step": trainer.state.global_step, "verdict": callback.verdict,
                   "is_main": trainer.state.is_world_process_zero,
                   "bridge_pid": rlops._bridge.get_bridge()._proc.pid, "pid": os.getpid()}, f)


if __name__ == "__main__":
    main()
