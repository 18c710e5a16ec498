"""Bridge round trip for a TRL batch vs a pure-Python reward of the same formula; breaker cost per on_log.

    RLOPS_CLI=packages/cli/dist/bin.js python3 python/bench/bench_bridge.py [--iterations 300]

Prints p50/p99 per batch (64 completions of 2 KB, one TRL reward function per component) and the
ratio to the in-process pure-Python DAPO overlong reward, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))
REPO = os.path.dirname(os.path.dirname(HERE))
if not os.environ.get("RLOPS_CLI"):
    os.environ["RLOPS_CLI"] = os.path.join(REPO, "packages", "cli", "dist", "bin.js")

from rlops._watch import RunWatcher  # noqa: E402
from rlops.trl import reward_funcs  # noqa: E402

MAX_LENGTH, BUFFER = 2048, 512
SPEC = {"version": 1, "name": "bench", "rewards": [{"id": "overlong", "kind": "length.overlong",
        "params": {"maxLength": MAX_LENGTH, "buffer": BUFFER, "unit": "chars", "style": "dapo"}}]}


def python_overlong(prompts=None, completions=None, **kwargs):
    """DAPO soft overlong punishment (Eq. 13) in plain Python: the baseline, not used by the package."""
    out = []
    expected = MAX_LENGTH - BUFFER
    for c in completions:
        n = len(c)
        out.append(0.0 if n <= expected else (expected - n) / BUFFER if n <= MAX_LENGTH else -1.0)
    return out


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def time_batches(fn, batches, iterations):
    times = []
    for i in range(iterations):
        b = batches[i % len(batches)]
        t = time.perf_counter()
        fn(b)
        times.append((time.perf_counter() - t) * 1000)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=300)
    args = ap.parse_args()
    rng = random.Random(0)
    batches = []
    for _ in range(8):
        completions = ["".join(rng.choice("abcdefghij [],0123456789") for _ in range(rng.randint(1900, 2200)))
                       for _ in range(64)]
        batches.append(dict(prompts=["solve"] * 64, completions=completions,
                            completion_ids=[[rng.randrange(300) for _ in range(600)] for _ in range(64)],
                            answer=["[[1]]"] * 64))
    funcs = reward_funcs(SPEC)
    arc_funcs = reward_funcs(os.path.join(REPO, "packages", "rewards", "examples", "gpt-oss-arc.yaml"))

    def bridge(b):
        return [f(**b) for f in funcs]

    def bridge_arc(b):
        return [f(**b) for f in arc_funcs]

    def local(b):
        return python_overlong(**b)

    from rlops._bridge import get_bridge
    from rlops._samples import pack_samples, trl_samples

    def hello(b):
        return get_bridge().request("hello", {"protocol": 1})

    def encode_only(b):  # the Python half of a batch: samples + JSON line (ids packed), no round trip
        cols = {"answer": b["answer"]}
        samples = pack_samples(trl_samples(b["prompts"], b["completions"], b["completion_ids"], cols))
        return json.dumps({"samples": samples}, separators=(",", ":"))

    overlong = funcs[0]
    from rlops.rewards import load_spec

    compiled = load_spec(SPEC)

    def bridge_v1_wire(b):  # the same round trip with protocol 1's JSON list of ids
        samples = trl_samples(b["prompts"], b["completions"], b["completion_ids"], {"answer": b["answer"]})
        return get_bridge().request("rewards.score", {"handle": compiled._handle, "samples": samples})

    def encode_v1(b):  # the same with protocol 1's JSON list of ids: what packing saves
        cols = {"answer": b["answer"]}
        samples = trl_samples(b["prompts"], b["completions"], b["completion_ids"], cols)
        return json.dumps({"samples": samples}, separators=(",", ":"))

    assert bridge(batches[0])[0] == local(batches[0]), "bridge and baseline disagree"
    assert overlong.__name__ == "overlong"
    for fn in (bridge, bridge_v1_wire, bridge_arc, local, hello, encode_only, encode_v1):  # warm up
        time_batches(fn, batches, 30)
    res = {name: time_batches(fn, batches, args.iterations)
           for name, fn in (("bridge overlong", bridge), ("bridge overlong, ids as a JSON list (v1)", bridge_v1_wire),
                            ("bridge gpt-oss-arc (3 components)", bridge_arc),
                            ("pure Python overlong", local), ("  part: empty round trip (hello)", hello),
                            ("  part: Python samples + JSON encode", encode_only),
                            ("  (protocol 1: ids as a JSON list)", encode_v1))}
    base = res["pure Python overlong"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print("TRL batch: 64 completions x ~2 KB (+600 completion_ids each), %d iterations, bridge protocol %d,"
          " load average %.1f on %d cores" % (args.iterations, get_bridge().protocol, load, os.cpu_count() or 0))
    for name, t in res.items():
        print("  %-42s p50 %7.3f ms  p99 %7.3f ms  (p50 %6.1fx the pure-Python baseline)"
              % (name, pct(t, 0.5), pct(t, 0.99), pct(t, 0.5) / pct(base, 0.5)))
    p99 = pct(res["bridge overlong"], 0.99)
    print("  target p99 < 5 ms per batch: %s (%.3f ms)" % ("met" if p99 < 5 else "MISSED", p99))

    # breaker cost per on_log: the callback's work (monitor round trip + metrics.jsonl line)
    config = {"version": 1, "rules": [
        {"name": "collapse", "metric": "reward", "kind": "zero", "trigger": {"consecutive": 10}, "action": "stop"},
        {"name": "loss", "metric": "loss", "kind": "spike", "window": 50, "threshold": 8, "action": "rollback"}]}
    with tempfile.TemporaryDirectory() as tmp:
        watcher = RunWatcher(config, trainer="hf")
        watcher.output_dir = tmp
        log = {"loss": 0.5, "grad_norm": 1.2, "learning_rate": 1e-6, "num_tokens": 1e6, "reward": 0.7, "reward_std": 0.2,
               "frac_reward_zero_std": 0.1, "entropy": 1.5, "epoch": 0.3, "completions/mean_length": 812.0}
        for k in ("format", "grid", "overlong"):
            log["rewards/%s/mean" % k], log["rewards/%s/std" % k] = 0.5, 0.1
        n = 2000
        calls = []
        for step in range(1, n + 1):
            t0 = time.perf_counter()
            watcher.observe(dict(log, loss=0.5 + 0.01 * (step % 7)), step)
            calls.append((time.perf_counter() - t0) * 1000)
        t1 = time.perf_counter()
        for step in range(1, n + 1):
            json.dumps(dict(log, step=step))
        dump = (time.perf_counter() - t1) * 1000 / n
        watcher.close()
    mean = sum(calls) / n
    print("breaker callback per on_log (%d-key TRL log, metrics.jsonl line + monitor round trip):"
          " p50 %.3f ms  p99 %.3f ms  mean %.3f ms (p50 %.0fx a json.dumps of the record); target < 0.2 ms: %s"
          % (len(log), pct(calls, 0.5), pct(calls, 0.99), mean, pct(calls, 0.5) / dump,
             "met (p50)" if pct(calls, 0.5) < 0.2 else "MISSED"))


if __name__ == "__main__":
    main()
