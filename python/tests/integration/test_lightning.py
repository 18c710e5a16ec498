"""A real Lightning run stopped by rlops.lightning.BreakerCallback at the exact step."""

from __future__ import annotations

import json
import os

import pytest

from conftest import require

pytestmark = pytest.mark.trainers


def test_lightning_run_stops_on_a_collapsed_reward(tmp_path, capfd):
    L = require("lightning.pytorch")
    import torch

    from rlops.lightning import BreakerCallback

    class Module(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(4, 1)

        def training_step(self, batch, batch_idx):
            loss = self.layer(batch).pow(2).mean()
            # the "task reward" collapses to 0 from the 4th optimizer step on
            self.log("reward", 1.0 if self.global_step < 3 else 0.0)
            self.log("loss", loss)
            return loss

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.01)

    data = torch.utils.data.DataLoader(torch.randn(64, 4), batch_size=2)
    breaker = {"version": 1, "rules": [{"name": "zero-reward", "metric": "reward", "kind": "zero",
                                        "trigger": {"consecutive": 3}, "action": "stop"}]}
    callback = BreakerCallback(breaker)
    trainer = L.Trainer(max_steps=30, accelerator="cpu", default_root_dir=str(tmp_path), logger=False,
                        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                        callbacks=[callback])
    trainer.fit(Module(), data)
    # steps are counted after each optimizer step: rewards 0 logged at global steps 3, 4, 5 -> observed at 4, 5, 6
    assert callback.verdict is not None and callback.verdict["rule"] == "zero-reward"
    assert trainer.global_step == callback.verdict["step"] == 6
    assert callback.verdict["firstBadStep"] == 4
    decision = json.load(open(os.path.join(str(tmp_path), "rlops", "decision.json")))
    assert decision["verdict"] == callback.verdict
    assert "rlops breaker: STOP at step 6" in capfd.readouterr().err
