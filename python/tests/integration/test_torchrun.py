"""2-process torchrun (CPU, gloo): every rank's breaker trips at the same step; only rank 0 writes files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from conftest import PKG, require

pytestmark = pytest.mark.trainers
HERE = os.path.dirname(os.path.abspath(__file__))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_torchrun_two_ranks_stop_together(tiny, tmp_path, arc_spec):
    require("torch", "trl")
    out = str(tmp_path / "run")
    os.makedirs(out)
    env = dict(os.environ, PYTHONPATH=os.path.join(PKG, "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr=127.0.0.1",
           "--master_port=%d" % _free_port(), os.path.join(HERE, "ddp_grpo.py"), out, tiny, arc_spec]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    ranks = [json.load(open(os.path.join(out, "rank-%d.json" % r))) for r in (0, 1)]
    # zero from the 3rd batch on: steps 3, 4 -> the breaker trips at step 4 on both ranks
    assert [r["global_step"] for r in ranks] == [4, 4]
    assert ranks[0]["verdict"] == ranks[1]["verdict"] and ranks[0]["verdict"]["step"] == 4
    assert [r["is_main"] for r in ranks] == [True, False]
    assert ranks[0]["bridge_pid"] != ranks[1]["bridge_pid"]  # each rank has its own bridge child
    # only the main process wrote: one decision.json, one line per logged step in metrics.jsonl
    lines = open(os.path.join(out, "rlops", "metrics.jsonl")).read().splitlines()
    assert [json.loads(line)["step"] for line in lines if "loss" in json.loads(line)] == [1, 2, 3, 4]
    assert json.load(open(os.path.join(out, "rlops", "decision.json")))["verdict"] == ranks[0]["verdict"]
    assert os.path.isdir(os.path.join(out, "checkpoint-4"))
    assert proc.stderr.count("rlops breaker: STOP at step 4") == 1
