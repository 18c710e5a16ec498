// Benchmark (issue 12): SHA-256 of a checkpoint file for manifests, the pure TypeScript hash against
// the Node adapter's `node:crypto` one, both reading through the Node storage in 4 MiB ranges, with
// the bare read of the same bytes as the baseline. Ratios over ROUNDS runs in this process.
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Storage } from "../src/index.js";
import { sha256File } from "../src/integrity.js";
import { createNodeStorage } from "../src/node.js";

const MIB = Number(process.env.BENCH_HASH_MIB ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CHUNK = 4 * 1024 * 1024;

const file = join(tmpdir(), `rlops-hash-bench-${MIB}.bin`);
const data = new Uint8Array(MIB * 1024 * 1024);
for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
writeFileSync(file, data);

const node = createNodeStorage();
const { createSha256: _native, ...rest } = node;
const pure: Storage = rest;

async function readAll(storage: Storage): Promise<number> {
  let n = 0;
  for (let pos = 0; pos < data.length; pos += CHUNK)
    n += (await storage.read(file, { start: pos, end: Math.min(data.length, pos + CHUNK) })).length;
  return n;
}

const time = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0]!.toFixed(2)}–${s[Math.floor(s.length / 2)]!.toFixed(2)}–${s[s.length - 1]!.toFixed(2)}`;
};
const mibs = (ms: number) => (MIB / (ms / 1000)).toFixed(0);

const digests = new Set([await sha256File(pure, file), await sha256File(node, file)]);
if (digests.size !== 1) throw new Error(`digests differ: ${[...digests].join(" ")}`);

const read: number[] = [];
const pureMs: number[] = [];
const nativeMs: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  read.push(await time(() => readAll(node)));
  pureMs.push(await time(() => sha256File(pure, file)));
  nativeMs.push(await time(() => sha256File(node, file)));
}
rmSync(file, { force: true });

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`sha256 of a ${MIB} MiB file, ${ROUNDS} rounds (min–median–max):`);
console.log(`  read the bytes        ${mibs(med(read))} MiB/s`);
console.log(`  pure TypeScript       ${mibs(med(pureMs))} MiB/s`);
console.log(`  node:crypto (adapter) ${mibs(med(nativeMs))} MiB/s`);
console.log(`  pure / node:crypto time: ${stats(pureMs.map((p, i) => p / nativeMs[i]!))}`);
console.log(`  node:crypto / read time: ${stats(nativeMs.map((n, i) => n / read[i]!))}`);
