"""What the trainer callbacks share: feed records, files under ``<output_dir>/rlops/``, the message."""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any, Dict, Optional

from .breaker import Monitor, write_json_atomic
from .errors import RlopsError

log = logging.getLogger("rlops")

STATE_FILE = os.path.join("rlops", "breaker-state.json")
TRIP_ACTIONS = ("stop", "rollback")


def _clean(value: Any) -> Any:
    """A JSON-safe metric value: numbers (NaN/inf kept as Python writes them), bools, strings."""
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, float):
        return value
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    return str(value)


class RunWatcher:
    """One breaker monitor for a run; the main process writes ``metrics.jsonl`` and ``decision.json``."""

    def __init__(self, config: Any, *, trainer: str):
        self.monitor = Monitor(config)
        self.trainer = trainer
        self.output_dir: Optional[str] = None
        self.is_main = True
        self.verdict: Optional[Dict[str, Any]] = None
        self.trip_step: Optional[int] = None
        self.message: Optional[str] = None
        self._metrics = None
        self._announced = False

    # files -------------------------------------------------------------------------------------
    def folder(self) -> Optional[str]:
        return None if self.output_dir is None else os.path.join(self.output_dir, "rlops")

    def _append(self, record: Dict[str, Any]) -> None:
        folder = self.folder()
        if not self.is_main or folder is None:
            return
        if self._metrics is None:
            os.makedirs(folder, exist_ok=True)
            self._metrics = open(os.path.join(folder, "metrics.jsonl"), "a", encoding="utf-8")
        self._metrics.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._metrics.flush()

    def close(self) -> None:
        if self._metrics is not None:
            self._metrics.close()
            self._metrics = None

    # records -----------------------------------------------------------------------------------
    def observe(self, metrics: Dict[str, Any], step: int) -> Optional[Dict[str, Any]]:
        """Feeds one record; returns the decision (and handles a first trip)."""
        record = {k: _clean(v) for k, v in metrics.items()}
        record["step"] = int(step)
        self._append(record)
        decision = self.monitor.observe(record)
        if decision is not None and decision["action"] in TRIP_ACTIONS and self.verdict is None:
            self._trip(decision)
        return decision

    def _trip(self, decision: Dict[str, Any]) -> None:
        self.verdict = decision
        self.trip_step = decision["step"]
        folder = self.folder()
        if self.is_main and folder is not None:
            write_json_atomic(os.path.join(folder, "decision.json"), self.monitor.result())

    # state beside checkpoints --------------------------------------------------------------------
    def save_state(self, checkpoint_dir: str) -> None:
        if self.is_main and os.path.isdir(checkpoint_dir):
            write_json_atomic(os.path.join(checkpoint_dir, STATE_FILE), self.monitor.snapshot())

    def restore_from(self, checkpoint_dir: Optional[str]) -> bool:
        if checkpoint_dir is None:
            return False
        path = os.path.join(checkpoint_dir, STATE_FILE)
        if not os.path.isfile(path):
            log.warning("rlops: %s has no breaker state (%s): the breaker starts fresh", checkpoint_dir, STATE_FILE)
            return False
        report = self.monitor.load_state(path)
        for c in report.get("configDiff", []):
            log.warning("rlops: breaker config changed since the checkpoint: %s: %r -> %r (using the current config)",
                        c["path"], c["before"], c["after"])
        log.info("rlops: breaker state restored from %s", path)
        return True

    # the message ---------------------------------------------------------------------------------
    def announce(self, command: Optional[str] = None) -> Optional[str]:
        """Prints (main process, once) what happened and what ``rlops recover plan`` says to do."""
        if self.verdict is None or self._announced or not self.is_main:
            return self.message
        self._announced = True
        d = self.verdict
        lines = [
            "",
            "=" * 78,
            "rlops breaker: %s at step %d — rule %s: %s" % (d["action"].upper(), d["step"], d["rule"], d["reason"]),
        ]
        if d.get("firstBadStep") is not None:
            lines.append("first bad step: %d" % d["firstBadStep"])
        out = self.output_dir or "."
        decision_path = os.path.join(out, "rlops", "decision.json")
        lines.append("decision: %s" % decision_path)
        try:
            from .recover import plan

            text = plan(out, from_decision=d, trainer=self.trainer, command=command)["text"]
            lines.append("recovery (rlops recover plan %s --from %s):" % (out, decision_path))
            lines.extend("  " + line for line in text.rstrip("\n").split("\n"))
        except RlopsError as e:
            lines.append("recovery: %s: %s" % (e.code, e.message))
            lines.append("  see: rlops recover plan %s --from %s --json" % (out, decision_path))
        lines.append("=" * 78)
        self.message = "\n".join(lines)
        print(self.message, file=sys.stderr, flush=True)
        return self.message


class WatcherResult:
    """The verdict and message of a callback's ``RunWatcher`` (``self.watcher``), shared by the callbacks."""

    watcher: RunWatcher

    @property
    def verdict(self) -> Optional[Dict[str, Any]]:
        """The stop/rollback decision once the breaker tripped, else None."""
        return self.watcher.verdict

    @property
    def message(self) -> Optional[str]:
        """The recovery message printed on a trip, else None."""
        return self.watcher.message
