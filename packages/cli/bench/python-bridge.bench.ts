/**
 * Runs the Python bridge bench (`python/bench/bench_bridge.py`: a TRL batch through `rlops bridge` vs a
 * pure-Python reward in the same process, and the breaker callback's cost per `on_log`) against the
 * built CLI, when `python3` is on PATH; prints one skip line otherwise. Build first.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const SCRIPT = fileURLToPath(new URL("../../../python/bench/bench_bridge.py", import.meta.url));
const python = process.env.PYTHON ?? "python3";

if (spawnSync(python, ["--version"], { stdio: "ignore" }).status !== 0) {
  console.log(`python bridge bench: skipped (${python} not found; set PYTHON to a Python 3.8+)`);
} else {
  const r = spawnSync(python, [SCRIPT, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, RLOPS_CLI: process.env.RLOPS_CLI ?? BIN },
  });
  process.exitCode = r.status ?? 1;
}
