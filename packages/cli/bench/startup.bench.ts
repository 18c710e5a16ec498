/**
 * Start-up budget of the built `rlops` binary: `rlops --version` and `rlops ckpt latest` on a small run,
 * as whole processes, against `node -e 0` measured in the same run (alternating). Budget from the speed
 * issue: each ≤ 1.5 × (node -e 0) + 50 ms. Prints min–median–max, the ratio to node and to the budget
 * and whether each median is within it (`RLOPS_BENCH_STRICT=1`: exit 1 when one is not).
 * Build first (`pnpm --filter @rlops/cli build`); run with `pnpm --filter @rlops/cli bench`.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFixtureRun } from "@rlops/checkpoint-layout/fixtures";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const RUNS = Number(process.env.RLOPS_BENCH_RUNS ?? 15);

function wall(args: string[]): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: "ignore" });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
  return performance.now() - start;
}

function stats(xs: number[]): { min: number; median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return {
    min: s[0] as number,
    median: s[Math.floor(s.length / 2)] as number,
    max: s[s.length - 1] as number,
  };
}

const dir = await mkdtemp(join(tmpdir(), "rlops-startup-"));
try {
  writeFixtureRun(dir, "hf", { steps: [10, 20, 30], lean: true });
  const cases: Record<string, string[]> = {
    "node -e 0": ["-e", "0"],
    "rlops --version": [BIN, "--version"],
    "rlops ckpt latest (3 checkpoints)": [BIN, "ckpt", "latest", dir],
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++)
    for (const [name, args] of Object.entries(cases)) times[name]?.push(wall(args));
  const base = stats(times["node -e 0"] as number[]);
  const budget = 1.5 * base.median + 50;
  console.log(
    `start-up, ${RUNS} runs each (ms, min–median–max); budget = 1.5 × node + 50 = ${budget.toFixed(0)} ms`,
  );
  const missed: string[] = [];
  for (const [name, xs] of Object.entries(times)) {
    const s = stats(xs);
    const within = s.median <= budget;
    if (name !== "node -e 0" && !within) missed.push(name);
    const ratio =
      name === "node -e 0"
        ? ""
        : `  ${(s.median / base.median).toFixed(2)} × node, ${(s.median / budget).toFixed(2)} × budget ${within ? "ok" : "MISSED"}`;
    console.log(
      `  ${name.padEnd(36)} ${s.min.toFixed(0)}–${s.median.toFixed(0)}–${s.max.toFixed(0)}${ratio}`,
    );
  }
  console.log(`  load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`);
  if (missed.length > 0 && process.env.RLOPS_BENCH_STRICT === "1") process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
