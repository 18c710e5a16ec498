"""Which checkpoint really resumes: for ``trainer.train(resume_from_checkpoint=...)``.

    from rlops.checkpoints import latest_resumable
    trainer.train(resume_from_checkpoint=latest_resumable(args.output_dir))

HF's ``get_last_checkpoint`` picks the newest *name*, even a half-written one (a crash inside a save),
and the resume dies with ``FileNotFoundError``. ``latest_resumable`` asks ``@rlops/checkpoint-layout``
/ ``@rlops/recovery`` for the newest complete, resumable checkpoint and logs why newer ones were skipped.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Dict, Optional

from ._bridge import get_bridge

__all__ = ["latest_resumable", "select"]

log = logging.getLogger("rlops.checkpoints")


def select(output_dir: Any, before_step: Optional[int] = None, *, layout: Optional[str] = None) -> Dict[str, Any]:
    """``{chosen: {name, location, step} | None, rejected: [{name, location, step, reasons}], layout}``."""
    params: Dict[str, Any] = {"runDir": os.path.abspath(os.fspath(output_dir))}
    if before_step is not None:
        params["beforeStep"] = int(before_step)
    if layout is not None:
        params["layout"] = layout
    return get_bridge().request("checkpoints.select", params)


def latest_resumable(output_dir: Any, before_step: Optional[int] = None) -> Optional[str]:
    """The path of the newest checkpoint that resumes (step < ``before_step`` when given), or None.

    Every skipped candidate is logged (``logging``, logger ``rlops.checkpoints``) with its reason."""
    if not os.path.isdir(os.fspath(output_dir)):
        log.info("rlops: %s does not exist yet: nothing to resume", output_dir)
        return None
    result = select(output_dir, before_step)
    for r in result["rejected"]:
        log.warning("rlops: skipping %s: %s", r["location"], "; ".join(r["reasons"]))
    chosen = result["chosen"]
    if chosen is None:
        log.info("rlops: no resumable checkpoint in %s%s", output_dir,
                 "" if before_step is None else " before step %d" % before_step)
        return None
    log.info("rlops: resuming from %s (step %s)", chosen["location"], chosen["step"])
    return chosen["location"]
