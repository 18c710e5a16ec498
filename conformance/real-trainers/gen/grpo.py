"""TRL GRPOTrainer run (use_vllm=False, several reward functions, checkpoints, TensorBoard)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from common import WORDS, fresh, make_model, make_tokenizer, seed_all, tb_scalars, write_truth
from hf import Recorder, _last, derive_expected, expect_block


def reward_len(completions, **_):
    return [-abs(len(c.split()) - 3) / 3.0 for c in completions]


def reward_has_cat(completions, **_):
    return [1.0 if "cat" in c else 0.0 for c in completions]


def reward_const(completions, **_):
    return [0.5 for _ in completions]


def generate(out: Path, only: set[str] | None = None) -> list[str]:
    name = "trl-grpo"
    if only and name not in only:
        return []
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    tree = fresh(out / name)
    seed_all(0)
    cwd = os.getcwd()
    os.chdir(tree)
    try:
        tok = make_tokenizer()
        tok.padding_side = "left"
        # GRPO builds its reference model from the model's path: save the tiny random model outside the tree.
        base_dir = tempfile.mkdtemp(prefix="rlops-grpo-base-")
        make_model(tok).save_pretrained(base_dir)
        tok.save_pretrained(base_dir)
        prompts = [" ".join(WORDS[i : i + 3]) for i in range(8)]
        ds = Dataset.from_dict({"prompt": prompts})
        cfg = GRPOConfig(output_dir="run", max_steps=6, save_steps=2, save_total_limit=2, logging_steps=1,
                         per_device_train_batch_size=4, num_generations=2, max_completion_length=6,
                         learning_rate=1e-3, report_to=["tensorboard"], use_vllm=False, use_cpu=True, seed=0,
                         disable_tqdm=True, beta=0.04, log_completions=False)
        trainer = GRPOTrainer(model=base_dir, reward_funcs=[reward_len, reward_has_cat, reward_const], args=cfg,
                              train_dataset=ds, processing_class=tok)
        rec = Recorder(Path("run"))
        try:
            trainer.train()
        finally:
            rec.restore()
        truth = {
            "tree": name,
            "trainer": "trl.GRPOTrainer",
            "root": "run",
            "layout": "hf",
            "args": {"max_steps": 6, "save_steps": 2, "save_total_limit": 2, "num_generations": 2,
                     "reward_funcs": ["reward_len", "reward_has_cat", "reward_const"]},
            "endState": "max_steps",
            "globalStep": trainer.state.global_step,
            "maxSteps": cfg.max_steps,
            "bestModelCheckpoint": None,
            "rotations": rec.events,
            "hfGetLastCheckpoint": _last(Path("run")),
            "tensorboard": tb_scalars(Path("run")),
            **expect_block(Path("run"), {}),
        }
        truth["expected"] = derive_expected(truth, save_only=False, peft=False)
        write_truth(Path("."), truth)
        shutil.rmtree(base_dir, ignore_errors=True)
    finally:
        os.chdir(cwd)
    return [name]
