"""How a spec or config argument travels to the bridge: a path, YAML/JSON text, or a dict."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Tuple


def source_params(value: Any, what: str) -> Tuple[Dict[str, Any], str]:
    """``({"path"|"text"|"value": ...}, cache_key)`` for a path (str / PathLike), YAML text or a dict."""
    if isinstance(value, dict):
        return {"value": value}, "value:" + json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        if "\n" in value:
            return {"text": value}, "text:" + value
        path = os.path.abspath(value)
        return {"path": path}, "path:%s:%s" % (path, _mtime(path))
    raise TypeError("%s: expected a path, YAML/JSON text or a dict, got %s" % (what, type(value).__name__))


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return -1.0
