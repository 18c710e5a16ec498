"""Lightning runs: default TensorBoard logger (two versions in one root), CSVLogger(name="csv"), and two
loggers at once; ModelCheckpoint top-k + save_last, EarlyStopping on a scripted val_loss."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import torch
from common import fresh, seed_all, tb_scalars, write_truth


def _module(val_losses: list[float]):
    import lightning as L

    class Tiny(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(4, 1)
            self.save_hyperparameters({"val_losses": val_losses})

        def training_step(self, batch, _i):
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.layer(x), y)
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch, _i):
            # the monitored metric follows a script so ModelCheckpoint / EarlyStopping decisions are known
            v = val_losses[min(self.current_epoch, len(val_losses) - 1)]
            self.log("val_loss", torch.tensor(v))

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    return Tiny()


def _loaders():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(16, 4, generator=g)
    y = x.sum(1, keepdim=True)
    ds = torch.utils.data.TensorDataset(x, y)
    return torch.utils.data.DataLoader(ds, batch_size=4), torch.utils.data.DataLoader(ds, batch_size=8)


def _fit(root: Path, loggers, val_losses: list[float], max_epochs: int, patience: int | None) -> dict[str, Any]:
    import lightning as L
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

    seed_all(0)
    mc = ModelCheckpoint(monitor="val_loss", save_top_k=2, save_last=True)
    cbs: list[Any] = [mc]
    es = None
    if patience is not None:
        es = EarlyStopping(monitor="val_loss", patience=patience, mode="min")
        cbs.append(es)
    tr = L.Trainer(default_root_dir=str(root), max_epochs=max_epochs, logger=loggers, callbacks=cbs,
                   enable_progress_bar=False, enable_model_summary=False, accelerator="cpu", devices=1,
                   log_every_n_steps=1, num_sanity_val_steps=0)
    train, val = _loaders()
    tr.fit(_module(val_losses), train, val)
    ckpt_dir = Path(mc.dirpath)
    files = sorted(p.name for p in ckpt_dir.iterdir())
    saved = {}
    for f in files:
        d = torch.load(ckpt_dir / f, map_location="cpu", weights_only=False)
        saved[f] = {"epoch": d["epoch"], "global_step": d["global_step"]}
    return {
        "checkpointDir": ckpt_dir.resolve().relative_to(root.resolve()).as_posix(),
        "files": files,
        "saved": saved,
        "bestModelPath": os.path.basename(mc.best_model_path) if mc.best_model_path else None,
        "bestModelScore": float(mc.best_model_score) if mc.best_model_score is not None else None,
        "bestKModels": sorted(os.path.basename(k) for k in mc.best_k_models),
        "lastModelPath": os.path.basename(mc.last_model_path) if mc.last_model_path else None,
        "stoppedEpoch": es.stopped_epoch if es else None,
        "earlyStopped": bool(es and es.stopped_epoch > 0),
        "currentEpoch": tr.current_epoch,
        "globalStep": tr.global_step,
        "maxEpochs": max_epochs,
        "valLosses": val_losses,
        "endState": "early-stopped" if es and es.stopped_epoch > 0 else "max_epochs",
    }


def _csv_steps(root: Path) -> dict[str, dict[str, list[int]]]:
    out = {}
    for f in sorted(root.rglob("metrics.csv")):
        cols: dict[str, list[int]] = {}
        with open(f) as fh:
            for row in csv.DictReader(fh):
                for k, v in row.items():
                    if k != "step" and v != "":
                        cols.setdefault(k, []).append(int(row["step"]))
        out[f.relative_to(root).as_posix()] = dict(sorted(cols.items()))
    return out


def generate(out: Path, only: set[str] | None = None) -> list[str]:
    from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger

    done = []
    specs = {
        # default logger (TensorBoard under lightning_logs/), run twice in one root: version_0 early-stops
        "lightning-default": lambda run: [
            _fit(run, True, [0.9, 0.5, 0.6, 0.7, 0.8, 0.4], 6, 2),
            _fit(run, True, [0.9, 0.8, 0.7, 0.6], 4, None),
        ],
        "lightning-csv": lambda run: [_fit(run, CSVLogger(str(run), name="csv"), [0.5, 0.3, 0.4, 0.2, 0.6], 5, 3)],
        "lightning-two-loggers": lambda run: [
            _fit(run, [CSVLogger(str(run), name="csv"), TensorBoardLogger(str(run), name="tb")], [0.5, 0.4, 0.45], 3, None)
        ],
    }
    for name, fn in specs.items():
        if only and name not in only:
            continue
        tree = fresh(out / name)
        run = tree / "run"
        run.mkdir()
        versions = fn(run)
        write_truth(tree, {
            "tree": name,
            "trainer": "lightning.Trainer",
            "root": "run",
            "layout": "lightning",
            "fits": versions,
            "tensorboard": tb_scalars(run),
            "csv": _csv_steps(run),
        })
        done.append(name)
    return done
