"""Client for the HTTP reward server (``rlops rewards serve``), for remote and multi-node use.

Errors are never turned into rewards: HTTP 4xx raises at once, 5xx/429 and connection errors are
retried with capped exponential backoff and jitter, then raised. ``health()`` fails fast (one try,
a short connect timeout) so a down server is reported in about a second, not after the retries.
"""

from __future__ import annotations

import json
import os
import random
import time
import urllib.error
import urllib.request
from typing import Any, Dict, Optional, Sequence

from .errors import ServerError, VersionMismatchError, class_for

__all__ = ["RewardClient", "DEFAULT_URL", "SERVER_PROTOCOL"]

DEFAULT_URL = "http://127.0.0.1:8377"  # `rlops rewards serve`'s default port (not vLLM's 8000)
#: The server API version this client understands (checked against ``/healthz`` when it reports one).
SERVER_PROTOCOL = 1


class RewardClient:
    """Small JSON client for the reward server's routes (``url`` defaults to ``RLOPS_REWARDS_URL``)."""

    def __init__(
        self,
        url: Optional[str] = None,
        timeout: float = 120.0,
        retries: int = 5,
        backoff: float = 0.5,
        connect_timeout: float = 1.5,
    ):
        self.url = (url or os.environ.get("RLOPS_REWARDS_URL") or DEFAULT_URL).rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.connect_timeout = connect_timeout
        self.server_info: Optional[Dict[str, Any]] = None

    def _once(self, method: str, path: str, data: Optional[bytes], timeout: float) -> Any:
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("content-type", "application/json")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read().decode("utf-8"))

    def _request(self, method: str, path: str, body: Any = None, *, retries: Optional[int] = None,
                 timeout: Optional[float] = None) -> Any:
        data = None if body is None else json.dumps(body, allow_nan=False).encode("utf-8")
        tries = self.retries if retries is None else retries
        last: Optional[ServerError] = None
        for attempt in range(tries + 1):
            try:
                return self._once(method, path, data, self.timeout if timeout is None else timeout)
            except urllib.error.HTTPError as e:
                payload = e.read().decode("utf-8", "replace")
                try:
                    err = json.loads(payload).get("error", {}) or {}
                except (ValueError, AttributeError):
                    err = {}
                code = str(err.get("code") or "HTTP_%d" % e.code)
                message = "%s %s -> HTTP %d: %s" % (method, path, e.code, err.get("message", payload[:200]))
                if e.code < 500 and e.code != 429:
                    cls = class_for(code)
                    if cls.__name__ == "RlopsError":
                        raise ServerError(code, message, status=e.code) from None
                    raise cls(code, message, details={"status": e.code}) from None
                last = ServerError(code, message, status=e.code)
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
                reason = getattr(e, "reason", e)
                last = ServerError(
                    "SERVER_UNREACHABLE",
                    "%s %s%s failed: %s" % (method, self.url, path, reason),
                    hint="is `rlops rewards serve --spec <spec>` running at %s?" % self.url,
                )
            if attempt < tries:
                time.sleep(min(self.backoff * (2 ** attempt), 30.0) + random.random() * self.backoff)
        assert last is not None
        raise last

    def health(self) -> Dict[str, Any]:
        """``GET /healthz``: one try with the short connect timeout (fails fast when the server is down)."""
        return self._request("GET", "/healthz", retries=0, timeout=self.connect_timeout)

    def check_version(self) -> Dict[str, Any]:
        """Handshake: health plus the server's protocol version (``server.protocol`` in ``/healthz``; a
        server that reports none is accepted as protocol 1)."""
        info = self.health()
        if not isinstance(info, dict) or info.get("ok") is not True:
            raise ServerError("SERVER_UNHEALTHY", "GET %s/healthz did not answer ok: %r" % (self.url, info))
        server = info.get("server") if isinstance(info.get("server"), dict) else {}
        protocol = server.get("protocol", info.get("protocol"))
        if protocol is not None and protocol != SERVER_PROTOCOL:
            raise VersionMismatchError(
                "VERSION_MISMATCH",
                "reward server at %s speaks protocol %r (%s %s), this client %d"
                % (self.url, protocol, server.get("name", "server"), server.get("version", "?"), SERVER_PROTOCOL),
                hint="run matching versions of @rlops/cli and the rlops Python package",
            )
        self.server_info = info
        return info

    def spec(self) -> Dict[str, Any]:
        """``GET /spec``: the loaded reward spec with defaults applied."""
        return self._request("GET", "/spec")

    def score(self, samples: Sequence[Dict[str, Any]], group_size: Optional[int] = None) -> Dict[str, Any]:
        """``POST /score``: per sample unless ``group_size`` is given (then with group statistics)."""
        body: Dict[str, Any] = {"samples": list(samples)}
        if group_size is not None:
            body["groupSize"] = group_size
        else:
            body["groups"] = False
        return self._request("POST", "/score", body)

    def get_reward(self, query: Sequence[str], prompts: Optional[Sequence[str]] = None,
                   labels: Optional[Sequence[Any]] = None) -> Dict[str, Any]:
        """``POST /get_reward`` in OpenRLHF's shape: ``{rewards, scores, extra_logs}``."""
        body: Dict[str, Any] = {"query": list(query)}
        if prompts is not None:
            body["prompts"] = list(prompts)
        if labels is not None:
            body["labels"] = list(labels)
        return self._request("POST", "/get_reward", body)
