"""Client for the rlops reward server (``rlops rewards serve``). Standard library only.

TRL::

    from rlops_rewards import make_reward_func
    trainer = GRPOTrainer(..., reward_funcs=[make_reward_func("http://127.0.0.1:8377")])

verl (``custom_reward_function.path=rlops_rewards.py``, ``name=compute_score``; server URL from
``RLOPS_REWARDS_URL``)::

    compute_score(data_source, solution_str, ground_truth, extra_info=None) -> {"score": ..., ...}

Errors are never turned into rewards: HTTP 4xx raises ``RewardServerError`` at once, 5xx/429 and
connection errors are retried with capped exponential backoff and jitter, then raised.
"""

from __future__ import annotations

import json
import os
import random
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Sequence

__all__ = ["RewardClient", "RewardServerError", "make_reward_func", "reward_func", "compute_score"]

DEFAULT_URL = "http://127.0.0.1:8377"
# TRL passes these to every reward function; they are not dataset columns.
_TRL_RESERVED = {"trainer_state", "log_extra", "log_metric", "environments", "prompts", "completions", "completion_ids"}


class RewardServerError(RuntimeError):
    """The reward server answered with an error (``status``, ``code``) or could not be reached."""

    def __init__(self, message: str, status: Optional[int] = None, code: Optional[str] = None):
        super().__init__(message)
        self.status = status
        self.code = code


class RewardClient:
    """Small JSON client for the reward server's routes."""

    def __init__(self, url: Optional[str] = None, timeout: float = 120.0, retries: int = 5, backoff: float = 0.5):
        self.url = (url or os.environ.get("RLOPS_REWARDS_URL") or DEFAULT_URL).rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body, allow_nan=False).encode("utf-8")
        last: Optional[Exception] = None
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(self.url + path, data=data, method=method)
            if data is not None:
                req.add_header("content-type", "application/json")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return json.loads(resp.read().decode("utf-8"))
            except urllib.error.HTTPError as e:
                payload = e.read().decode("utf-8", "replace")
                try:
                    err = json.loads(payload).get("error", {})
                except ValueError:
                    err = {}
                message = "%s %s -> HTTP %d %s: %s" % (method, path, e.code, err.get("code", ""), err.get("message", payload[:200]))
                error = RewardServerError(message, status=e.code, code=err.get("code"))
                if e.code < 500 and e.code != 429:
                    raise error from None
                last = error
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
                last = RewardServerError("%s %s failed: %s" % (method, path, e))
            if attempt < self.retries:
                time.sleep(min(self.backoff * (2 ** attempt), 30.0) + random.random() * self.backoff)
        assert last is not None
        raise last

    def health(self) -> Dict[str, Any]:
        """``GET /healthz``."""
        return self._request("GET", "/healthz")

    def spec(self) -> Dict[str, Any]:
        """``GET /spec``: the loaded reward spec with defaults applied."""
        return self._request("GET", "/spec")

    def score(self, samples: Sequence[Dict[str, Any]], group_size: Optional[int] = None) -> Dict[str, Any]:
        """``POST /score``: ``{samples, groups, metrics}`` with per-reward components."""
        body: Dict[str, Any] = {"samples": list(samples)}
        if group_size is not None:
            body["groupSize"] = group_size
        return self._request("POST", "/score", body)

    def get_reward(self, query: Sequence[str], prompts: Optional[Sequence[str]] = None, labels: Optional[Sequence[Any]] = None) -> Dict[str, Any]:
        """``POST /get_reward`` in OpenRLHF's shape: ``{rewards, scores, extra_logs}``."""
        body: Dict[str, Any] = {"query": list(query)}
        if prompts is not None:
            body["prompts"] = list(prompts)
        if labels is not None:
            body["labels"] = list(labels)
        return self._request("POST", "/get_reward", body)


def _text(value: Any) -> str:
    # Conversational TRL datasets: [{"role": "assistant", "content": "..."}]
    if isinstance(value, list):
        return "".join(str(m.get("content", "")) if isinstance(m, dict) else str(m) for m in value)
    return str(value)


def make_reward_func(url: Optional[str] = None, answer_key: Optional[str] = None, name: str = "rlops_rewards", **client_kwargs: Any):
    """A TRL-compatible reward function calling the server once per batch.

    ``reward_func(prompts, completions, completion_ids=None, **kwargs) -> list[float | None]``; ``None``
    means not applicable (TRL turns it into NaN). Dataset columns in ``kwargs`` are sent per sample;
    ``answer_key`` (default: the first of ``answer``, ``solution``, ``ground_truth`` present) becomes
    ``answer``.
    """
    client = RewardClient(url, **client_kwargs)

    def reward_func(prompts: Sequence[Any], completions: Sequence[Any], completion_ids: Optional[Sequence[Sequence[int]]] = None, **kwargs: Any) -> List[Optional[float]]:
        n = len(completions)
        key = answer_key or next((k for k in ("answer", "solution", "ground_truth") if k in kwargs), None)
        samples = []
        for i in range(n):
            s: Dict[str, Any] = {"id": i, "completion": _text(completions[i])}
            if prompts is not None and i < len(prompts):
                s["prompt"] = _text(prompts[i])
            if completion_ids is not None:
                s["completion_ids"] = list(completion_ids[i])
            for k, v in kwargs.items():
                if k in _TRL_RESERVED or not isinstance(v, (list, tuple)) or len(v) != n:
                    continue
                s["answer" if k == key else k] = v[i]
            samples.append(s)
        result = client.score(samples)
        return [s["reward"] for s in result["samples"]]

    reward_func.__name__ = name
    return reward_func


reward_func = make_reward_func()


def compute_score(data_source: str, solution_str: str, ground_truth: Any, extra_info: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Dict[str, Any]:
    """verl custom reward function: ``{"score": reward, <component>: value, ...}``.

    Raises ``RewardServerError`` when the spec gives no reward for the sample (not applicable)
    instead of inventing a score.
    """
    sample: Dict[str, Any] = {"completion": solution_str, "answer": ground_truth, "dataSource": data_source}
    url = kwargs.pop("url", None)
    result = RewardClient(url).score([sample])["samples"][0]
    if result["reward"] is None:
        raise RewardServerError("no reward applies to data_source %r (all rewards returned null)" % (data_source,), code="NOT_APPLICABLE")
    out: Dict[str, Any] = {"score": float(result["reward"])}
    for k, v in result["components"].items():
        if v is not None:
            out[k] = float(v)
    return out
