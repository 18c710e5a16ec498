"""Unit tests against the real built CLI: rewards, the breaker, checkpoints (standard library only)."""

from __future__ import annotations

import json
import os

import pytest

from conftest import run_cli
from rlops import errors
from rlops.breaker import Monitor
from rlops.rewards import score
from rlops.trl import reward_funcs, reward_weights

FINAL = "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final<|message|>[[1,2],[3,4]]<|return|>"
BREAKER = {"version": 1, "rules": [{"name": "zero", "metric": "reward", "kind": "zero",
                                    "trigger": {"consecutive": 3}, "action": "stop"}]}


def _cli_score(spec, samples):
    out = run_cli("rewards", "score", "--spec", spec, input_text="".join(json.dumps(s) + "\n" for s in samples))
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_score_equals_the_cli_and_never_groups(arc_spec):
    samples = [{"completion": FINAL, "answer": "[[1,2],[3,4]]"}, {"completion": "x" * 3000, "answer": "[[1]]"},
               {"completion": "plain", "answer": "[[0]]"}]  # 3 samples, the spec's group.size is 4
    ours = score(arc_spec, samples)
    cli = _cli_score(arc_spec, samples + [samples[0]])[:3]  # the CLI groups by the spec's group.size
    assert [r["components"] for r in ours] == [r["components"] for r in cli]
    assert [r["reward"] for r in ours] == [r["reward"] for r in cli]
    assert all("advantage" not in r for r in ours)


def test_token_lengths_come_from_completion_ids(tmp_path):
    # the starter spec counts characters; a token-unit spec takes its lengths from completion_ids
    spec = tmp_path / "tokens.yaml"
    spec.write_text("version: 1\nname: tokens\nrewards:\n  - id: overlong\n    kind: length.overlong\n"
                    "    params: { maxLength: 2048, buffer: 512, unit: tokens }\n")
    init_spec = str(spec)
    long_ids = list(range(2100))
    r = score(init_spec, [{"completion": FINAL, "answer": "[[1,2],[3,4]]", "completion_ids": long_ids},
                          {"completion": FINAL, "answer": "[[1,2],[3,4]]", "completion_ids": [1, 2, 3]}])
    assert r[0]["components"]["overlong"] < 0 and r[1]["components"]["overlong"] == 0
    with pytest.raises(errors.RewardError) as e:
        score(init_spec, [{"completion": FINAL, "answer": "[[1,2],[3,4]]"}])
    assert "completionIds" in e.value.message


def test_trl_functions_any_batch_size_and_conversational(arc_spec):
    funcs = reward_funcs(arc_spec)
    assert [f.__name__ for f in funcs] == ["format", "grid", "overlong"]
    assert reward_weights(arc_spec) == [0.2, 1.0, 1.0]
    for n in (1, 3, 5):
        prompts = [[{"role": "user", "content": "solve"}]] * n
        completions = [[{"role": "assistant", "content": FINAL}]] * n
        kwargs = dict(prompts=prompts, completions=completions, completion_ids=[[1, 2]] * n,
                      answer=["[[1,2],[3,4]]"] * n, trainer_state=None)
        assert [f(**kwargs) for f in funcs] == [[1.0] * n, [1.0] * n, [0] * n]
    with pytest.raises(errors.RewardError):  # a missing answer is an error, never a 0
        funcs[1](prompts=["p"], completions=["c"], completion_ids=[[1]])


def test_monitor_matches_breaker_check(tmp_path):
    records = [{"step": s, "reward": r} for s, r in enumerate([1, 0.5, 0, 0, 0, 1], start=1)]
    m = Monitor(BREAKER)
    decisions = m.observe_many(records)
    assert [d["action"] for d in decisions] == ["continue", "continue", "continue", "continue", "stop", "stop"]
    assert m.tripped
    path = tmp_path / "metrics.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    cfg = tmp_path / "breaker.json"
    cfg.write_text(json.dumps(BREAKER))
    proc = run_cli("breaker", "check", "--config", str(cfg), str(path), "--json", check=False)
    assert proc.returncode == 3
    cli, ours = json.loads(proc.stdout), m.result()
    assert ours["verdict"] == cli["verdict"] and ours["exitCode"] == 3
    assert set(ours) == set(cli)


def test_monitor_state_survives_a_restart(tmp_path):
    m = Monitor(BREAKER)
    m.observe({"reward": 0}, step=1)
    m.observe({"reward": 0}, step=2)
    m.save_state(str(tmp_path / "state.json"))
    resumed = Monitor(BREAKER, state=json.load(open(tmp_path / "state.json")))
    assert resumed.observe({"reward": 0}, step=3)["action"] == "stop"
    fresh = Monitor(BREAKER)
    assert fresh.observe({"reward": 0}, step=3)["action"] == "continue"
    with pytest.raises(errors.StateError):
        fresh.restore({"version": 999})
    with pytest.raises(errors.BreakerConfigError):
        Monitor({"version": 1, "rules": [{"name": "x", "kind": "zero"}]})
    assert m.observe({"loss": 1}) is None  # no step: a diagnostic, not a decision
    assert m.result()["diagnostics"][0]["code"] == "NO_STEP"


def test_checkpoints_and_plan_on_a_run_folder(tmp_path):
    from rlops.checkpoints import latest_resumable, select
    from rlops.recover import plan

    assert latest_resumable(str(tmp_path / "nothing")) is None
    run = tmp_path / "run"
    run.mkdir()
    assert latest_resumable(str(run)) is None
    with pytest.raises(errors.RlopsError) as e:  # as `rlops recover plan` says: no checkpoint layout
        plan(str(run), before_step=5)
    assert e.value.code == "LAYOUT_UNKNOWN"
    assert select(str(run))["chosen"] is None
