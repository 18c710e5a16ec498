"""A misbehaving bridge for protocol edge cases: FAKE_BRIDGE selects the behaviour."""

import json
import os
import sys

mode = os.environ.get("FAKE_BRIDGE", "ok")
if mode == "exit":
    sys.stderr.write("rlops: unknown command 'bridge'\n")
    sys.exit(2)
for line in sys.stdin:
    req = json.loads(line)
    if mode == "old-protocol":
        out = {"id": req["id"], "ok": False, "error": {"code": "PROTOCOL_MISMATCH", "message": "client 1, bridge 2", "package": "bridge"}}
    elif mode == "v1-only" and req["method"] == "hello" and req["params"].get("protocol") != 1:
        out = {"id": req["id"], "ok": False, "error": {"code": "PROTOCOL_MISMATCH", "message": "client %s, bridge 1" % req["params"].get("protocol"), "package": "bridge"}}
    elif mode == "garbage":
        sys.stdout.write("this is not json\n")
        sys.stdout.flush()
        continue
    elif mode == "wrong-id":
        out = {"id": 999, "ok": True, "result": {}}
    elif mode == "die-after-hello" and req["method"] != "hello":
        sys.stderr.write("boom: out of memory\n")
        sys.exit(1)
    elif req["method"] == "hello":
        out = {"id": req["id"], "ok": True, "result": {"protocol": "rlops-bridge", "version": req["params"].get("protocol"), "cli": "fake", "methods": []}}
    else:
        out = {"id": req["id"], "ok": False, "error": {"code": req["params"].get("code", "NO_CHECKPOINT"), "message": "fake", "package": "@rlops/recovery", "hint": "do x"}}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
