"""TRL reward functions from an rlops reward spec: one per spec component.

    from rlops.trl import reward_funcs, reward_weights
    trainer = GRPOTrainer(model=..., reward_funcs=reward_funcs("reward-spec.yaml"),
                          args=GRPOConfig(..., reward_weights=reward_weights("reward-spec.yaml")))

Each function is named after its component id, so TRL logs ``rewards/<id>/mean`` and ``/std``; TRL's
weighted sum of them is the spec's ``sum`` aggregation. Any batch size works: samples are scored one by
one (TRL computes its own group advantages), in one bridge call per batch shared by all components.
``completion_ids`` give token lengths; conversational prompts/completions are read as their text.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence

from ._samples import trl_samples
from .rewards import RewardSpec, load_spec

__all__ = ["reward_funcs", "reward_weights"]

log = logging.getLogger("rlops.trl")


class _BatchCache:
    """Scores a batch once for all component functions (TRL calls them one after the other)."""

    def __init__(self, spec: RewardSpec, answer_key: Optional[str]):
        self.spec = spec
        self.answer_key = answer_key
        self._lock = threading.Lock()
        self._completions: Any = None  # held (not just its id) so the identity check is safe
        self._results: Optional[List[Dict[str, Any]]] = None

    def results(self, prompts: Any, completions: Sequence[Any], completion_ids: Any, columns: Dict[str, Any]):
        with self._lock:
            if self._completions is completions and self._results is not None and len(self._results) == len(completions):
                return self._results
            samples = trl_samples(prompts, completions, completion_ids, columns, self.answer_key)
            results = self.spec.score(samples) if samples else []
            self._completions, self._results = completions, results
            return results


def _make(component: str, cache: _BatchCache) -> Callable[..., List[Optional[float]]]:
    def reward_func(prompts=None, completions=None, completion_ids=None, **kwargs: Any) -> List[Optional[float]]:
        if completions is None:
            raise TypeError("%s: TRL passes completions=...; got none" % component)
        results = cache.results(prompts, completions, completion_ids, kwargs)
        return [r["components"].get(component) for r in results]

    reward_func.__name__ = component
    reward_func.__qualname__ = component
    reward_func.__doc__ = "rlops reward component %r (None = not applicable; TRL logs it as NaN)." % component
    return reward_func


def reward_funcs(spec: Any, *, url: Optional[str] = None, answer_key: Optional[str] = None) -> list:
    """One TRL reward function per spec component (``__name__`` = component id), in spec order.

    ``spec``: a path, YAML text, a dict or a ``RewardSpec``; ``url``: score on an HTTP reward server
    instead of the local bridge; ``answer_key``: the dataset column holding the answer (default the
    first of answer/solution/ground_truth)."""
    compiled = load_spec(spec, url=url)
    agg = compiled.spec.get("aggregation", "sum")
    odd = [k for k in ("transform", "clip") if compiled.spec.get(k) is not None]
    if agg != "sum" or odd:
        log.warning(
            "reward spec %r uses %s: TRL sums weighted components, so TRL's total reward differs from "
            "`rlops rewards score`'s reward (the per-component values are the same)",
            compiled.name, ", ".join((["aggregation %s" % agg] if agg != "sum" else []) + odd),
        )
    cache = _BatchCache(compiled, answer_key)
    return [_make(c["id"], cache) for c in compiled.components]


def reward_weights(spec: Any, *, url: Optional[str] = None) -> List[float]:
    """The spec's weights in component order, for ``GRPOConfig(reward_weights=...)``."""
    return load_spec(spec, url=url).weights
