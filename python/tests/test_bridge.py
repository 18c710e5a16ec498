"""Unit tests (standard library only): discovery, handshake, errors, the protocol edge cases."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from conftest import HERE, cli_path, run_cli
from rlops import errors
from rlops._bridge import Bridge, find_cli

FAKE = os.path.join(HERE, "fake_bridge.py")


def fake(mode, monkeypatch):
    monkeypatch.setenv("FAKE_BRIDGE", mode)
    return Bridge([sys.executable, FAKE])


def test_find_cli_order(tmp_path, monkeypatch):
    assert find_cli({"RLOPS_CLI": cli_path()}) [-1] == cli_path()
    with pytest.raises(errors.CliNotFoundError) as e:
        find_cli({"RLOPS_CLI": str(tmp_path / "missing.js")})
    assert e.value.code == "CLI_NOT_FOUND" and "RLOPS_CLI" in e.value.message
    shim = tmp_path / "proj" / "node_modules" / ".bin" / "rlops"
    shim.parent.mkdir(parents=True)
    shim.write_text("#!/bin/sh\n")
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "proj" / "sub").mkdir()
    assert find_cli({"PATH": os.environ["PATH"]}, cwd=str(tmp_path / "proj" / "sub")) == [str(shim)]
    with pytest.raises(errors.CliNotFoundError) as e:
        find_cli({"PATH": str(tmp_path)}, cwd=str(tmp_path))
    assert e.value.code == "CLI_NOT_FOUND" and "npm i" in e.value.hint


def test_node_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(errors.CliNotFoundError) as e:
        find_cli({"RLOPS_CLI": cli_path()})
    assert e.value.code == "NODE_NOT_FOUND" and "Node.js" in e.value.message


def test_handshake_with_the_real_cli():
    b = Bridge()
    try:
        assert b.info["protocol"] == "rlops-bridge" and b.info["version"] == 2 and b.protocol == 2
        assert b.info["versions"] == [1, 2]
        assert {"rewards.score", "breaker.observe", "checkpoints.select", "recover.plan"} <= set(b.info["methods"])
        with pytest.raises(errors.BridgeError) as e:
            b.request("nope")
        assert e.value.code == "UNKNOWN_METHOD"
        with pytest.raises(errors.BridgeError) as e:
            b.request("rewards.score", {"handle": 42, "samples": []})
        assert e.value.code == "UNKNOWN_HANDLE"
        with pytest.raises(errors.BridgeError) as e:
            b.request("rewards.score", {"handle": "x"})
        assert e.value.code == "BAD_PARAMS" and "handle" in e.value.message
        with pytest.raises(errors.NotReadableError):
            b.request("rewards.load", {"spec": {"path": "/nonexistent/spec.yaml"}})
        with pytest.raises(errors.SpecError) as e:
            b.request("rewards.load", {"spec": {"value": {"version": 1, "rewards": [{"id": "x", "kind": "nope"}]}}})
        assert e.value.package == "@rlops/rewards"
    finally:
        assert b.close() == 0  # stdin EOF is a clean shutdown


def test_raw_protocol_lines():
    lines = [
        '{"id":1,"method":"rewards.load","params":{}}',
        "not json",
        '{"id":2,"method":"hello","params":{"protocol":99}}',
        '{"id":3,"method":"hello","params":{"protocol":1}}',
        '{"id":"a","method":"breaker.create","params":{"config":{"text":"version: 1\\nrules:\\n  - {name: z, metric: reward, kind: zero}\\n"}}}',
    ]
    cmd = ["node", cli_path(), "bridge"]
    proc = subprocess.run(cmd, input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [a["id"] for a in answers] == [1, None, 2, 3, "a"]
    assert answers[0]["error"]["code"] == "HELLO_REQUIRED"
    assert answers[1]["error"]["code"] == "BAD_REQUEST"
    assert answers[2]["error"]["code"] == "PROTOCOL_MISMATCH"
    assert answers[3]["ok"] and answers[4]["ok"] and answers[4]["result"]["handle"] == 1


def test_an_older_cli_gets_protocol_1(monkeypatch):
    b = fake("v1-only", monkeypatch)
    try:
        assert b.protocol == 1 and b.info["version"] == 1
    finally:
        b.close()


def test_protocol_mismatch_maps_to_version_error(monkeypatch):
    with pytest.raises(errors.VersionMismatchError):
        fake("old-protocol", monkeypatch)


def test_cli_without_bridge_command(monkeypatch):
    with pytest.raises(errors.BridgeError) as e:
        fake("exit", monkeypatch)
    assert e.value.code == "BRIDGE_EXITED" and "unknown command" in e.value.message


def test_garbage_and_wrong_ids(monkeypatch):
    with pytest.raises(errors.BridgeError) as e:
        fake("garbage", monkeypatch)
    assert e.value.code == "BAD_RESPONSE"
    with pytest.raises(errors.BridgeError) as e:
        fake("wrong-id", monkeypatch)
    assert e.value.code == "BAD_RESPONSE"


def test_child_dying_mid_run_reports_its_stderr(monkeypatch):
    b = fake("die-after-hello", monkeypatch)
    with pytest.raises(errors.BridgeError) as e:
        b.request("rewards.score", {})
    assert e.value.code == "BRIDGE_EXITED" and "out of memory" in e.value.message


@pytest.mark.parametrize("code,cls", [("NO_CHECKPOINT", errors.NoCheckpointError), ("INVALID_STATE", errors.StateError),
                                      ("INVALID_CONFIG", errors.BreakerConfigError), ("SOURCE_ERROR", errors.NotReadableError),
                                      ("UNSAFE_PATH", errors.RecoveryError)])
def test_error_codes_map_to_classes(monkeypatch, code, cls):
    b = fake("ok", monkeypatch)
    with pytest.raises(cls) as e:
        b.request("x", {"code": code})
    assert e.value.code == code and e.value.hint == "do x"
    assert isinstance(e.value, errors.RlopsError)
    b.close()


def test_packed_ids_round_trip_through_the_real_cli():
    from rlops._samples import PACKED_IDS_FIELD, pack_ids, pack_samples

    assert pack_ids([0, 1, 2**32 - 1]) == "AAAAAAEAAAD/////"  # little-endian uint32
    assert pack_ids([-1]) is None and pack_ids([2**32]) is None and pack_ids([1.5]) is None
    raw = [{"completion": "x", "completion_ids": [5] * 7}, {"completion": "y", "completion_ids": [-1]}, "z"]
    packed = pack_samples(raw)
    assert packed[0] == {"completion": "x", PACKED_IDS_FIELD: pack_ids([5] * 7)} and packed[1:] == raw[1:]
    assert raw[0]["completion_ids"] == [5] * 7  # the caller's samples are not modified
    b = Bridge()
    try:
        spec = {"version": 1, "name": "t", "rewards": [{"id": "len", "kind": "length.overlong",
                                                        "params": {"maxLength": 10, "buffer": 5, "unit": "tokens"}}]}
        handle = b.request("rewards.load", {"spec": {"value": spec}})["handle"]
        samples = [{"completion_ids": [3] * n} for n in (4, 8, 12, 2**3 * 10)]
        listed = b.request("rewards.score", {"handle": handle, "samples": samples})
        assert b.request("rewards.score", {"handle": handle, "samples": pack_samples(samples)}) == listed
        assert [s["reward"] for s in listed["samples"]] == [0, -0.6, -1, -1]
        with pytest.raises(errors.BridgeError) as e:
            b.request("rewards.score", {"handle": handle, "samples": [{PACKED_IDS_FIELD: "AAA="}]})
        assert e.value.code == "BAD_PARAMS" and PACKED_IDS_FIELD in e.value.message
    finally:
        b.close()
