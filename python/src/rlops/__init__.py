"""rlops for Python trainers.

Everything is decided by the one TypeScript implementation (``@rlops/cli``), reached through a
long-lived ``rlops bridge`` child process speaking JSON lines over stdio (or the HTTP reward server,
``url=``). Standard library only; ``rlops.hf`` / ``rlops.trl`` / ``rlops.lightning`` import their
trainer lazily.

Modules: ``rlops.rewards`` (score samples), ``rlops.breaker`` (``Monitor``), ``rlops.checkpoints``
(``latest_resumable``), ``rlops.recover`` (``plan``), ``rlops.trl`` (``reward_funcs``,
``reward_weights``), ``rlops.verl`` (``compute_score``), ``rlops.hf`` and ``rlops.lightning``
(``BreakerCallback``), ``rlops.errors`` (exception classes).
"""

__version__ = "0.1.0"
#: Newest version of the bridge protocol this package speaks (``hello`` checks it). Protocol 2 adds
#: packed token ids (``completion_ids_b64``); with an older CLI the bridge falls back to protocol 1.
PROTOCOL_VERSION = 2
#: Every bridge protocol version this package speaks, newest first (tried in this order at ``hello``).
PROTOCOL_VERSIONS = (2, 1)

__all__ = ["__version__", "PROTOCOL_VERSION", "PROTOCOL_VERSIONS"]
