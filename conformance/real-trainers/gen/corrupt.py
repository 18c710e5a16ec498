"""Corrupted copies of real files (written by the real trainers just before) and what the real loaders
did with each: torch.load, safetensors, dcp.load, from_pretrained. Every case is a whole checkpoint
folder with exactly one damaged file, so `rlops ckpt validate <case>/<checkpoint>` can be compared."""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
from pathlib import Path
from typing import Any, Callable

import torch
from common import fresh, lm_dataset, make_model, make_tokenizer, outcome, seed_all, write_truth


def _zip_entries(data: bytes) -> list[dict[str, Any]]:
    eocd = data.rfind(b"PK\x05\x06")
    n = struct.unpack_from("<H", data, eocd + 10)[0]
    off = struct.unpack_from("<I", data, eocd + 16)[0]
    # zip64: torch writes a zip64 end record when needed; tiny files never need it
    out = []
    for _ in range(n):
        assert data[off:off + 4] == b"PK\x01\x02"
        nl, el, cl = struct.unpack_from("<HHH", data, off + 28)
        local = struct.unpack_from("<I", data, off + 42)[0]
        size = struct.unpack_from("<I", data, off + 20)[0]
        out.append({"name": data[off + 46:off + 46 + nl].decode(), "central": off, "nameAt": off + 46, "local": local, "size": size})
        off += 46 + nl + el + cl
    for e in out:
        lnl, lel = struct.unpack_from("<HH", data, e["local"] + 26)
        e["dataAt"] = e["local"] + 30 + lnl + lel
    return out


def truncate_half(p: Path) -> str:
    b = p.read_bytes()
    p.write_bytes(b[: len(b) // 2])
    return f"truncated {p.name} from {len(b)} to {len(b) // 2} bytes"


def truncate_one(p: Path) -> str:
    b = p.read_bytes()
    p.write_bytes(b[:-1])
    return f"removed the last byte of {p.name} ({len(b)} -> {len(b) - 1})"


def crc_flip(p: Path) -> str:
    b = bytearray(p.read_bytes())
    big = max((e for e in _zip_entries(bytes(b)) if "/data/" in e["name"]), key=lambda e: e["size"])
    at = big["dataAt"] + big["size"] // 2
    b[at] ^= 0xFF
    p.write_bytes(bytes(b))
    return f"flipped byte {at} inside entry {big['name']} (its CRC-32 no longer matches)"


def central_name(p: Path) -> str:
    b = bytearray(p.read_bytes())
    e = next(e for e in _zip_entries(bytes(b)) if e["name"].endswith("data.pkl"))
    at = e["nameAt"] + len(e["name"]) - 5  # a byte of "data.pkl" in the central directory only
    b[at] = 0xFF
    p.write_bytes(bytes(b))
    return f"set byte {at} of the central-directory name of {e['name']} to 0xff (local header unchanged)"


def generate(out: Path, only: set[str] | None = None) -> list[str]:
    name = "corrupt"
    if only and name not in only:
        return []
    import safetensors.torch
    import torch.distributed.checkpoint as dcp
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

    seed_all(0)
    tree = fresh(out / name)
    src = Path(tempfile.mkdtemp(prefix="rlops-corrupt-src-"))
    cwd = os.getcwd()
    os.chdir(src)
    try:
        tok = make_tokenizer()
        Trainer(model=make_model(tok), processing_class=tok, train_dataset=lm_dataset(tok),
                args=TrainingArguments(output_dir="run", max_steps=2, save_steps=2, per_device_train_batch_size=4,
                                       report_to=[], use_cpu=True, disable_tqdm=True)).train()
    finally:
        os.chdir(cwd)
    hf_ckpt = src / "run" / "checkpoint-2"
    # a legacy (transformers 4.x save_safetensors=False) checkpoint: the same weights as pytorch_model.bin
    legacy = src / "legacy" / "checkpoint-2"
    shutil.copytree(hf_ckpt, legacy)
    sd = safetensors.torch.load_file(legacy / "model.safetensors")
    (legacy / "model.safetensors").unlink()
    torch.save(sd, legacy / "pytorch_model.bin")
    # a DCP checkpoint in the torchtitan layout
    dcp_dir = src / "dcp" / "outputs" / "checkpoint" / "step-10"
    m = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Linear(32, 4))
    os.chdir(src)  # relative checkpoint_id: DCP records it in .metadata
    try:
        dcp.save({"model": m.state_dict()}, checkpoint_id="dcp/outputs/checkpoint/step-10")
    finally:
        os.chdir(cwd)

    def dcp_load(d: Path) -> Callable[[], Any]:
        fresh_m = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Linear(32, 4))
        return lambda: dcp.load({"model": fresh_m.state_dict()}, checkpoint_id=str(d))

    def tload(p: Path) -> Callable[[], Any]:
        return lambda: torch.load(p, map_location="cpu", weights_only=True)

    def fp(d: Path) -> Callable[[], Any]:
        return lambda: AutoModelForCausalLM.from_pretrained(d)

    cases = [
        # (case, source checkpoint, checkpoint path in the case tree, file, damage, plain expected to fail?)
        # CRC flips: torch.load does not check CRC-32 (it loads the damaged bytes silently); rlops --deep must
        # still fail because the data is damaged.
        ("safetensors-truncated-half", hf_ckpt, "checkpoint-2", "model.safetensors", truncate_half, True),
        ("safetensors-truncated-1-byte", hf_ckpt, "checkpoint-2", "model.safetensors", truncate_one, True),
        ("optimizer-pt-truncated-half", hf_ckpt, "checkpoint-2", "optimizer.pt", truncate_half, True),
        ("optimizer-pt-crc-flip", hf_ckpt, "checkpoint-2", "optimizer.pt", crc_flip, None),
        ("optimizer-pt-central-name", hf_ckpt, "checkpoint-2", "optimizer.pt", central_name, None),
        ("bin-truncated-half", legacy, "checkpoint-2", "pytorch_model.bin", truncate_half, True),
        ("bin-crc-flip", legacy, "checkpoint-2", "pytorch_model.bin", crc_flip, None),
        ("bin-central-name", legacy, "checkpoint-2", "pytorch_model.bin", central_name, None),
        ("distcp-truncated-half", dcp_dir, "outputs/checkpoint/step-10", "__0_0.distcp", truncate_half, None),
        ("distcp-metadata-truncated", dcp_dir, "outputs/checkpoint/step-10", ".metadata", truncate_half, True),
    ]
    results = []
    for case, source, rel_ckpt, fname, damage, plain_fails in cases:
        if only and name not in only:
            continue
        dest = tree / case / rel_ckpt
        shutil.copytree(source, dest)
        target = dest / fname
        # what the loader did on the intact file first: the damage is what changes the outcome
        if fname.endswith(".distcp") or fname == ".metadata":
            before = outcome(dcp_load(source))
        elif fname.endswith(".safetensors"):
            before = outcome(lambda: safetensors.torch.load_file(source / fname))
        else:
            before = outcome(tload(source / fname))
        what = damage(target)
        loaders: dict[str, Any] = {}
        if fname.endswith(".distcp") or fname == ".metadata":
            loaders["dcp.load"] = outcome(dcp_load(dest))
        elif fname.endswith(".safetensors"):
            loaders["safetensors.load_file"] = outcome(lambda: safetensors.torch.load_file(target))
            loaders["from_pretrained"] = outcome(fp(dest))
        else:
            loaders["torch.load"] = outcome(tload(target))
            if fname == "pytorch_model.bin":
                loaders["from_pretrained"] = outcome(fp(dest))
        failed = any(not r["ok"] for r in loaders.values())
        results.append({
            "case": case,
            "checkpoint": f"{case}/{rel_ckpt}",
            "file": fname,
            "damage": what,
            "intactLoad": before,
            "loaders": loaders,
            "realLoaderFailed": failed,
            "expected": {
                # every case is real damage: deep validation must fail on each (also where torch.load did not
                # notice, i.e. CRC flips)
                "validateDeepOk": False,
                # plain (headers / lengths / end records) must catch truncations; null = not asserted
                "validateOk": None if plain_fails is None else not plain_fails,
            },
        })
    shutil.rmtree(src, ignore_errors=True)
    write_truth(tree, {"tree": name, "trainer": "real files, damaged after writing", "cases": results})
    return [name]
