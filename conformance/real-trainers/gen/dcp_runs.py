"""torch.distributed.checkpoint in the torchtitan layout: `outputs/checkpoint/step-N/` with `.metadata` +
`__0_0.distcp`; the last save crashes inside DCP's `finish()` so `step-N/` has data but no `.metadata`."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from common import fresh, listdir_names, outcome, seed_all, write_truth


def _state(model, opt, step: int):
    return {"model": model.state_dict(), "optimizer": opt.state_dict(), "train_state": {"step": torch.tensor(step)}}


def generate(out: Path, only: set[str] | None = None) -> list[str]:
    name = "dcp-torchtitan"
    if only and name not in only:
        return []
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.filesystem import FileSystemWriter

    seed_all(0)
    tree = fresh(out / name)
    cwd = os.getcwd()
    os.chdir(tree)  # relative checkpoint_id: DCP records it in .metadata (StorageMeta)
    try:
        _run(tree, name, dcp, FileSystemWriter)
    finally:
        os.chdir(cwd)
    return [name]


def _run(tree: Path, name: str, dcp, FileSystemWriter) -> None:
    ck = Path("run") / "outputs" / "checkpoint"
    ck.mkdir(parents=True)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    steps_done = []
    crash_step = 30
    crash = None
    for step in range(1, crash_step + 1):
        loss = model(torch.randn(4, 8)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 10 != 0:
            continue
        target = ck / f"step-{step}"
        if step == crash_step:
            orig = FileSystemWriter.finish

            def boom(self, metadata, results):
                raise OSError("simulated crash before .metadata was written")

            FileSystemWriter.finish = boom
            try:
                dcp.save(_state(model, opt, step), checkpoint_id=str(target))
            except BaseException as e:  # noqa: BLE001 - DCP wraps the error in CheckpointException(BaseException)
                crash = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
            finally:
                FileSystemWriter.finish = orig
        else:
            dcp.save(_state(model, opt, step), checkpoint_id=str(target))
            steps_done.append(step)
    checkpoints = []
    for d in sorted(ck.iterdir(), key=lambda p: int(p.name.split("-")[1])):
        fresh_model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
        fresh_opt = torch.optim.AdamW(fresh_model.parameters(), lr=1e-2)
        sd = _state(fresh_model, fresh_opt, 0)
        res = outcome(lambda d=d, sd=sd: dcp.load(sd, checkpoint_id=str(d)))
        complete = (d / ".metadata").exists()
        checkpoints.append({
            "name": f"outputs/checkpoint/{d.name}",
            "step": int(d.name.split("-")[1]),
            "files": listdir_names(d),
            "dcpLoad": res,
            "complete": complete,
            "resumable": complete and res["ok"],
        })
    resumable = [c["name"] for c in checkpoints if c["resumable"]]
    write_truth(Path("."), {
        "tree": name,
        "trainer": "torch.distributed.checkpoint (torchtitan layout)",
        "root": "run",
        "layout": "dcp",
        "crash": crash,
        "endState": "crashed",
        "expected": {"checkpoints": checkpoints, "latestResumable": resumable[-1] if resumable else None},
    })
