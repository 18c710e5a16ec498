"""The rlops circuit breaker / early-stopping monitor, for any Python training loop.

    from rlops.breaker import Monitor
    monitor = Monitor("breaker.yaml")
    for step in ...:
        decision = monitor.observe({"reward": r, "loss": l}, step=step)
        if decision["action"] in ("stop", "rollback"):
            print(decision["reason"]); break

Decisions are ``{action, rule, step, firstBadStep, reason, evidence}`` (``action``: continue, save,
stop, rollback), made by ``@rlops/recovery`` in the bridge. ``snapshot()`` / ``restore()`` (or
``save_state`` / ``load_state``) carry the monitor across a resume.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any, Dict, List, Optional, Sequence

from ._bridge import Bridge, get_bridge
from ._source import source_params

__all__ = ["Monitor", "write_json_atomic"]


def write_json_atomic(path: str, value: Any) -> None:
    """Writes JSON to ``path`` through a temporary sibling and a rename (never a half-written file)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = "%s.tmp-%d-%d" % (path, os.getpid(), threading.get_ident())
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Monitor:
    """A breaker monitor running in this process's bridge.

    ``config``: a path, YAML/JSON text or a dict (the ``rlops breaker`` config); ``state``: a saved
    snapshot to continue from (config drift is reported in ``restore_report``, never applied silently).
    """

    def __init__(self, config: Any, *, state: Any = None):
        self._source, _ = source_params(config, "config")
        self._lock = threading.Lock()
        self._bridge: Optional[Bridge] = None
        self._handle: Optional[int] = None
        self.config: Dict[str, Any] = {}
        self.restore_report: Optional[Dict[str, Any]] = None
        self.tripped = False
        self._create(state)

    def _create(self, state: Any) -> None:
        bridge = get_bridge()
        params: Dict[str, Any] = {"config": self._source}
        if state is not None:
            params["state"] = state
        info = bridge.request("breaker.create", params)
        self._bridge, self._handle = bridge, info["handle"]
        self.config, self.restore_report = info["config"], info["restore"]

    def _call(self, method: str, params: Dict[str, Any]) -> Any:
        bridge = get_bridge()
        if bridge is not self._bridge:
            raise RuntimeError("rlops.breaker.Monitor: the bridge restarted (fork?); create the Monitor in this process")
        return bridge.request(method, dict(params, handle=self._handle))

    def observe(self, metrics: Dict[str, Any], step: Optional[int] = None) -> Optional[Dict[str, Any]]:
        """Feeds one record (``step`` or a ``step`` / ``global_step`` field); returns its decision, or
        ``None`` when the record has no step (it is counted in ``result()["diagnostics"]``)."""
        return self.observe_many([metrics], [step])[0]

    def observe_many(self, records: Sequence[Dict[str, Any]], steps: Optional[Sequence[Optional[int]]] = None):
        """Feeds records in order; returns their decisions."""
        out = []
        for i, r in enumerate(records):
            s = steps[i] if steps is not None else None
            out.append(r if s is None else dict(r, step=s))
        with self._lock:
            answer = self._call("breaker.observe", {"records": out})
            self.tripped = bool(answer["tripped"])
        return answer["decisions"]

    def result(self) -> Dict[str, Any]:
        """``{verdict, exitCode, decisions, stats, diagnostics, restore, state}``: the shape of
        ``rlops breaker check --json`` (``verdict`` is the latched stop/rollback decision or None)."""
        with self._lock:
            return self._call("breaker.result", {})

    def snapshot(self) -> Dict[str, Any]:
        """The versioned, JSON-safe monitor state."""
        with self._lock:
            return self._call("breaker.snapshot", {})

    def restore(self, state: Any) -> Dict[str, Any]:
        """Replaces the state with a saved one; returns ``{configDiff, resetRules}``."""
        with self._lock:
            self.restore_report = self._call("breaker.restore", {"state": state})
            self.tripped = False
            return self.restore_report

    def save_state(self, path: str) -> None:
        """Writes ``snapshot()`` to ``path`` atomically."""
        write_json_atomic(path, self.snapshot())

    def load_state(self, path: str) -> Dict[str, Any]:
        """``restore()`` from a file written by ``save_state``."""
        with open(path, encoding="utf-8") as f:
            return self.restore(json.load(f))
