"""The ``rlops bridge`` child process: discovery, handshake, requests, shutdown.

One bridge per process (``get_bridge()``): started on first use, restarted after a fork, closed at
exit (closing its stdin is the clean shutdown; the child exits 0 on EOF). Requests are serialised
with a lock, so the bridge is safe to share between threads.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import shutil
import subprocess
import sys
import threading
from typing import Any, Deque, Dict, List, Optional, Sequence

from . import PROTOCOL_VERSIONS, __version__
from .errors import BridgeError, CliNotFoundError, VersionMismatchError, from_wire

__all__ = ["Bridge", "find_cli", "get_bridge", "close_bridge"]

_STDERR_LINES = 50


def _is_file(path: str) -> bool:
    return os.path.isfile(path)


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise CliNotFoundError(
            "NODE_NOT_FOUND",
            "Node.js (node >= 20) is not on PATH; the rlops CLI needs it",
            hint="install Node.js 20+ (https://nodejs.org) and `npm i -D @rlops/cli`, or set RLOPS_CLI",
        )
    return node


def _command_for(path: str) -> List[str]:
    if path.endswith((".js", ".mjs", ".cjs")):
        return [_node(), path]
    if path.endswith(".py"):
        return [sys.executable, path]
    return [path]


def find_cli(env: Optional[Dict[str, str]] = None, cwd: Optional[str] = None) -> List[str]:
    """The command that starts the CLI: ``RLOPS_CLI``, then ``node_modules/.bin/rlops`` in the working
    folder or a parent, then ``rlops`` on ``PATH``. Raises ``CliNotFoundError`` naming what was tried."""
    env = os.environ if env is None else env
    tried = []
    explicit = env.get("RLOPS_CLI")
    if explicit:
        if not _is_file(explicit) and shutil.which(explicit) is None:
            raise CliNotFoundError(
                "CLI_NOT_FOUND",
                "RLOPS_CLI=%s does not exist" % explicit,
                hint="point RLOPS_CLI at the rlops executable or at packages/cli/dist/bin.js",
            )
        return _command_for(explicit if _is_file(explicit) else shutil.which(explicit))  # type: ignore[arg-type]
    tried.append("RLOPS_CLI (unset)")
    here = os.path.abspath(cwd or os.getcwd())
    while True:
        candidate = os.path.join(here, "node_modules", ".bin", "rlops")
        if _is_file(candidate):
            _node()
            return [candidate]
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    tried.append("node_modules/.bin/rlops in %s and its parents" % os.path.abspath(cwd or os.getcwd()))
    on_path = shutil.which("rlops", path=env.get("PATH"))
    if on_path:
        _node()
        return [on_path]
    tried.append("rlops on PATH")
    raise CliNotFoundError(
        "CLI_NOT_FOUND",
        "the rlops CLI was not found (tried %s)" % ", ".join(tried),
        hint="`npm i -D @rlops/cli` in your project, `npm i -g @rlops/cli`, or set RLOPS_CLI to its path",
    )


class Bridge:
    """A running ``rlops bridge`` child. Use :func:`get_bridge` rather than constructing one."""

    def __init__(self, command: Optional[Sequence[str]] = None):
        self.command = list(command) if command is not None else find_cli() + ["bridge"]
        self.pid_owner = os.getpid()
        self._lock = threading.Lock()
        self._next = 1
        self._stderr: Deque[str] = collections.deque(maxlen=_STDERR_LINES)
        #: The protocol version agreed at ``hello``.
        self.protocol = 0
        try:
            self._proc = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                bufsize=-1,
            )
        except OSError as e:
            raise CliNotFoundError(
                "CLI_NOT_FOUND",
                "cannot start %s: %s" % (" ".join(self.command), e),
                hint="check RLOPS_CLI / your Node.js install",
            ) from None
        self._reader = threading.Thread(target=self._drain_stderr, daemon=True)
        self._reader.start()
        self.info = self._hello()

    def _drain_stderr(self) -> None:
        stream = self._proc.stderr
        assert stream is not None
        for raw in iter(stream.readline, b""):
            self._stderr.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def _exited(self, what: str) -> BridgeError:
        try:
            code = self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        self._reader.join(timeout=1)
        tail = "\n".join(list(self._stderr)[-10:])
        return BridgeError(
            "BRIDGE_EXITED",
            "%s: `%s` exited (code %s)%s" % (what, " ".join(self.command), code, (":\n" + tail) if tail else ""),
            hint="is it an rlops CLI with the `bridge` command (@rlops/cli >= the version of this package)?",
        )

    def _hello(self) -> Dict[str, Any]:
        """Handshake: the newest protocol both sides speak (an older CLI refuses 2 and accepts 1)."""
        for version in PROTOCOL_VERSIONS:
            try:
                info = self.request("hello", {"protocol": version, "client": "rlops-python/" + __version__})
            except VersionMismatchError:
                if version != PROTOCOL_VERSIONS[-1]:
                    continue
                self.close()
                raise
            except BridgeError as e:
                self.close()
                if e.code in ("BRIDGE_EXITED", "BAD_RESPONSE"):
                    raise
                raise VersionMismatchError(
                    "PROTOCOL_MISMATCH",
                    "the CLI did not accept the bridge handshake (%s: %s)" % (e.code, e.message),
                    hint="install matching versions of the rlops Python package and @rlops/cli",
                ) from None
            if not isinstance(info, dict) or info.get("version") != version:
                self.close()
                raise VersionMismatchError(
                    "PROTOCOL_MISMATCH",
                    "bridge answered protocol %r to a protocol %d hello" % (
                        info.get("version") if isinstance(info, dict) else info, version),
                    hint="install matching versions of the rlops Python package and @rlops/cli",
                )
            self.protocol = version
            return info
        raise AssertionError("unreachable: PROTOCOL_VERSIONS is not empty")

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def request(self, method: str, params: Optional[Dict[str, Any]] = None) -> Any:
        """Sends one request and returns its ``result``; raises the mapped exception on ``ok: false``."""
        with self._lock:
            rid = self._next
            self._next += 1
            line = json.dumps({"id": rid, "method": method, "params": params or {}}, separators=(",", ":"))
            stdin, stdout = self._proc.stdin, self._proc.stdout
            assert stdin is not None and stdout is not None
            try:
                stdin.write(line.encode("utf-8") + b"\n")
                stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                raise self._exited(method) from None
            raw = stdout.readline()
            if not raw:
                raise self._exited(method)
        try:
            answer = json.loads(raw)
        except ValueError:
            raise BridgeError("BAD_RESPONSE", "%s: the bridge wrote a line that is not JSON: %r" % (method, raw[:200])) from None
        if not isinstance(answer, dict) or answer.get("id") != rid:
            raise BridgeError("BAD_RESPONSE", "%s: answer for request %r, expected %r" % (
                method, answer.get("id") if isinstance(answer, dict) else answer, rid))
        if answer.get("ok") is True:
            return answer.get("result")
        raise from_wire(answer.get("error") or {})

    def close(self, timeout: float = 5.0) -> Optional[int]:
        """Closes stdin (the clean shutdown) and waits for the child; kills it after ``timeout``."""
        proc = self._proc
        if proc.stdin is not None and not proc.stdin.closed:
            try:
                proc.stdin.close()
            except OSError:
                pass
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


_lock = threading.Lock()
_bridge: Optional[Bridge] = None


def get_bridge() -> Bridge:
    """This process's bridge (started on first use; a new one after a fork or if it died)."""
    global _bridge
    with _lock:
        if _bridge is None or _bridge.pid_owner != os.getpid() or not _bridge.alive:
            _bridge = Bridge()
        return _bridge


def close_bridge() -> None:
    """Shuts down this process's bridge (also done at exit)."""
    global _bridge
    with _lock:
        if _bridge is not None and _bridge.pid_owner == os.getpid():
            _bridge.close()
        _bridge = None


atexit.register(close_bridge)

