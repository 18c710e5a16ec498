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

/**
 * Reads the file in 1 MiB chunks and slices every line; with `parse`, also `JSON.parse`s each one.
 * The bare split is the baseline; split + parse is the second reference (what any JSONL reader pays).
 */
async function splitLines(parse: boolean): Promise<number> {
  let lines = 0;
  let tail = "";
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    const text = tail + (chunk as string);
    let start = 0;
    let nl = text.indexOf("\n");
    while (nl !== -1) {
      const line = text.slice(start, nl);
      if (line.length > 0 && (!parse || JSON.parse(line) !== null)) lines++;
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    tail = text.slice(start);
  }
  return lines;
}

const bareSplit = () => splitLines(false);
const splitAndParse = () => splitLines(true);

/** Peak RSS per measured phase, sampled every 20 ms. */
type Phase = "split" | "parse" | "check";
const peakRss: Record<Phase, number> = { split: 0, parse: 0, check: 0 };
let phase: Phase | null = null;
const sample = () => {
  if (phase !== null) peakRss[phase] = Math.max(peakRss[phase], process.memoryUsage().rss);
};
const sampler = setInterval(sample, 20);
async function measure<T>(p: Phase, run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  phase = p;
  sample();
  const t = performance.now();
  const value = await run();
  const ms = performance.now() - t;
  sample();
  phase = null;
  return { ms, value };
}

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
  for (let round = 0; round < rounds; round++) {
    const split = await measure("split", bareSplit);
    lines = split.value;
    splitMs = Math.min(splitMs, split.ms);
    parseMs = Math.min(parseMs, (await measure("parse", splitAndParse)).ms);
    const check = await measure("check", () => checkMetrics(config, [file]));
    result = check.value;
    checkMs = Math.min(checkMs, check.ms);
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
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  console.log(
    `memory          : peak RSS ${mib(peakRss.check)} during checkMetrics (bare split ${mib(peakRss.split)}, split+JSON.parse ${mib(peakRss.parse)}; RSS before ${mib(rssBefore)}; file ${mib(bytes)})`,
  );
} finally {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
}
