"""verl custom reward function backed by an rlops reward spec (scored per sample, no grouping).

verl config::

    custom_reward_function:
      path: <site-packages>/rlops/verl.py      # or: python -c "import rlops.verl as m; print(m.__file__)"
      name: compute_score

The spec comes from ``RLOPS_SPEC`` (or ``custom_reward_function.reward_kwargs.spec``); with
``reward_kwargs.url`` the samples are scored by a remote ``rlops rewards serve`` instead. Token lengths
(specs with ``unit: tokens``) come from ``extra_info["completion_ids"]`` / ``["response_ids"]`` when
the dataset carries them, else from the tokenizer at ``RLOPS_TOKENIZER`` (a local HF tokenizer folder).
"""

from __future__ import annotations

# Absolute imports: verl loads this file by path (custom_reward_function.path), outside the package.

import os
import threading
from typing import Any, Dict, Optional

from rlops._samples import ids_of, jsonable
from rlops.errors import RewardError, SpecError
from rlops.rewards import load_spec

__all__ = ["compute_score"]

_ID_KEYS = ("completion_ids", "response_ids")
_tok_lock = threading.Lock()
_tokenizers: Dict[str, Any] = {}


def _tokenizer(path: str) -> Any:
    with _tok_lock:
        tok = _tokenizers.get(path)
        if tok is None:
            from transformers import AutoTokenizer  # lazy: only when token lengths are needed

            tok = _tokenizers[path] = AutoTokenizer.from_pretrained(path)
        return tok


def compute_score(
    data_source: Any,
    solution_str: str,
    ground_truth: Any,
    extra_info: Optional[Dict[str, Any]] = None,
    *,
    spec: Any = None,
    url: Optional[str] = None,
    **_: Any,
) -> Dict[str, Any]:
    """``{"score": reward, <component id>: value, ...}`` for one response, as verl expects.

    Raises ``RewardError`` (never a fake 0) when a reward fails or no reward applies to the sample."""
    spec = spec if spec is not None else os.environ.get("RLOPS_SPEC")
    if not spec and url is None:
        raise SpecError("SPEC_MISSING", "rlops.verl.compute_score needs a reward spec",
                        hint="set RLOPS_SPEC=/path/reward-spec.yaml (or reward_kwargs.spec)")
    sample: Dict[str, Any] = {}
    extra = extra_info if isinstance(extra_info, dict) else {}
    for k, v in extra.items():
        if k not in _ID_KEYS:
            sample[str(k)] = jsonable(v)
    sample.update(completion=solution_str, answer=jsonable(ground_truth))
    if data_source is not None:
        sample["data_source"] = str(data_source)
    ids = next((extra[k] for k in _ID_KEYS if extra.get(k) is not None), None)
    if ids is not None:
        sample["completion_ids"] = ids_of(ids)
    elif os.environ.get("RLOPS_TOKENIZER"):
        sample["completion_ids"] = list(_tokenizer(os.environ["RLOPS_TOKENIZER"]).encode(
            solution_str, add_special_tokens=False))
    try:
        result = load_spec(spec or None, url=url).score([sample])[0]
    except RewardError as e:
        if "completion_ids" not in sample and "completionIds" in e.message:
            e.hint = "set RLOPS_TOKENIZER to the run's tokenizer folder, or put completion_ids in extra_info"
            e.args = (e.args[0] + "\nhint: " + e.hint,)
        raise
    if result["reward"] is None:
        raise RewardError("NOT_APPLICABLE", "no reward of the spec applies to this sample (data_source %r)" % (data_source,),
                          hint="check appliesTo in the spec; verl needs a number for every response")
    out: Dict[str, Any] = {"score": result["reward"]}
    for k, v in result["components"].items():
        if k != "score":
            out[k] = v
    return out
