"""Building a tiny TRL GRPO run on CPU (shared by the TRL tests and the torchrun script)."""

from __future__ import annotations

GRID = "[[1,2],[3,4]]"


def dataset(n: int = 16, conversational: bool = True):
    from datasets import Dataset

    if conversational:
        prompts = [[{"role": "user", "content": "solve puzzle %d: rotate the grid" % i}] for i in range(n)]
    else:
        prompts = ["solve puzzle %d: rotate the grid" % i for i in range(n)]
    return Dataset.from_dict({"prompt": prompts, "answer": [GRID] * n})


def config(output_dir: str, **overrides):
    from trl import GRPOConfig

    kw = dict(
        output_dir=output_dir,
        per_device_train_batch_size=4,
        num_generations=4,
        max_completion_length=12,
        max_steps=3,
        learning_rate=1e-3,
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        use_vllm=False,
        use_cpu=True,
        seed=0,
        dataloader_num_workers=0,
        disable_tqdm=True,
        temperature=1.0,
    )
    kw.update(overrides)
    return GRPOConfig(**kw)


class Recorder:
    """Wraps reward functions to record what TRL passed and what each returned, per call."""

    def __init__(self, funcs):
        self.calls = []
        self.funcs = [self._wrap(f) for f in funcs]

    def _wrap(self, f):
        def wrapped(prompts=None, completions=None, completion_ids=None, **kwargs):
            values = f(prompts=prompts, completions=completions, completion_ids=completion_ids, **kwargs)
            self.calls.append({"name": f.__name__, "prompts": prompts, "completions": completions,
                               "completion_ids": [list(map(int, c)) for c in completion_ids],
                               "answer": list(kwargs.get("answer", [])), "values": list(values)})
            return values

        wrapped.__name__ = f.__name__
        return wrapped


def collapsing_reward(good_calls: int):
    """A plain Python reward: 1.0 for the first `good_calls` batches, then 0.0 (a collapsed reward)."""
    state = {"calls": 0}

    def collapse(prompts=None, completions=None, **kwargs):
        state["calls"] += 1
        return [1.0 if state["calls"] <= good_calls else 0.0 for _ in completions]

    return collapse
