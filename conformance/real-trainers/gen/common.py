"""Shared helpers for the real-trainer generators: tiny random models, a local tokenizer, ground truth.

Everything runs on CPU with no downloads. Models are built from a config with random weights; the
tokenizer is trained locally with `tokenizers`. Paths written into ground truth are relative to the
tree root so the frozen trees are portable.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("WANDB_DISABLED", "true")

import numpy as np  # noqa: E402
import torch  # noqa: E402

WORDS = "the a cat dog sat on mat run jump red blue green one two three four five yes no".split()
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def seed_all(seed: int = 0) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def versions() -> dict[str, str]:
    import importlib

    out = {"python": ".".join(map(str, __import__("sys").version_info[:3]))}
    for name in ["torch", "transformers", "trl", "peft", "lightning", "tensorboard", "safetensors", "accelerate"]:
        try:
            out[name] = importlib.import_module(name).__version__
        except Exception:  # pragma: no cover - optional
            pass
    return out


def make_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    specials = ["<pad>", "<unk>", "<s>", "</s>", "<|user|>", "<|assistant|>", "<|end|>"]
    tok.train_from_iterator([" ".join(WORDS)] * 4, trainers.WordLevelTrainer(special_tokens=specials))
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", unk_token="<unk>", bos_token="<s>", eos_token="</s>"
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def make_model(tokenizer, hidden: int = 16):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    cfg = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=64,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    return Qwen2ForCausalLM(cfg)


def lm_dataset(tokenizer, n: int = 32, length: int = 8):
    from datasets import Dataset

    rng = random.Random(1)
    texts = [" ".join(rng.choice(WORDS) for _ in range(length)) for _ in range(n)]
    enc = tokenizer(texts, padding="max_length", max_length=length, truncation=True)
    rows = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "labels": enc["input_ids"]}
    return Dataset.from_dict(rows)


def fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def rel(tree: Path, p: str | Path | None) -> str | None:
    if p is None:
        return None
    p = Path(p)
    try:
        return p.resolve().relative_to(tree.resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def listdir_names(d: Path) -> list[str]:
    return sorted(x.name for x in d.iterdir()) if d.exists() else []


def tb_scalars(root: Path) -> dict[str, dict[str, list[int]]]:
    """Scalar steps per tag of every TensorBoard events file under root, read with EventAccumulator."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out: dict[str, dict[str, list[int]]] = {}
    for f in sorted(root.rglob("events.out.tfevents.*")):
        acc = EventAccumulator(str(f), size_guidance={"scalars": 0, "tensors": 0})
        acc.Reload()
        tags: dict[str, list[int]] = {}
        for tag in acc.Tags().get("scalars", []):
            tags[tag] = [e.step for e in acc.Scalars(tag)]
        out[f.relative_to(root).as_posix()] = dict(sorted(tags.items()))
    return out


def outcome(fn) -> dict[str, Any]:
    """Runs fn; {"ok": True} or {"ok": False, "error": type, "message": first line}."""
    try:
        fn()
        return {"ok": True}
    except BaseException as e:  # noqa: BLE001 - we record what the real loader raised
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        res = {"ok": False, "error": type(e).__name__, "message": msg[:300]}
        failures = getattr(e, "failures", None)  # torch.distributed.checkpoint CheckpointException
        if isinstance(failures, dict) and failures:
            inner = next(iter(failures.values()))
            inner = inner[0] if isinstance(inner, tuple) else inner
            text = str(inner).strip().splitlines()
            res["cause"] = {"error": type(inner).__name__, "message": (text[0] if text else "")[:300]}
        return res


def write_truth(tree: Path, truth: dict[str, Any]) -> None:
    truth = {"versions": versions(), **truth}
    text = json.dumps(truth, indent=2, sort_keys=False) + "\n"
    # loader messages may name absolute paths: keep the ground truth portable
    text = text.replace(str(tree.resolve()), "<tree>")
    (tree / "ground-truth.json").write_text(text)


def strip_abs(tree: Path) -> None:
    """Replaces the absolute tree path in JSON files with "." so frozen trees do not leak local paths."""
    prefix = str(tree.resolve())
    for f in tree.rglob("*.json"):
        t = f.read_text()
        if prefix in t:
            f.write_text(t.replace(prefix + "/", "").replace(prefix, "."))
