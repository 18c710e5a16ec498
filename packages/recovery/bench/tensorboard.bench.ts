// pnpm bench: reads a ~100 MB TensorBoard events file (generated here like HF's TensorBoardCallback
// writes it: one Event per scalar, `train/…` tags, simple_value) through the TensorBoard source and
// compares its throughput with reading the same file's bytes, measured in the same run.
// BENCH_TB_MB=20 pnpm bench   (smaller file for a quick look)

import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { maskedCrc32c } from "../src/index.js";
import { checkMetrics, readMetricRecords } from "../src/node.js";

const MB = Number(process.env.BENCH_TB_MB ?? 100);
const dir = mkdtempSync(join(tmpdir(), "rlops-tb-bench-"));
const file = join(dir, "events.out.tfevents.1700000000.host.1.0");
const TAGS = [
  "train/loss",
  "train/grad_norm",
  "train/learning_rate",
  "train/reward",
  "train/kl",
  "train/epoch",
];

/** One TFRecord frame holding Event{wall_time, step, summary{value{tag, simple_value}}}. */
function frame(step: number, tag: string, value: number): Buffer {
  const tagBytes = Buffer.from(tag);
  const val = Buffer.alloc(2 + tagBytes.length + 5);
  val[0] = 0x0a;
  val[1] = tagBytes.length;
  tagBytes.copy(val, 2);
  val[2 + tagBytes.length] = 0x15;
  val.writeFloatLE(value, 3 + tagBytes.length);
  const stepBytes: number[] = [];
  for (let s = step; ; s = Math.floor(s / 128)) {
    if (s < 128) {
      stepBytes.push(s);
      break;
    }
    stepBytes.push((s & 0x7f) | 0x80);
  }
  const summary = Buffer.concat([Buffer.from([0x0a, val.length]), val]);
  const event = Buffer.concat([
    Buffer.from([0x09]),
    Buffer.from(new Float64Array([1.7e9 + step]).buffer),
    Buffer.from([0x10, ...stepBytes]),
    Buffer.from([0x2a, summary.length]),
    summary,
  ]);
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(event.length));
  head.writeUInt32LE(maskedCrc32c(head, 0, 8), 8);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc32c(event), 0);
  return Buffer.concat([head, event, tail]);
}

async function generate(): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  let step = 0;
  const parts: Buffer[] = [];
  while (bytes < MB * 1024 * 1024) {
    step++;
    for (let t = 0; t < TAGS.length; t++) {
      const f = frame(step, TAGS[t]!, t === 3 ? 0.5 + (step % 7) / 10 : 1 / (1 + step));
      parts.push(f);
      bytes += f.length;
    }
    if (parts.length > 4096 && !out.write(Buffer.concat(parts.splice(0)))) await once(out, "drain");
  }
  out.end(Buffer.concat(parts));
  await once(out, "finish");
  return step;
}

async function rawRead(): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) n += (chunk as Buffer).length;
  return n;
}

async function tbRead(): Promise<number> {
  let steps = 0;
  for await (const _ of readMetricRecords(file)) steps++;
  return steps;
}

const rssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, (performance.now() - t0) / 1000];
}

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** min–median–max of `xs`, formatted with `digits`. */
function spread(xs: readonly number[], digits: number): string {
  const s = [...xs].sort((x, y) => x - y);
  return `${s[0]!.toFixed(digits)}–${s[s.length >> 1]!.toFixed(digits)}–${s[s.length - 1]!.toFixed(digits)}`;
}

try {
  const steps = await generate();
  const size = statSync(file).size / (1024 * 1024);
  const rssBefore = rssMiB();
  console.log(
    `events file: ${size.toFixed(1)} MiB, ${steps} steps × ${TAGS.length} scalars; peak RSS before reading ${rssBefore} MiB; ${RUNS} runs`,
  );
  await rawRead(); // warm the page cache
  const config = {
    rules: [
      { name: "collapse", metric: "train/reward", kind: "zero" as const, trigger: { consecutive: 10 } },
    ],
  };
  // Interleaved runs: each ratio is against the byte read of the same round.
  const raw: number[] = [];
  const tb: number[] = [];
  const breaker: number[] = [];
  let rssRaw = 0;
  let rssTb = 0;
  let rssCheck = 0;
  for (let run = 0; run < RUNS; run++) {
    const [, r] = await time(rawRead);
    raw.push(r);
    rssRaw = Math.max(rssRaw, rssMiB());
    const [records, t] = await time(tbRead);
    tb.push(t);
    rssTb = Math.max(rssTb, rssMiB());
    const [check, b] = await time(() => checkMetrics(config, [file]));
    breaker.push(b);
    rssCheck = Math.max(rssCheck, rssMiB());
    if (records !== steps || check.stats.observed !== steps)
      throw new Error(`expected ${steps} steps, got ${records} / ${check.stats.observed}`);
  }
  const mibs = (xs: number[]) =>
    spread(
      xs.map((x) => size / x),
      0,
    );
  const ratio = (xs: number[]) =>
    spread(
      xs.map((x, i) => raw[i]! / x),
      2,
    );
  console.log("phase                          MiB/s (min–median–max)   vs reading the bytes   peak RSS");
  console.log(`read bytes                     ${mibs(raw).padEnd(24)} 1.00                   ${rssRaw} MiB`);
  console.log(`TensorBoard records            ${mibs(tb).padEnd(24)} ${ratio(tb).padEnd(22)} ${rssTb} MiB`);
  console.log(
    `checkMetrics (breaker) on it   ${mibs(breaker).padEnd(24)} ${ratio(breaker).padEnd(22)} ${rssCheck} MiB`,
  );
} finally {
  if (process.env.BENCH_KEEP) console.log(file);
  else rmSync(dir, { recursive: true, force: true });
}
