"""``rlops recover plan`` from Python: the checkpoint before a bad step and the exact resume command."""

from __future__ import annotations

import os
from typing import Any, Dict, Optional, Sequence, Union

from ._bridge import get_bridge

__all__ = ["plan"]


def plan(
    run_dir: Any,
    *,
    before_step: Optional[int] = None,
    from_decision: Optional[Dict[str, Any]] = None,
    command: Optional[Union[str, Sequence[str]]] = None,
    trainer: Optional[str] = None,
    layout: Optional[str] = None,
    max_steps: Optional[int] = None,
) -> Dict[str, Any]:
    """``{plan, text}``: ``plan`` is what ``rlops recover plan --json`` prints (chosen, rejected,
    warnings, resume.command, …), ``text`` what it prints without ``--json``. ``from_decision`` takes a
    decision or the ``rlops breaker check --json`` shape (decision.json). Raises ``NoCheckpointError``."""
    params: Dict[str, Any] = {"runDir": os.path.abspath(os.fspath(run_dir))}
    if before_step is not None:
        params["beforeStep"] = int(before_step)
    if from_decision is not None:
        verdict = from_decision.get("verdict", from_decision) if "verdict" in from_decision else from_decision
        params["fromDecision"] = verdict
    if command is not None:
        import shlex

        params["command"] = command if isinstance(command, str) else " ".join(shlex.quote(c) for c in command)
    for key, value in (("trainer", trainer), ("layout", layout), ("maxSteps", max_steps)):
        if value is not None:
            params[key] = value
    return get_bridge().request("recover.plan", params)
