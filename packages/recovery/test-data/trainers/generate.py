"""Writes the real-trainer metric files under test-data/trainers/ (see SOURCE.md).

Run: RLOPS_PYTHON=$(scripts/ci-venv.sh | tail -1); $RLOPS_PYTHON packages/recovery/test-data/trainers/generate.py
"""
import json
import math
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def summary_writer():
    """torch SummaryWriter: simple_value scalars, new-style tensor scalars, text, a histogram."""
    from torch.utils.tensorboard import SummaryWriter

    out = os.path.join(HERE, "summarywriter")
    shutil.rmtree(out, ignore_errors=True)
    w = SummaryWriter(log_dir=out)
    w.add_text("notes", "not a scalar", 0)
    for step in range(1, 21):
        w.add_scalar("reward", 0.0 if step >= 15 else 0.5 + step / 100, step)
        w.add_scalar("loss", float("nan") if step == 7 else 2.0 - step / 20, step)
        w.add_scalar("kl/new_style", step / 1000, step, new_style=True)
        if step % 5 == 0:
            w.add_histogram("weights", __import__("numpy").array([1.0, 2.0, 3.0]), step)
    w.close()
    expected = []
    for step in range(1, 21):
        expected.append({
            "step": step,
            "reward": 0.0 if step >= 15 else 0.5 + step / 100,
            "loss": None if step == 7 else 2.0 - step / 20,
            "kl/new_style": step / 1000,
        })
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=0)


def hf_trainer():
    """HF Trainer on a tiny random Llama, report_to=tensorboard, logging every step, 2 saves."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, Trainer, TrainingArguments

    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64,
                                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2))

    class Data(torch.utils.data.Dataset):
        def __len__(self):
            return 64

        def __getitem__(self, i):
            ids = torch.tensor([(i + k) % 64 for k in range(8)])
            return {"input_ids": ids, "labels": ids}

    tmp = tempfile.mkdtemp()
    args = TrainingArguments(output_dir=tmp, max_steps=12, per_device_train_batch_size=4, logging_steps=1,
                             save_steps=5, eval_strategy="steps", eval_steps=4, report_to=["tensorboard"],
                             use_cpu=True, disable_tqdm=True, save_only_model=True)
    Trainer(model=model, args=args, train_dataset=Data(), eval_dataset=Data()).train()
    out = os.path.join(HERE, "hf-trainer")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    shutil.copytree(os.path.join(tmp, "runs"), os.path.join(out, "runs"))
    # trainer_state.json of the first checkpoint only (weights are not needed by the metric tests):
    # between saves the events file holds more steps than any trainer_state.json.
    last = sorted((d for d in os.listdir(tmp) if d.startswith("checkpoint-")), key=lambda d: int(d.split("-")[1]))[0]
    os.makedirs(os.path.join(out, last))
    shutil.copy(os.path.join(tmp, last, "trainer_state.json"), os.path.join(out, last, "trainer_state.json"))
    shutil.rmtree(tmp)


def lightning_csv():
    """Lightning CSVLogger with train and validation metrics logged at the same steps."""
    import lightning as L
    import torch
    from lightning.pytorch.loggers import CSVLogger

    class M(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(4, 1)

        def training_step(self, batch, i):
            loss = self.layer(batch).pow(2).mean()
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch, i):
            self.log("val_loss", self.layer(batch).pow(2).mean())

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    torch.manual_seed(0)
    data = torch.utils.data.DataLoader(torch.randn(32, 4), batch_size=4)
    out = os.path.join(HERE, "lightning")
    shutil.rmtree(out, ignore_errors=True)
    trainer = L.Trainer(max_epochs=3, logger=CSVLogger(out, name="csv"), log_every_n_steps=2,
                        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                        accelerator="cpu")
    trainer.fit(M(), data, data)


if __name__ == "__main__":
    which = sys.argv[1:] or ["summary_writer", "hf_trainer", "lightning_csv"]
    for name in which:
        globals()[name]()
