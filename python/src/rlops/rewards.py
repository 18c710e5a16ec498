"""Score samples with a reward spec, per sample (no group coupling: trainers compute advantages).

    from rlops.rewards import score
    results = score("reward-spec.yaml", [{"completion": "...", "answer": "..."}])
    results[0]["reward"], results[0]["components"]

Scoring runs in the ``rlops bridge`` child (or on an HTTP reward server with ``url=``); a sample
field ``completion_ids`` (token ids) gives token lengths.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional, Sequence

from ._bridge import Bridge, get_bridge
from ._samples import pack_samples
from ._source import source_params

__all__ = ["RewardSpec", "load_spec", "score"]


class RewardSpec:
    """A reward spec compiled in the bridge (``components``: ``[{id, kind, weight}]`` in spec order)."""

    def __init__(self, spec: Any, *, url: Optional[str] = None):
        if spec is None and url is not None:  # the server's loaded spec
            self._source, self._key = {}, "url:" + url
        else:
            self._source, self._key = source_params(spec, "spec")
        self.url = url
        self._lock = threading.Lock()
        self._bridge: Optional[Bridge] = None
        self._handle: Optional[int] = None
        self._client = None
        info = self._load()
        self.spec: Dict[str, Any] = info["spec"]
        self.components: List[Dict[str, Any]] = info["components"]

    @property
    def name(self) -> str:
        return str(self.spec.get("name", ""))

    @property
    def ids(self) -> List[str]:
        return [c["id"] for c in self.components]

    @property
    def weights(self) -> List[float]:
        return [float(c["weight"]) for c in self.components]

    def _load(self) -> Dict[str, Any]:
        if self.url is not None:
            from ._http import RewardClient

            self._client = RewardClient(self.url)
            self._client.check_version()
            spec = self._client.spec()
            return {
                "spec": spec,
                "components": [{"id": r["id"], "kind": r["kind"], "weight": r.get("weight", 1)} for r in spec["rewards"]],
            }
        bridge = get_bridge()
        info = bridge.request("rewards.load", {"spec": self._source})
        self._bridge, self._handle = bridge, info["handle"]
        return info

    def score(self, samples: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Per-sample results ``{reward, components, breakdown, diagnostics}`` (``None`` = not applicable)."""
        if self._client is not None:
            return self._client.score(samples)["samples"]
        with self._lock:
            bridge = get_bridge()
            if bridge is not self._bridge:  # a fork or a restarted child: compile again
                self._load()
                bridge = self._bridge
            handle = self._handle
        assert bridge is not None
        wire = pack_samples(samples) if bridge.protocol >= 2 else list(samples)
        return bridge.request("rewards.score", {"handle": handle, "samples": wire})["samples"]


_cache: Dict[Any, RewardSpec] = {}
_cache_lock = threading.Lock()


def load_spec(spec: Any, *, url: Optional[str] = None) -> RewardSpec:
    """The compiled spec for a path / YAML text / dict (cached per spec and file version)."""
    if isinstance(spec, RewardSpec):
        return spec
    key = "url:%s" % url if spec is None and url is not None else source_params(spec, "spec")[1]
    with _cache_lock:
        found = _cache.get((key, url))
        if found is None:
            found = _cache[(key, url)] = RewardSpec(spec, url=url)
        return found


def score(spec: Any, samples: Sequence[Dict[str, Any]], *, url: Optional[str] = None) -> List[Dict[str, Any]]:
    """Scores ``samples`` per sample with ``spec`` (path, YAML text, dict or ``RewardSpec``)."""
    return load_spec(spec, url=url).score(samples)
