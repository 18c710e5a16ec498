"""Sharded `save_pretrained` (small max_shard_size) of a tiny model, plus the tokenizer."""

from __future__ import annotations

import json
from pathlib import Path

from common import fresh, listdir_names, make_model, make_tokenizer, outcome, seed_all, write_truth


def generate(out: Path, only: set[str] | None = None) -> list[str]:
    name = "hf-sharded"
    if only and name not in only:
        return []
    from transformers import AutoModelForCausalLM

    seed_all(0)
    tree = fresh(out / name)
    tok = make_tokenizer()
    model = make_model(tok, hidden=32)
    target = tree / "run" / "final_model"
    model.save_pretrained(target, max_shard_size="20KB")
    tok.save_pretrained(target)
    index = json.loads((target / "model.safetensors.index.json").read_text())
    res = outcome(lambda: AutoModelForCausalLM.from_pretrained(target))
    write_truth(tree, {
        "tree": name,
        "trainer": "transformers save_pretrained(max_shard_size='20KB')",
        "root": "run/final_model",
        "files": listdir_names(target),
        "shards": sorted(set(index["weight_map"].values())),
        "totalSize": index["metadata"].get("total_size"),
        "fromPretrained": res,
        "expected": {"validate": res["ok"], "validateDeep": res["ok"], "inference": True, "resumable": False},
    })
    return [name]
