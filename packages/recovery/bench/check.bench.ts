// pnpm bench: replays a 10-million-line metrics JSONL through `checkMetrics` and compares its
// throughput with a bare line split of the same file, measured in the same run.
// BENCH_LINES=1000000 pnpm bench   (smaller file for a quick look)

import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkMetrics } from "../src/node.js";

const LINES = Number(process.env.BENCH_LINES ?? 10_000_000);
const dir = mkdtempSync(join(tmpdir(), "rlops-recovery-bench-"));
const file = join(dir, "metrics.jsonl");

async function generate(): Promise<void> {
  const out = createWriteStream(file);
  let chunk = "";
  for (let step = 0; step < LINES; step++) {
    const reward = ((step * 7919) % 1000) / 1000 + 0.001;
    chunk += `{"step":${step},"grpo_actor/task_reward/avg":${reward},"loss":${(2 - step / LINES).toFixed(5)},"grad_norm":${(0.5 + (step % 13) / 26).toFixed(4)},"lr":1e-05}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
  }
  out.end(chunk);
  await once(out, "finish");
}

async function bareSplit(): Promise<number> {
  let lines = 0;
  let tail = "";
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    const text = tail + (chunk as string);
    let start = 0;
    let nl = text.indexOf("\n");
    while (nl !== -1) {
      if (text.slice(start, nl).length > 0) lines++;
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    tail = text.slice(start);
  }
  return lines;
}

/** Second reference: the same split plus `JSON.parse` of every line (what any JSONL reader pays). */
async function splitAndParse(): Promise<number> {
  let lines = 0;
  let tail = "";
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    const text = tail + (chunk as string);
    let start = 0;
    let nl = text.indexOf("\n");
    while (nl !== -1) {
      if (nl > start && JSON.parse(text.slice(start, nl)) !== null) lines++;
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    tail = text.slice(start);
  }
  return lines;
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

const config = {
  rules: [
    {
      name: "reward-collapse",
      metric: "grpo_actor/task_reward/avg",
      kind: "zero" as const,
      trigger: { consecutive: 10 },
    },
    { name: "loss-finite", metric: "loss", kind: "nonfinite" as const },
    {
      name: "grad-high",
      metric: "grad_norm",
      kind: "above" as const,
      threshold: 100,
      trigger: { window: { size: 50, fraction: 0.5 } },
    },
  ],
  earlyStopping: [{ name: "loss-es", metric: "loss", mode: "min" as const, patience: 1_000_000 }],
};

try {
  const t0 = performance.now();
  await generate();
  const bytes = statSync(file).size;
  const genMs = performance.now() - t0;
  console.log(
    `generated ${LINES.toLocaleString()} lines, ${(bytes / 1e6).toFixed(0)} MB in ${(genMs / 1000).toFixed(1)} s`,
  );

  // Alternate the two measurements and keep the best of each (the machine may be shared).
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const rssBefore = process.memoryUsage().rss;
  let splitMs = Number.POSITIVE_INFINITY;
  let checkMs = Number.POSITIVE_INFINITY;
  let parseMs = Number.POSITIVE_INFINITY;
  let lines = 0;
  let result: Awaited<ReturnType<typeof checkMetrics>> | undefined;
  peakRss = rssBefore;
  for (let round = 0; round < rounds; round++) {
    const t1 = performance.now();
    lines = await bareSplit();
    splitMs = Math.min(splitMs, performance.now() - t1);
    const t3 = performance.now();
    await splitAndParse();
    parseMs = Math.min(parseMs, performance.now() - t3);
    const t2 = performance.now();
    result = await checkMetrics(config, [file]);
    checkMs = Math.min(checkMs, performance.now() - t2);
  }
  clearInterval(sampler);
  if (!result) throw new Error("no rounds");
  if (result.stats.observed !== lines) throw new Error(`observed ${result.stats.observed} of ${lines} lines`);
  const mbps = (ms: number) => bytes / 1e6 / (ms / 1000);
  console.log(
    `bare line split : ${mbps(splitMs).toFixed(0)} MB/s (${(splitMs / 1000).toFixed(2)} s) — baseline 1.00`,
  );
  console.log(
    `split+JSON.parse: ${mbps(parseMs).toFixed(0)} MB/s (${(parseMs / 1000).toFixed(2)} s) — ${(splitMs / parseMs).toFixed(2)}x of the bare split`,
  );
  console.log(
    `checkMetrics    : ${mbps(checkMs).toFixed(0)} MB/s (${(checkMs / 1000).toFixed(2)} s) — ${(splitMs / checkMs).toFixed(2)}x of the bare split, ${(parseMs / checkMs).toFixed(2)}x of split+JSON.parse, verdict ${result.verdict?.action ?? "ok"}`,
  );
  console.log(`rounds          : best of ${rounds} alternating runs each`);
  console.log(
    `memory          : peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB during the check (RSS before ${(rssBefore / 2 ** 20).toFixed(0)} MiB; file ${(bytes / 2 ** 20).toFixed(0)} MiB)`,
  );
} finally {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
}
