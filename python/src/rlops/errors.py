"""Exception classes: every error of the bridge or the server keeps its stable ``code``.

``RlopsError`` is the base; the subclass is chosen by code (``class_for``), then by the throwing
package. Each class also derives from the closest built-in (``ValueError``, ``OSError``, ``LookupError``)
so ordinary ``except`` clauses work.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

__all__ = [
    "RlopsError",
    "BridgeError",
    "CliNotFoundError",
    "VersionMismatchError",
    "SpecError",
    "SampleError",
    "RewardError",
    "BreakerConfigError",
    "StateError",
    "NoCheckpointError",
    "RecoveryError",
    "NotReadableError",
    "ServerError",
    "class_for",
    "from_wire",
]


class RlopsError(Exception):
    """Base class. ``code`` is stable; ``hint`` says what to do; ``details`` carries the data."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        hint: Optional[str] = None,
        details: Optional[Dict[str, Any]] = None,
        package: Optional[str] = None,
    ):
        super().__init__("%s: %s%s" % (code, message, "\nhint: " + hint if hint else ""))
        self.code = code
        self.message = message
        self.hint = hint
        self.details = details or {}
        self.package = package


class BridgeError(RlopsError):
    """The bridge itself failed: protocol errors, the child exited, bad params."""


class CliNotFoundError(BridgeError, FileNotFoundError):
    """Node.js or the ``rlops`` CLI cannot be found (codes ``CLI_NOT_FOUND``, ``NODE_NOT_FOUND``)."""


class VersionMismatchError(BridgeError):
    """Client and bridge (or server) speak different protocol versions (``PROTOCOL_MISMATCH``)."""


class SpecError(RlopsError, ValueError):
    """A reward spec cannot be parsed or validated."""


class SampleError(RlopsError, ValueError):
    """A sample is malformed (``INVALID_SAMPLE``) or too large."""


class RewardError(RlopsError):
    """A reward failed on a sample (``REWARD_FAILED``, ``REWARD_TIMEOUT``) — never turned into a 0."""


class BreakerConfigError(RlopsError, ValueError):
    """A breaker config is invalid, or a record breaks a strict config rule."""


class StateError(RlopsError, ValueError):
    """A saved monitor state is not valid (``INVALID_STATE``)."""


class NoCheckpointError(RlopsError, LookupError):
    """No complete, resumable checkpoint before the requested step (``NO_CHECKPOINT``)."""


class RecoveryError(RlopsError):
    """Resume planning failed (source, command, path errors)."""


class NotReadableError(RlopsError, OSError):
    """A spec, config or run folder cannot be read (``NOT_READABLE``, ``SOURCE_ERROR``)."""


class ServerError(RlopsError):
    """The HTTP reward server answered with an error or could not be reached (``status`` when HTTP)."""

    def __init__(self, code: str, message: str, *, status: Optional[int] = None, **kwargs: Any):
        super().__init__(code, message, **kwargs)
        self.status = status


_BY_CODE: Dict[str, Type[RlopsError]] = {
    "CLI_NOT_FOUND": CliNotFoundError,
    "NODE_NOT_FOUND": CliNotFoundError,
    "PROTOCOL_MISMATCH": VersionMismatchError,
    "VERSION_MISMATCH": VersionMismatchError,
    "SPEC_PARSE": SpecError,
    "SPEC_TOO_LARGE": SpecError,
    "SPEC_ALIAS_LIMIT": SpecError,
    "SPEC_INVALID": SpecError,
    "UNKNOWN_KIND": SpecError,
    "INVALID_SAMPLE": SampleError,
    "INPUT_TOO_LARGE": SampleError,
    "REWARD_FAILED": RewardError,
    "REWARD_TIMEOUT": RewardError,
    "GROUP_INVALID": RewardError,
    "INVALID_CONFIG": BreakerConfigError,
    "MISSING_METRIC": BreakerConfigError,
    "OUT_OF_ORDER": BreakerConfigError,
    "INVALID_RECORD": BreakerConfigError,
    "INVALID_STATE": StateError,
    "NO_CHECKPOINT": NoCheckpointError,
    "NOT_READABLE": NotReadableError,
    "SOURCE_ERROR": NotReadableError,
}

_BY_PACKAGE: Dict[str, Type[RlopsError]] = {
    "bridge": BridgeError,
    "@rlops/rewards": RewardError,
    "@rlops/recovery": RecoveryError,
    "@rlops/checkpoint-layout": RecoveryError,
}


def class_for(code: str, package: Optional[str] = None) -> Type[RlopsError]:
    """The exception class for an error code (then for the throwing package)."""
    return _BY_CODE.get(code) or _BY_PACKAGE.get(package or "") or RlopsError


def from_wire(error: Dict[str, Any]) -> RlopsError:
    """Builds the exception for a bridge error object ``{code, message, hint?, package?, details?}``."""
    code = str(error.get("code", "INTERNAL"))
    package = error.get("package")
    cls = class_for(code, package)
    return cls(
        code,
        str(error.get("message", "")),
        hint=error.get("hint"),
        details=error.get("details") or {},
        package=package,
    )
