"""HF Trainer runs (transformers Trainer, tiny random Qwen2) with every rotation recorded.

Each scenario writes `<tree>/run/` (the Trainer's output_dir, relative: the generator chdirs into the
tree, so `best_model_checkpoint` and `output_dir` in the files are relative like in many real runs) and
`<tree>/ground-truth.json` with what the Trainer itself did.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from common import fresh, lm_dataset, listdir_names, make_model, make_tokenizer, outcome, seed_all, tb_scalars, write_truth


def _ckpt_dirs(run: Path) -> list[str]:
    return sorted((n for n in listdir_names(run) if n.startswith("checkpoint-")), key=lambda n: int(n.split("-")[1]))


class Recorder:
    """Wraps transformers' rotate_checkpoints and records the checkpoint folders before and after."""

    def __init__(self, run: Path):
        import transformers.trainer as tr

        self.run = run
        self.events: list[dict[str, Any]] = []
        self._orig = tr.rotate_checkpoints
        rec = self

        def wrapped(output_dir, save_total_limit=None, best_model_checkpoint=None, use_mtime=False):
            before = _ckpt_dirs(Path(output_dir))
            rec._orig(
                output_dir=output_dir,
                save_total_limit=save_total_limit,
                best_model_checkpoint=best_model_checkpoint,
                use_mtime=use_mtime,
            )
            after = _ckpt_dirs(Path(output_dir))
            rec.events.append(
                {
                    "at": "save",
                    "saveTotalLimit": save_total_limit,
                    "useMtime": use_mtime,
                    "bestModelCheckpoint": os.path.basename(best_model_checkpoint) if best_model_checkpoint else None,
                    "before": before,
                    "after": after,
                    "deleted": [d for d in before if d not in after],
                }
            )

        tr.rotate_checkpoints = wrapped

    def restore(self) -> None:
        import transformers.trainer as tr

        tr.rotate_checkpoints = self._orig


def scripted_metrics(values: list[float], name: str = "score"):
    calls = {"n": 0}

    def compute(_pred):
        v = values[min(calls["n"], len(values) - 1)]
        calls["n"] += 1
        return {name: v}

    return compute


def run_hf(tree: Path, name: str, *, args: dict[str, Any], scores: list[float] | None = None, early_stop: int | None = None,
           crash_at: int | None = None, save_model: bool = False, peft: bool = False, expect: dict[str, Any]) -> None:
    from transformers import EarlyStoppingCallback, Trainer, TrainingArguments

    seed_all(0)
    fresh(tree)
    cwd = os.getcwd()
    os.chdir(tree)
    try:
        tok = make_tokenizer()
        model = make_model(tok)
        if peft:
            from peft import LoraConfig, get_peft_model

            model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
        ds = lm_dataset(tok)
        base = dict(output_dir="run", per_device_train_batch_size=4, learning_rate=5e-3, logging_steps=1, save_steps=2,
                    report_to=["tensorboard"], use_cpu=True, seed=0, disable_tqdm=True, dataloader_num_workers=0)
        if scores is not None:
            base.update(eval_strategy="steps", eval_steps=2, metric_for_best_model="score", per_device_eval_batch_size=4)
        base.update(args)
        targs = TrainingArguments(**base)
        callbacks = [EarlyStoppingCallback(early_stopping_patience=early_stop)] if early_stop else []
        trainer = Trainer(model=model, args=targs, train_dataset=ds, eval_dataset=ds.select(range(4)) if scores else None,
                          processing_class=tok, callbacks=callbacks,
                          compute_metrics=scripted_metrics(scores) if scores else None)
        rec = Recorder(Path("run"))
        orig_save_opt = Trainer._save_optimizer_and_scheduler
        if crash_at is not None:
            def boom(self, output_dir):
                if self.state.global_step == crash_at:
                    raise OSError(f"simulated crash while saving {os.path.basename(output_dir)} (after the weights)")
                return orig_save_opt(self, output_dir)
            Trainer._save_optimizer_and_scheduler = boom
        before_end: list[str] = []
        crashed = None
        try:
            trainer.train()
        except OSError as e:
            crashed = str(e)
        finally:
            Trainer._save_optimizer_and_scheduler = orig_save_opt
            rec.restore()
        after_train = _ckpt_dirs(Path("run"))
        if rec.events:
            before_end = rec.events[-1]["after"]
        if crashed is None and before_end != after_train:
            rec.events.append({"at": "train_end", "saveTotalLimit": targs.save_total_limit,
                               "bestModelCheckpoint": os.path.basename(trainer.state.best_model_checkpoint or "") or None,
                               "before": before_end, "after": after_train,
                               "deleted": [d for d in before_end if d not in after_train]})
        if save_model and crashed is None:
            trainer.save_model()  # writes the final model into output_dir itself
        state = trainer.state
        resume = None
        if crash_at is not None or args.get("save_only_model"):
            resume = _try_resume(Path("run"), base, tok, peft, scores)
        if crashed:
            end = "crashed"
        elif state.global_step < targs.max_steps:
            end = "early-stopped"
        else:
            end = "max_steps"
        truth = {
            "tree": name,
            "trainer": "transformers.Trainer" + (" + peft LoRA" if peft else ""),
            "root": "run",
            "layout": "hf",
            "args": {k: v for k, v in base.items() if k not in ("report_to",)},
            "endState": end,
            "crash": crashed,
            "globalStep": state.global_step,
            "maxSteps": targs.max_steps,
            "bestModelCheckpoint": os.path.basename(state.best_model_checkpoint) if state.best_model_checkpoint else None,
            "bestGlobalStep": state.best_global_step,
            "shouldTrainingStop": bool(trainer.control.should_training_stop),
            "rotations": rec.events,
            "finalSaveModel": bool(save_model and crashed is None),
            "hfGetLastCheckpoint": _last(Path("run")),
            "hfResume": resume,
            "tensorboard": tb_scalars(Path("run")),
            **expect_block(Path("run"), expect),
        }
        truth["expected"] = derive_expected(truth, save_only=bool(args.get("save_only_model")), peft=peft)
        write_truth(Path("."), truth)
    finally:
        os.chdir(cwd)


def _last(run: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    p = get_last_checkpoint(str(run))
    return os.path.basename(p) if p else None


def _try_resume(run: Path, base: dict[str, Any], tok, peft: bool, scores) -> dict[str, Any]:
    """What HF's own auto-resume does on a copy of the tree (the frozen tree stays untouched)."""
    from transformers import Trainer, TrainingArguments

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(run, Path(tmp) / "run")
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            seed_all(0)
            model = make_model(tok)
            if peft:
                from peft import LoraConfig, get_peft_model

                model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
            args = TrainingArguments(**{**base, "report_to": []})
            ds = lm_dataset(tok)
            tr = Trainer(model=model, args=args, train_dataset=ds, processing_class=tok,
                         eval_dataset=ds.select(range(4)) if scores else None,
                         compute_metrics=scripted_metrics(scores) if scores else None)
            start = _last(Path("run"))
            res = outcome(lambda: tr.train(resume_from_checkpoint=True))
            res["from"] = start
            return res
        finally:
            os.chdir(cwd)


WEIGHTS = {"model.safetensors", "adapter_model.safetensors", "model.safetensors.index.json", "pytorch_model.bin"}


def derive_expected(truth: dict[str, Any], *, save_only: bool, peft: bool) -> dict[str, Any]:
    """What rlops must say about each checkpoint, from what the trainer wrote (see README, "Expected flags").

    complete: every file the Trainer writes in that mode is there (save_only_model skips optimizer,
    scheduler and RNG by design); resumable: complete and the full training state (optimizer + scheduler)
    was saved; inference: weights present. The run's final checkpoint is the one at the last global step
    of a run that ended (max_steps or early stop), not a crash.
    """
    ckpts = []
    for c in truth["present"]:
        files = set(c["files"])
        weights = bool(files & WEIGHTS)
        state = {"optimizer.pt", "scheduler.pt", "rng_state.pth"} <= files
        complete = weights and "trainer_state.json" in files and (save_only or state)
        ckpts.append({
            "name": c["name"],
            "step": c["step"],
            "complete": complete,
            "resumable": complete and not save_only,
            "inference": weights,
            "best": c["name"] == truth.get("bestModelCheckpoint"),
            "adapterOnly": peft,
        })
    resumable = [c["name"] for c in ckpts if c["resumable"]]
    # weights fully written are usable for inference even when the save crashed later (optimizer, state)
    inference = [c["name"] for c in ckpts if c["inference"]]
    final = None
    # an explicit final save (save_model() into output_dir) is the run's final model instead
    if truth["endState"] != "crashed" and not truth.get("finalSaveModel"):
        final = next((c["name"] for c in ckpts if c["step"] == truth["globalStep"]), None)
    return {
        "layout": "hf",
        "checkpoints": ckpts,
        "latestResumable": resumable[-1] if resumable else None,
        "latestInference": "." if truth.get("finalSaveModel") else (inference[-1] if inference else None),
        "finalCheckpoint": final,
        "rootFinalModel": bool(truth.get("finalSaveModel")),
    }


def expect_block(run: Path, expect: dict[str, Any]) -> dict[str, Any]:
    """The checkpoints rlops must list (oldest -> newest), with the flags we derive from the trainer's files."""
    ckpts = []
    for n in _ckpt_dirs(run):
        files = listdir_names(run / n)
        ckpts.append({"name": n, "step": int(n.split("-")[1]), "files": files})
    return {"present": ckpts, "expected": expect}


SCENARIOS: dict[str, dict[str, Any]] = {
    "hf-limit3-final": dict(args=dict(max_steps=12, save_total_limit=3), save_model=True),
    "hf-limit1": dict(args=dict(max_steps=8, save_total_limit=1)),
    "hf-limit1-best": dict(args=dict(max_steps=8, save_total_limit=1, load_best_model_at_end=True, greater_is_better=True),
                           scores=[0.2, 0.9, 0.5, 0.4]),
    "hf-limit3-best-greater": dict(args=dict(max_steps=12, save_total_limit=3, load_best_model_at_end=True, greater_is_better=True),
                                   scores=[0.1, 0.8, 0.3, 0.2, 0.5, 0.6]),
    "hf-limit3-best-lower": dict(args=dict(max_steps=12, save_total_limit=3, load_best_model_at_end=True, greater_is_better=False),
                                 scores=[0.9, 0.2, 0.5, 0.6, 0.7, 0.4]),
    "hf-early-stop": dict(args=dict(max_steps=20, save_total_limit=2, load_best_model_at_end=True, greater_is_better=True),
                          scores=[0.1, 0.5, 0.4, 0.3, 0.9, 0.9], early_stop=2),
    "hf-save-only-model": dict(args=dict(max_steps=6, save_only_model=True)),
    "hf-crash-in-save": dict(args=dict(max_steps=10), crash_at=6),
    "peft-lora": dict(args=dict(max_steps=6, save_total_limit=2), peft=True, save_model=True),
}


def generate(out: Path, only: set[str] | None = None) -> list[str]:
    done = []
    for name, sc in SCENARIOS.items():
        if only and name not in only:
            continue
        run_hf(out / name, name, expect={}, **sc)
        done.append(name)
    return done
