"""Turning trainer inputs (TRL batches, verl calls) into rlops samples. No scoring rule lives here."""

from __future__ import annotations

import array
import base64
import sys
from typing import Any, Dict, List, Optional, Sequence

# TRL passes these to every reward function; they are not dataset columns.
TRL_RESERVED = frozenset(
    {"trainer_state", "log_extra", "log_metric", "environments", "prompts", "completions", "completion_ids"}
)
ANSWER_KEYS = ("answer", "solution", "ground_truth")


def text_of(value: Any) -> str:
    """Text of a plain or conversational value (``[{"role": ..., "content": ...}]``: the contents joined)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return text_of(value.get("content", ""))
    if isinstance(value, (list, tuple)):
        return "".join(text_of(m) for m in value)
    return "" if value is None else str(value)


def jsonable(value: Any) -> Any:
    """Plain JSON values from dataset cells (numpy / torch scalars and arrays become lists and numbers)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return jsonable(tolist())
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    return str(value)


def ids_of(value: Any) -> List[int]:
    """Token ids as a list of ints (TRL passes lists already: kept as they are; tensors/arrays converted)."""
    if type(value) is list:
        return value
    if hasattr(value, "tolist"):
        value = value.tolist()
    return [int(t) for t in value]


#: Bridge protocol 2: a sample's token ids as base64 of little-endian uint32.
PACKED_IDS_FIELD = "completion_ids_b64"
_U32 = next(code for code in ("I", "L") if array.array(code).itemsize == 4)


def pack_ids(ids: Sequence[int]) -> Optional[str]:
    """Token ids as base64 of little-endian uint32, or ``None`` when they are not all in 0..2**32-1
    (then they go as a list and the bridge reports what is wrong with them)."""
    try:
        packed = array.array(_U32, ids)
    except (OverflowError, TypeError):
        return None
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def pack_samples(samples: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The samples with list-valued ``completion_ids`` packed (a fifth of the JSON work on both sides)."""
    out = []
    for s in samples:
        ids = s.get("completion_ids") if isinstance(s, dict) else None
        packed = pack_ids(ids) if isinstance(ids, (list, tuple)) else None
        if packed is None:
            out.append(s)
        else:
            copy = {k: v for k, v in s.items() if k != "completion_ids"}
            copy[PACKED_IDS_FIELD] = packed
            out.append(copy)
    return out


def trl_samples(
    prompts: Optional[Sequence[Any]],
    completions: Sequence[Any],
    completion_ids: Optional[Sequence[Any]],
    columns: Dict[str, Any],
    answer_key: Optional[str] = None,
) -> List[Dict[str, Any]]:
    """One sample per completion: text, prompt, ``completion_ids`` and every per-sample dataset column
    (``answer_key``, default the first of answer/solution/ground_truth present, becomes ``answer``)."""
    n = len(completions)
    key = answer_key or next((k for k in ANSWER_KEYS if k in columns), None)
    usable = {
        k: v
        for k, v in columns.items()
        if k not in TRL_RESERVED and isinstance(v, (list, tuple)) and len(v) == n
    }
    samples = []
    for i in range(n):
        s: Dict[str, Any] = {"completion": text_of(completions[i])}
        if prompts is not None and i < len(prompts):
            s["prompt"] = text_of(prompts[i])
        if completion_ids is not None and i < len(completion_ids) and completion_ids[i] is not None:
            s["completion_ids"] = ids_of(completion_ids[i])
        for k, v in usable.items():
            s["answer" if k == key else k] = jsonable(v[i])
        samples.append(s)
    return samples
