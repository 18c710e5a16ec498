"""``BreakerCallback`` for ``lightning.pytorch.Trainer``.

    from rlops.lightning import BreakerCallback
    trainer = lightning.pytorch.Trainer(..., callbacks=[BreakerCallback("breaker.yaml")])

After each training batch (and each validation run) the logged metrics (``trainer.callback_metrics``)
go to the breaker at ``trainer.global_step``; a stop/rollback decision sets ``trainer.should_stop``,
writes ``<default_root_dir>/rlops/decision.json`` and prints the recovery message at the end of fit.
The monitor state is kept in the checkpoint (``state_dict``), so it survives ``ckpt_path=`` resumes.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

try:
    from lightning.pytorch.callbacks import Callback
except ImportError:  # the standalone package
    from pytorch_lightning.callbacks import Callback  # type: ignore[no-redef]

from ._watch import RunWatcher, WatcherResult

__all__ = ["BreakerCallback"]


def _metrics(trainer: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for k, v in dict(trainer.callback_metrics).items():
        item = getattr(v, "item", None)
        out[k] = item() if callable(item) and getattr(v, "numel", lambda: 1)() == 1 else v
    return out


class BreakerCallback(WatcherResult, Callback):
    """Feeds Lightning's logged metrics to the rlops breaker; sets ``trainer.should_stop`` on a trip."""

    def __init__(self, config: Any, *, every_n_steps: int = 1, command: Optional[str] = None):
        self.watcher = RunWatcher(config, trainer="lightning")
        self.every_n_steps = max(1, int(every_n_steps))
        self.command = command
        self._last_step = -1

    def setup(self, trainer, pl_module, stage):
        self.watcher.output_dir = trainer.default_root_dir
        self.watcher.is_main = bool(trainer.is_global_zero)

    def _observe(self, trainer) -> None:
        step = int(trainer.global_step)
        metrics = _metrics(trainer)
        if not metrics:
            return
        self.watcher.observe(metrics, step)
        self._last_step = step
        if self.watcher.verdict is not None:
            trainer.should_stop = True

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if trainer.global_step % self.every_n_steps == 0 and trainer.global_step != self._last_step:
            self._observe(trainer)

    def on_validation_end(self, trainer, pl_module):
        if not trainer.sanity_checking:
            self._observe(trainer)

    def state_dict(self) -> Dict[str, Any]:
        return {"monitor": self.watcher.monitor.snapshot()}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        if state_dict.get("monitor") is not None:
            self.watcher.monitor.restore(state_dict["monitor"])

    def on_fit_end(self, trainer, pl_module):
        self.watcher.announce(self.command)
        self.watcher.close()
