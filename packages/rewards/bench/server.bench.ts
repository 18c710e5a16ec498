// pnpm --filter @rlops/rewards bench (second part)
// The reward server in a child process, clients here (keep-alive fetch), all on 127.0.0.1:
// 1) POST /score with 512 × 2 KB completions at 4 concurrent clients, for --workers 0, 1 and 2 in the same
//    run: p50/p99 latency and throughput, as ratios to workers 0 and to the in-process scorer.
// 2) 10k small valid requests with and without 16 slow senders (one byte every 2 s, replaced as soon as
//    the server sheds one): p99 of each, and how many valid requests got 503.
import { type ChildProcess, spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { createScorer } from "../src/index.js";
import { runRoute } from "../src/server/routes.js";
import { BENCH_SPEC, benchSample } from "./data.js";

const CHILD = fileURLToPath(new URL("./server-child.ts", import.meta.url));
const quick = process.argv.includes("--quick");

async function startServer(options: object): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@rlops/source", CHILD, JSON.stringify(options)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)).url);
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}`)));
  });
  return { url, child };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.on("exit", r));
  child.kill("SIGTERM");
  await exited;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** `clients` loops posting `body` until `total` requests are done; latencies and wall time. */
async function load(url: string, body: string, clients: number, total: number) {
  const lat: number[] = [];
  const statuses = new Map<number, number>();
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (started < total) {
        started++;
        const t = performance.now();
        const res = await fetch(`${url}/score`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        await res.arrayBuffer();
        lat.push(performance.now() - t);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }),
  );
  return { lat, wallMs: performance.now() - t0, statuses };
}

// 1) 512 × 2 KB at 4 clients, workers 0/1/2
const batch = Array.from({ length: 512 }, (_, i) => benchSample(i, 2048));
const body = JSON.stringify({ samples: batch });
const scorer = createScorer(BENCH_SPEC);
const fresh = () => JSON.parse(body).samples;
for (let i = 0; i < 5; i++) scorer.score(fresh());
const inProc: number[] = [];
for (let i = 0; i < (quick ? 20 : 60); i++) {
  const t = performance.now();
  scorer.score(JSON.parse(body).samples);
  inProc.push(performance.now() - t);
}
const inP50 = pct(inProc, 50);
const c0 = process.cpuUsage();
for (let i = 0; i < 10; i++) scorer.score(JSON.parse(body).samples);
const c1 = process.cpuUsage(c0);
const cpuPer = (c1.user + c1.system) / 1000 / 10;
console.log(`POST /score 512 × 2 KB (${(body.length / 1e6).toFixed(2)} MB body), 4 concurrent clients`);
console.log(
  `  baseline: JSON.parse + score in-process p50 ${inP50.toFixed(1)} ms wall, ${cpuPer.toFixed(1)} ms CPU per request` +
    ` (4 requests in flight on 2 cores: p50 ≥ ~${(2 * cpuPer).toFixed(0)} ms however they are scheduled)`,
);
const requests = quick ? 80 : 400;
const rows: { workers: number; p50: number; p99: number; rps: number }[] = [];
for (const workers of [0, 1, 2]) {
  const { url, child } = await startServer({ workers, maxConcurrency: 64 });
  try {
    await load(url, body, 4, 20); // warm-up
    const { lat, wallMs, statuses } = await load(url, body, 4, requests);
    if (statuses.size !== 1 || !statuses.has(200))
      throw new Error(`statuses ${JSON.stringify([...statuses])}`);
    rows.push({ workers, p50: pct(lat, 50), p99: pct(lat, 99), rps: (lat.length * 1000) / wallMs });
  } finally {
    await stopServer(child);
  }
}
// transfer cost of the pool: the body bytes moved to a thread (transferred, not copied) and an answer of
// the real size sent back, against scoring the same body inline (runRoute: parse, score, serialise)
{
  const answer = runRoute(scorer, "/score", Buffer.from(body), { maxSamples: 1 << 20 }).body;
  const echo = new Worker(
    `const { parentPort } = require("node:worker_threads"); const a = "x".repeat(${answer.length});
     parentPort.on("message", (b) => parentPort.postMessage({ n: b.length, body: a }));`,
    { eval: true },
  );
  const roundTrip = () =>
    new Promise<void>((done) => {
      const bytes = new Uint8Array(Buffer.from(body));
      echo.once("message", () => done());
      echo.postMessage(bytes, [bytes.buffer]);
    });
  const transfer: number[] = [];
  const inline: number[] = [];
  for (let i = 0; i < (quick ? 20 : 60); i++) {
    let t = performance.now();
    await roundTrip();
    transfer.push(performance.now() - t);
    t = performance.now();
    runRoute(scorer, "/score", Buffer.from(body), { maxSamples: 1 << 20 });
    inline.push(performance.now() - t);
  }
  await echo.terminate();
  console.log(
    `  pool transfer (body to a thread + ${(answer.length / 1024).toFixed(0)} KB answer back): p50 ${pct(transfer, 50).toFixed(2)} ms` +
      ` = ${((pct(transfer, 50) / pct(inline, 50)) * 100).toFixed(1)} % of scoring the body inline (p50 ${pct(inline, 50).toFixed(1)} ms)`,
  );
}

// one client: the latency of a request that does not wait behind others
const single: { workers: number; p50: number; p99: number }[] = [];
for (const workers of [0, 2]) {
  const { url, child } = await startServer({ workers, maxConcurrency: 64 });
  try {
    await load(url, body, 1, 10);
    const { lat } = await load(url, body, 1, quick ? 30 : 100);
    single.push({ workers, p50: pct(lat, 50), p99: pct(lat, 99) });
  } finally {
    await stopServer(child);
  }
}
const base = rows[0]!;
for (const r of rows)
  console.log(
    `  --workers ${r.workers}: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.rps.toFixed(0)} req/s` +
      `  (throughput ×${(r.rps / base.rps).toFixed(2)} vs workers 0; p99/in-process p50 ${(r.p99 / inP50).toFixed(1)}; target p99 < 20 ms)`,
  );
for (const r of single)
  console.log(
    `  1 client, --workers ${r.workers}: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (p50/in-process p50 ${(r.p50 / inP50).toFixed(2)})`,
  );

// 2) 10k small requests beside 16 slow senders
const small = JSON.stringify({ samples: batch.slice(0, 8), groups: false });
const total = quick ? 2000 : 10_000;

function slowSenders(port: number, count: number) {
  const sockets = new Set<Socket>();
  let shed = 0;
  let stopped = false;
  const open = () => {
    if (stopped) return;
    const s = connect(port, "127.0.0.1");
    sockets.add(s);
    s.on("error", () => {});
    s.write(
      "POST /score HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n[",
    );
    const timer = setInterval(() => s.writable && s.write(" "), 2000);
    s.on("data", () => {});
    s.on("close", () => {
      clearInterval(timer);
      sockets.delete(s);
      shed++;
      open();
    });
  };
  for (let i = 0; i < count; i++) open();
  return {
    stop: () => {
      stopped = true;
      for (const s of sockets) s.destroy();
      return shed;
    },
  };
}

console.log(`${total} POST /score (8 × 2 KB, inline) at 4 clients, default limits, workers 2`);
{
  const { url, child } = await startServer({ workers: 2 });
  try {
    await load(url, small, 4, 200);
    const alone = await load(url, small, 4, total);
    const port = Number(new URL(url).port);
    const slow = slowSenders(port, 16);
    await new Promise((r) => setTimeout(r, 200));
    const beside = await load(url, small, 4, total);
    const shed = slow.stop();
    const p99a = pct(alone.lat, 99);
    const p99b = pct(beside.lat, 99);
    console.log(`  alone: p50 ${pct(alone.lat, 50).toFixed(2)} ms, p99 ${p99a.toFixed(2)} ms`);
    console.log(
      `  with 16 slow senders: p50 ${pct(beside.lat, 50).toFixed(2)} ms, p99 ${p99b.toFixed(2)} ms (×${(p99b / p99a).toFixed(2)} of alone), ` +
        `503s ${beside.statuses.get(503) ?? 0}, non-200 ${beside.lat.length - (beside.statuses.get(200) ?? 0)}, slow senders shed ${shed}` +
        `  (target: no 503)`,
    );
  } finally {
    await stopServer(child);
  }
}
