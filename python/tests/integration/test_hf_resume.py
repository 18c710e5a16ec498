"""A real HF Trainer that crashes inside a save: latest_resumable skips the half-written checkpoint."""

from __future__ import annotations

import json
import logging
import os

import pytest

from conftest import require

pytestmark = pytest.mark.trainers


class Crash(RuntimeError):
    pass


def _trainer(tiny, out, crash_at=None, callbacks=()):
    transformers = require("transformers")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny)
    texts = ["solve the puzzle: rotate the grid %d" % i for i in range(32)]

    class Data(torch.utils.data.Dataset):
        def __len__(self):
            return len(texts)

        def __getitem__(self, i):
            ids = tok(texts[i], truncation=True, max_length=16, padding="max_length")["input_ids"]
            return {"input_ids": torch.tensor(ids), "labels": torch.tensor(ids)}

    class CrashingTrainer(transformers.Trainer):
        def _save_optimizer_and_scheduler(self, output_dir):
            if crash_at is not None and self.state.global_step == crash_at:
                raise Crash("killed while saving %s" % output_dir)  # model weights written, the rest not
            return super()._save_optimizer_and_scheduler(output_dir)

    args = transformers.TrainingArguments(
        output_dir=out, per_device_train_batch_size=4, max_steps=6, save_strategy="steps", save_steps=2,
        logging_steps=1, report_to=[], use_cpu=True, disable_tqdm=True, seed=0, learning_rate=1e-3)
    return CrashingTrainer(model=AutoModelForCausalLM.from_pretrained(tiny), args=args, train_dataset=Data(),
                           callbacks=list(callbacks))


def test_crash_inside_a_save_resumes_from_the_previous_checkpoint(tiny, tmp_path, caplog):
    from transformers.trainer_utils import get_last_checkpoint

    from rlops.checkpoints import latest_resumable
    from rlops.hf import BreakerCallback

    out = str(tmp_path / "run")
    breaker = {"version": 1, "rules": [{"name": "loss", "metric": "loss", "kind": "nonfinite", "action": "stop"}]}
    first = BreakerCallback(breaker)
    with pytest.raises(Crash):
        _trainer(tiny, out, crash_at=4, callbacks=[first]).train()
    assert os.path.isdir(os.path.join(out, "checkpoint-4"))
    assert get_last_checkpoint(out).endswith("checkpoint-4")  # what HF would resume from (and die)
    with caplog.at_level(logging.INFO, logger="rlops.checkpoints"):
        chosen = latest_resumable(out)
    assert chosen == os.path.join(os.path.abspath(out), "checkpoint-2")
    assert any("checkpoint-4" in r.getMessage() and "skipping" in r.getMessage() for r in caplog.records)
    assert latest_resumable(out, before_step=2) is None
    # the monitor state saved beside checkpoint-2 is restored on resume
    saved = json.load(open(os.path.join(chosen, "rlops", "breaker-state.json")))
    assert saved["stats"]["observed"] == 2
    second = BreakerCallback(breaker)
    trainer = _trainer(tiny, out, callbacks=[second])
    trainer.train(resume_from_checkpoint=chosen)
    assert trainer.state.global_step == 6
    assert second.watcher.monitor.result()["stats"]["observed"] == 6
    assert second.verdict is None
