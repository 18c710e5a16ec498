// pnpm --filter @rlops/rewards bench
// 1) In-process scoring throughput (MB/s of completion text) for harmony.channels + arc.grid +
//    length.overlong on ~8 KB completions, against a baseline pass (TextEncoder.encode) in the same run.
// 2) Loopback server latency (p50/p99) of POST /score with a 512-completion batch, against GET /healthz.
import { createScorer } from "../src/index.js";
import { createRewardServer } from "../src/node.js";
import { BENCH_SPEC, benchSample } from "./data.js";

// JSON round trip: flat strings, as they arrive from JSONL or HTTP
const samples: { completion: string; answer: number[][] }[] = JSON.parse(
  JSON.stringify(Array.from({ length: 512 }, (_, i) => benchSample(i))),
);
const totalBytes = samples.reduce((s, x) => s + new TextEncoder().encode(x.completion).length, 0);
const scorer = createScorer(BENCH_SPEC);

function timeIt(fn: () => void, minMs = 1500): number {
  fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    fn();
    n++;
    t = performance.now();
  }
  return (t - t0) / n;
}

const encoder = new TextEncoder();
const baseMs = timeIt(() => {
  for (const s of samples) encoder.encode(s.completion);
});
const loopMs = timeIt(() => {
  let n = 0;
  for (const s of samples) for (let i = 0; i < s.completion.length; i++) n += s.completion.charCodeAt(i) & 1;
  if (n < 0) console.log(n);
});
const scoreMs = timeIt(() => {
  // fresh objects each round so no per-sample cache carries over between rounds
  scorer.score(samples.map((s) => ({ completion: s.completion, answer: s.answer })));
});
const mb = totalBytes / 1e6;
console.log(
  `in-process: ${samples.length} completions × ${(totalBytes / samples.length / 1024).toFixed(1)} KB`,
);
console.log(`  baseline TextEncoder.encode: ${(mb / (baseMs / 1000)).toFixed(0)} MB/s`);
console.log(
  `  score (harmony.channels + arc.grid + length.overlong, groups of 8): ${(mb / (scoreMs / 1000)).toFixed(1)} MB/s`,
);
console.log(`  baseline charCodeAt loop: ${(mb / (loopMs / 1000)).toFixed(0)} MB/s`);
console.log(
  `  ratio score/TextEncoder: ${(baseMs / scoreMs).toFixed(3)}, score/charCodeAt loop: ${(loopMs / scoreMs).toFixed(3)}  (target ≥ 100 MB/s)`,
);

const server = createRewardServer({ spec: scorer, port: 0, maxBodyBytes: 64 * 1024 * 1024, log: false });
const { url } = await server.listen();
const body = JSON.stringify({ samples });
async function latency(req: () => Promise<Response>, rounds: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 5; i++) await (await req()).arrayBuffer();
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const res = await req();
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const health = await latency(() => fetch(`${url}/healthz`), 200);
const scoreLat = await latency(
  () => fetch(`${url}/score`, { method: "POST", headers: { "content-type": "application/json" }, body }),
  60,
);
await server.close();
console.log(
  `loopback POST /score, 512 completions (${(body.length / 1e6).toFixed(1)} MB body), 60 requests:`,
);
console.log(
  `  p50 ${pct(scoreLat, 50).toFixed(1)} ms, p99 ${pct(scoreLat, 99).toFixed(1)} ms  (target p99 < 50 ms)`,
);
console.log(
  `  baseline GET /healthz p50 ${pct(health, 50).toFixed(2)} ms; ratio p50 score/healthz ${(pct(scoreLat, 50) / pct(health, 50)).toFixed(0)}×`,
);
