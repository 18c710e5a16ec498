"""rlops.verl.compute_score called the way verl's reward managers call it, with both shipped specs."""

from __future__ import annotations

import importlib.util

import pytest

from conftest import require

pytestmark = pytest.mark.trainers

FINAL = "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final<|message|>[[1,2],[3,4]]<|return|>"


def _load_as_verl_does(path: str, name: str):
    # verl.trainer.ppo.reward.get_custom_reward_fn: spec_from_file_location + exec_module + getattr
    spec = importlib.util.spec_from_file_location("custom_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


@pytest.mark.parametrize("which", ["arc", "init"])
def test_compute_score_as_verl_calls_it(which, arc_spec, init_spec, tiny, monkeypatch):
    require("transformers")
    import rlops.verl

    monkeypatch.setenv("RLOPS_SPEC", arc_spec if which == "arc" else init_spec)
    monkeypatch.setenv("RLOPS_TOKENIZER", tiny)  # the init spec measures overlong in tokens
    compute_score = _load_as_verl_does(rlops.verl.__file__, "compute_score")
    # NaiveRewardManager: compute_score(data_source=..., solution_str=..., ground_truth=..., extra_info=...)
    good = compute_score(data_source="arc", solution_str=FINAL, ground_truth="[[1,2],[3,4]]", extra_info={"index": 0})
    bad = compute_score(data_source="arc", solution_str="no grid here", ground_truth="[[1,2],[3,4]]", extra_info=None)
    assert isinstance(good["score"], float) or isinstance(good["score"], int)
    assert good["score"] > bad["score"]
    grid = "grid" if which == "arc" else "arc"
    assert good[grid] == 1 and bad[grid] == 0
    from rlops.rewards import score

    expected = score(arc_spec if which == "arc" else init_spec, [{"completion": FINAL, "answer": "[[1,2],[3,4]]",
                     "data_source": "arc", "index": 0,
                     "completion_ids": __import__("transformers").AutoTokenizer.from_pretrained(tiny).encode(FINAL, add_special_tokens=False)}])[0]
    assert good["score"] == expected["reward"]
