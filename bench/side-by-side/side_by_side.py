#!/usr/bin/env python3
"""Side by side: rlops (whole `rlops` processes) against the Python tools our users would otherwise run.

Each pair runs on the same data, alternating A and B, N times; the table prints the median seconds of each
and the ratio A/B (rlops / Python; < 1 means rlops is faster). Whole processes on both sides, as a user
waits for them. Python side: the standard library only, re-stating the few lines of the trainer logic
(transformers' `get_last_checkpoint` and `Trainer._sorted_checkpoints`, TRL's think-format reward) so
no 6 s `import transformers` hides the comparison; when transformers is importable, its real
`get_last_checkpoint` is also timed in-process (import excluded) as a second reference.

Run from the repo root after `pnpm build`:  python3 bench/side-by-side/side_by_side.py [--runs 7]
Set RLOPS_CLI to another CLI entry to compare builds.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("RLOPS_CLI", os.path.join(ROOT, "packages", "cli", "dist", "bin.js"))

PY_GET_LAST = r'''
import os, re, sys
# transformers.trainer_utils.get_last_checkpoint (5.x), restated with the standard library
pat = re.compile(r"^checkpoint\-(\d+)$")
folder = sys.argv[1]
content = os.listdir(folder)
cps = [p for p in content if pat.search(p) is not None and os.path.isdir(os.path.join(folder, p))]
print(os.path.join(folder, max(cps, key=lambda x: int(pat.search(x).groups()[0]))) if cps else None)
'''

PY_SORTED = r'''
import os, re, sys
from pathlib import Path
# transformers Trainer._sorted_checkpoints (5.x), restated: glob checkpoint-*, order by step
folder = sys.argv[1]
pairs = []
for path in [str(x) for x in Path(folder).glob("checkpoint-*") if os.path.isdir(x)]:
    m = re.match(r".*checkpoint-([0-9]+)", path)
    if m and m.groups():
        pairs.append((int(m.groups()[0]), path))
for _, p in sorted(pairs):
    print(p)
'''

PY_THINK = r'''
import json, re, sys
# TRL-style think/answer format reward: anchored full match, one block each
pat = re.compile(r"^<think>\n.*?\n</think>\n<answer>\n.*?\n</answer>$", re.DOTALL)
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    s = json.loads(line)
    out.append(json.dumps({"id": s["id"], "reward": 1.0 if pat.match(s["completion"]) else 0.0}))
sys.stdout.write("\n".join(out) + "\n")
'''


def timed(cmd, stdin=None):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=stdin)
    dt = time.perf_counter() - t
    if r.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.decode()[-400:]}")
    return dt


def pair(name, a, b, runs):
    ta, tb = [], []
    for _ in range(runs):
        ta.append(timed(a))
        tb.append(timed(b))
    ma, mb = statistics.median(ta), statistics.median(tb)
    ratios = sorted(x / y for x, y in zip(ta, tb))
    print(f"| {name} | {ma:.3f} | {mb:.3f} | {ma / mb:.2f} ({ratios[0]:.2f}–{ratios[-1]:.2f}) |", flush=True)
    return {"name": name, "rlops_s": ma, "python_s": mb, "ratio": ma / mb}


def hf_run(root, n):
    os.makedirs(root)
    for step in range(1, n + 1):
        d = os.path.join(root, f"checkpoint-{step * 10}")
        os.makedirs(d)
        for f in ("model.safetensors", "optimizer.pt", "scheduler.pt", "rng_state.pth", "training_args.bin"):
            open(os.path.join(d, f), "wb").close()
        with open(os.path.join(d, "trainer_state.json"), "w") as fh:
            json.dump({"global_step": step * 10, "log_history": [], "best_model_checkpoint": None}, fh)


def think_data(path, n, size):
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            body = ("step by step " * (size // 13))[: max(0, size - 60)]
            good = i % 2 == 0
            text = f"<think>\n{body}\n</think>\n<answer>\n{i}\n</answer>" if good else f"{body} no tags"
            fh.write(json.dumps({"id": str(i), "completion": text}) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--checkpoints", type=int, default=10000)
    args = ap.parse_args()
    if not os.path.exists(CLI):
        raise SystemExit(f"no CLI at {CLI}: run `pnpm build` first")
    node = shutil.which("node") or "node"
    py = sys.executable
    tmp = tempfile.mkdtemp(prefix="rlops-sbs-")
    try:
        run = os.path.join(tmp, "run")
        hf_run(run, args.checkpoints)
        small = os.path.join(tmp, "small")
        hf_run(small, 5)
        data = os.path.join(tmp, "think.jsonl")
        think_data(data, 5000, 2048)
        spec = os.path.join(tmp, "spec.json")
        with open(spec, "w") as fh:
            json.dump({"version": 1, "name": "think", "rewards": [
                {"id": "format", "kind": "format.think", "params": {"requireAnswer": True}}]}, fh)
        print(f"runs={args.runs}, python={sys.version.split()[0]}, node={subprocess.check_output([node, '--version']).decode().strip()}")
        print("| pair | rlops s | python s | rlops/python (min–max) |\n|---|---|---|---|")
        rows = [
            pair("start-up: --version vs python -c pass", [node, CLI, "--version"], [py, "-c", "pass"], args.runs),
            pair("ckpt latest, 5 checkpoints vs get_last_checkpoint", [node, CLI, "ckpt", "latest", small],
                 [py, "-c", PY_GET_LAST, small], args.runs),
            pair(f"ckpt latest, {args.checkpoints} checkpoints vs get_last_checkpoint",
                 [node, CLI, "ckpt", "latest", run], [py, "-c", PY_GET_LAST, run], args.runs),
            pair(f"ckpt list, {args.checkpoints} checkpoints vs _sorted_checkpoints",
                 [node, CLI, "ckpt", "list", run], [py, "-c", PY_SORTED, run], args.runs),
            pair("think/answer reward, 5000 x 2 KB JSONL", [node, CLI, "rewards", "score", "--spec", spec, "--input", data],
                 [py, "-c", PY_THINK, data], args.runs),
        ]
        try:
            from transformers.trainer_utils import get_last_checkpoint
            t = time.perf_counter()
            get_last_checkpoint(run)
            print(f"\nin-process transformers.get_last_checkpoint on {args.checkpoints}: {time.perf_counter() - t:.3f} s (import excluded)")
        except ImportError:
            print("\n(transformers not importable: in-process reference skipped)")
        print(json.dumps({"rows": rows}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
