/**
 * `rlops watch` (built binary, JSON-lines mode): CPU while idle (share of one core over 10 s, from
 * /proc/<pid>/stat; target < 1 %) and latency from a line appended to the metrics log to the JSON line
 * showing it (median of 10; target < 500 ms). Linux only (for /proc). Build first.
 */
import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFixtureRun } from "@rlops/checkpoint-layout/fixtures";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const TICKS = 100; // USER_HZ on Linux

const cpuTicks = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return Number(fields[11]) + Number(fields[12]); // utime + stime
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = await mkdtemp(join(tmpdir(), "rlops-watch-bench-"));
try {
  writeFixtureRun(dir, "hf", { steps: [10, 20] });
  const metrics = join(dir, "metrics.jsonl");
  let step = 0;
  const line = () => `{"step": ${++step}, "loss": ${1 / step}, "reward": 0.5}\n`;
  writeFileSync(metrics, Array.from({ length: 200 }, line).join(""));
  const child = spawn(process.execPath, [BIN, "watch", dir], { stdio: ["ignore", "pipe", "inherit"] });
  const seen = new Map<number, number>();
  let buffer = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf("\n"); nl !== -1; nl = buffer.indexOf("\n")) {
      const parsed = JSON.parse(buffer.slice(0, nl)) as { step: number | null };
      buffer = buffer.slice(nl + 1);
      if (parsed.step !== null && !seen.has(parsed.step)) seen.set(parsed.step, performance.now());
    }
  });
  while (!seen.has(step)) await sleep(20);
  await sleep(1000);
  const pid = child.pid as number;
  const idleMs = 10_000;
  const before = cpuTicks(pid);
  await sleep(idleMs);
  const idle = ((cpuTicks(pid) - before) / TICKS) * 1000;
  const latencies: number[] = [];
  for (let i = 0; i < 10; i++) {
    const start = performance.now();
    appendFileSync(metrics, line());
    while (!seen.has(step)) await sleep(2);
    latencies.push((seen.get(step) as number) - start);
    await sleep(600);
  }
  child.kill("SIGTERM");
  latencies.sort((a, b) => a - b);
  const median = latencies[Math.floor(latencies.length / 2)] as number;
  console.log(
    `watch idle CPU: ${((idle / idleMs) * 100).toFixed(2)}% of one core over ${idleMs / 1000} s (target < 1%)`,
  );
  console.log(
    `watch latency, appended line → its JSON line: median ${median.toFixed(0)} ms, max ${(latencies.at(-1) as number).toFixed(0)} ms = ${(median / 500).toFixed(2)}× the 500 ms target`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
