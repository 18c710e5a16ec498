"""Real TRL GRPOTrainer runs on CPU with rlops reward functions and the BreakerCallback."""

from __future__ import annotations

import json
import math
import os

import pytest

from conftest import require, run_cli

pytestmark = pytest.mark.trainers


def _trainer(tiny, funcs, args, callbacks=()):
    trl = require("trl")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from grpo_common import dataset

    return trl.GRPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(tiny),
        processing_class=AutoTokenizer.from_pretrained(tiny),
        reward_funcs=funcs,
        args=args,
        train_dataset=dataset(),
        callbacks=list(callbacks),
    )


@pytest.mark.parametrize("which", ["arc", "init"])
def test_grpo_logs_per_component_rewards_equal_to_the_cli(tiny, tmp_path, which, arc_spec, init_spec):
    from grpo_common import Recorder, config
    from rlops.trl import reward_funcs, reward_weights

    spec = arc_spec if which == "arc" else init_spec
    funcs = reward_funcs(spec)
    names = [f.__name__ for f in funcs]
    assert names == (["format", "grid", "overlong"] if which == "arc" else ["arc", "format", "overlong"])
    rec = Recorder(funcs)
    # a per-process batch (4) that is not a multiple of the spec's group.size (8 in the init spec)
    trainer = _trainer(tiny, rec.funcs, config(str(tmp_path), reward_weights=reward_weights(spec), max_steps=2))
    trainer.train()
    history = [h for h in trainer.state.log_history if "loss" in h]
    assert len(history) == 2
    for name in names:
        assert "rewards/%s/mean" % name in history[0], sorted(history[0])
    # the same completions through `rlops rewards score` give the same per-component values
    samples, got = [], {n: [] for n in names}
    for call in rec.calls:
        got[call["name"]].extend(call["values"])
        if call["name"] == names[0]:
            for p, c, ids, a in zip(call["prompts"], call["completions"], call["completion_ids"], call["answer"]):
                samples.append({"prompt": "".join(m["content"] for m in p),
                                "completion": "".join(m["content"] for m in c),
                                "completion_ids": ids, "answer": a})
    out = run_cli("rewards", "score", "--spec", spec, input_text="".join(json.dumps(s) + "\n" for s in samples)).stdout
    cli = [json.loads(line) for line in out.splitlines()]
    assert len(cli) == len(samples) == 8
    for name in names:
        assert got[name] == [r["components"][name] for r in cli], name
    # and TRL's logged means are the means of those values, per step
    for step, entry in enumerate(history):
        for name in names:
            values = [v for v in got[name][step * 4:(step + 1) * 4] if v is not None]
            assert math.isclose(entry["rewards/%s/mean" % name], sum(values) / len(values), rel_tol=1e-5, abs_tol=1e-6)


def test_breaker_stops_grpo_at_the_exact_step_and_recover_plan_picks_the_checkpoint_before(tiny, tmp_path, capfd, arc_spec):
    from grpo_common import collapsing_reward, config
    from rlops.hf import BreakerCallback
    from rlops.trl import reward_funcs

    breaker = {"version": 1, "rules": [{"name": "collapse", "metric": "rewards/collapse/mean", "kind": "zero",
                                        "trigger": {"consecutive": 2}, "action": "stop"}]}
    out = str(tmp_path / "run")
    callback = BreakerCallback(breaker)
    funcs = [collapsing_reward(good_calls=3)] + reward_funcs(arc_spec)
    trainer = _trainer(tiny, funcs, config(out, max_steps=10, save_strategy="steps", save_steps=2), [callback])
    trainer.train()
    # steps 4 and 5 have a zero reward: the breaker trips at step 5 and the run stops there
    assert trainer.state.global_step == 5
    assert callback.verdict["step"] == 5 and callback.verdict["firstBadStep"] == 4
    assert sorted(n for n in os.listdir(out) if n.startswith("checkpoint-")) == ["checkpoint-2", "checkpoint-4", "checkpoint-5"]
    assert os.path.isfile(os.path.join(out, "checkpoint-5", "rlops", "breaker-state.json"))
    decision = json.load(open(os.path.join(out, "rlops", "decision.json")))
    assert decision["verdict"]["rule"] == "collapse" and decision["exitCode"] == 3
    assert set(decision) == {"verdict", "exitCode", "decisions", "stats", "diagnostics", "restore", "state"}
    lines = open(os.path.join(out, "rlops", "metrics.jsonl")).read().splitlines()
    assert [json.loads(line)["step"] for line in lines][:5] == [1, 2, 3, 4, 5]
    # the offline check over metrics.jsonl reaches the same verdict as the live callback
    check = json.loads(run_cli("breaker", "check", "--config", _write(tmp_path, breaker),
                               os.path.join(out, "rlops", "metrics.jsonl"), "--json", check=False).stdout)
    assert check["verdict"] == decision["verdict"]
    # the message: printed once, with the resume command of `rlops recover plan`
    err = capfd.readouterr().err
    assert err.count("rlops breaker: STOP at step 5") == 1
    assert "checkpoint-2" in callback.message and "--resume_from_checkpoint" in callback.message
    plan = json.loads(run_cli("recover", "plan", out, "--from", os.path.join(out, "rlops", "decision.json"), "--json").stdout)
    assert plan["chosen"]["name"] == "checkpoint-2" and plan["beforeStep"] == 4
    assert plan["resume"]["command"] in callback.message


def _write(tmp_path, value) -> str:
    path = tmp_path / "breaker.json"
    path.write_text(json.dumps(value))
    return str(path)
