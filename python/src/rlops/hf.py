"""``BreakerCallback`` for ``transformers.Trainer`` (and TRL trainers, which are Trainers).

    from rlops.hf import BreakerCallback
    trainer = Trainer(..., callbacks=[BreakerCallback("breaker.yaml")])

Every ``on_log`` record (train and eval logs) goes to the breaker at ``state.global_step``. On a
stop/rollback decision the callback sets ``control.should_training_stop`` (and ``should_save`` for
stop/save actions or with ``save_on_trip``, so a checkpoint is written at that step), writes
``<output_dir>/rlops/decision.json`` (the ``rlops breaker check --json`` shape) and, when training
ends, prints one message with what ``rlops recover plan`` says. Every record is appended to
``<output_dir>/rlops/metrics.jsonl`` (for ``rlops breaker watch`` / ``rlops report``). The monitor state
is saved in each checkpoint (``rlops/breaker-state.json``) and restored on resume. Under torchrun
every rank runs its own monitor on the same (already reduced) logs and reaches the same decision;
only the main process writes files and prints.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional

from transformers import TrainerCallback  # lazy by module: only `import rlops.hf` needs transformers

from ._watch import RunWatcher, WatcherResult

__all__ = ["BreakerCallback"]

_SAVE_ACTIONS = ("stop", "save")


class BreakerCallback(WatcherResult, TrainerCallback):
    """Feeds HF/TRL logs to the rlops breaker; stops (and saves) the run on a trip.

    ``config``: breaker config path, YAML text or dict; ``save_on_trip``: also save on rollback trips;
    ``resume_from``: the checkpoint the run resumes from, when it is not ``<output_dir>/checkpoint-<step>``;
    ``command``: the original command line, so the printed resume command is complete."""

    def __init__(self, config: Any, *, save_on_trip: bool = True, resume_from: Optional[str] = None,
                 command: Optional[str] = None):
        self.watcher = RunWatcher(config, trainer="hf")
        self.save_on_trip = save_on_trip
        self.resume_from = resume_from
        self.command = command
        self.decisions = []

    def _bind(self, args: Any, state: Any) -> None:
        self.watcher.output_dir = args.output_dir
        self.watcher.is_main = bool(getattr(state, "is_world_process_zero", True))

    def on_init_end(self, args, state, control, **kwargs):
        self._bind(args, state)

    def on_train_begin(self, args, state, control, **kwargs):
        self._bind(args, state)
        if state.global_step > 0:  # resumed: the trainer state is loaded before this callback
            checkpoint = self.resume_from
            if checkpoint is None and isinstance(getattr(args, "resume_from_checkpoint", None), str):
                checkpoint = args.resume_from_checkpoint
            if checkpoint is None:
                checkpoint = os.path.join(args.output_dir, "checkpoint-%d" % state.global_step)
            self.watcher.restore_from(checkpoint)
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not logs:
            return control
        decision = self.watcher.observe(logs, state.global_step)
        if decision is None:
            return control
        action = decision["action"]
        if action == "save":
            control.should_save = True
        if self.watcher.verdict is not None and self.watcher.trip_step == state.global_step:
            control.should_training_stop = True
            if self.watcher.verdict["action"] in _SAVE_ACTIONS or self.save_on_trip:
                control.should_save = True
        return control

    def on_step_end(self, args, state, control, **kwargs):
        # Once tripped, keep the run stopped (a later callback cannot un-stop it).
        if self.watcher.verdict is not None:
            control.should_training_stop = True
        return control

    def on_save(self, args, state, control, **kwargs):
        self.watcher.save_state(os.path.join(args.output_dir, "checkpoint-%d" % state.global_step))
        return control

    def on_train_end(self, args, state, control, **kwargs):
        self.watcher.announce(self.command)
        self.watcher.close()
        return control
