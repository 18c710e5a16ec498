"""The HTTP path (url=): the same Python API on top of `rlops rewards serve` (standard library only)."""

from __future__ import annotations

import json
import socket
import subprocess
import time

import pytest

from conftest import cli_path
from rlops import errors
from rlops._http import RewardClient

FINAL = "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final<|message|>[[1,2],[3,4]]<|return|>"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_health_fails_fast_when_the_server_is_down():
    client = RewardClient("http://127.0.0.1:%d" % _closed_port())
    start = time.monotonic()
    with pytest.raises(errors.ServerError) as e:
        client.health()
    assert time.monotonic() - start < 5  # one try with a short connect timeout, not 5 retries (16.8 s)
    assert e.value.code == "SERVER_UNREACHABLE" and "rlops rewards serve" in e.value.hint


@pytest.fixture()
def server(arc_spec):
    proc = subprocess.Popen(["node", cli_path(), "rewards", "serve", "--spec", arc_spec, "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = json.loads(proc.stdout.readline())["listening"]
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_reward_funcs_over_http_equal_the_bridge(server, arc_spec):
    from rlops.trl import reward_funcs

    kwargs = dict(prompts=["p"] * 3, completions=[FINAL, "x" * 3000, "plain"], completion_ids=[[1]] * 3,
                  answer=["[[1,2],[3,4]]"] * 3)
    local = [f(**kwargs) for f in reward_funcs(arc_spec)]
    try:
        remote = [f(**kwargs) for f in reward_funcs(arc_spec, url=server)]
    except errors.RewardError as e:
        if e.code == "GROUP_INVALID":
            pytest.xfail("this server still groups POST /score (needs the per-sample `groups: false` body field)")
        raise
    assert remote == local


def test_handshake_refuses_an_unknown_server_protocol():
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"ok": True, "server": {"name": "@rlops/rewards", "version": "9.0.0", "protocol": 2}}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(errors.VersionMismatchError) as e:
            RewardClient("http://127.0.0.1:%d" % httpd.server_address[1]).check_version()
        assert "protocol 2" in e.value.message and "9.0.0" in e.value.message
    finally:
        httpd.shutdown()
        httpd.server_close()
