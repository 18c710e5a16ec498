/**
 * encode() on long single pre-tokens (100 KB of spaces, of lone surrogates) against encode() of 100 KB
 * of ordinary text in the same run; the queue merge against the scan merge (tiktoken's loop) on the
 * same piece; and memory of the tolerant parser on 10M invalid token ids (diagnostics capped).
 *
 *   pnpm --filter @rlops/harmony-format bench
 */
import { o200kVocabulary } from "../src/bpe.js";
import { bytePairEncode } from "../src/bpe-merge.js";
import { encode, parseMessagesFromTokens, specialTokenId } from "../src/tokens.js";

function best(fn: () => unknown, rounds = 5): number {
  fn();
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

/** Wall and CPU time (this process, user + system) per call: min–median–max over `rounds`. */
function spread(fn: () => unknown, rounds = 7): { wall: number[]; cpu: number[] } {
  fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const mmm = (xs: number[]) => {
    xs.sort((x, y) => x - y);
    return [xs[0]!, xs[xs.length >> 1]!, xs[xs.length - 1]!];
  };
  return { wall: mmm(wall), cpu: mmm(cpu) };
}
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join("–");

const ordinary = "The quick brown fox jumps over the lazy dog; numbers 1234, symbols #!? and more. ".repeat(
  1235,
);
const inputs: [string, string][] = [
  ["ordinary text (baseline)", ordinary],
  ["spaces", " ".repeat(100_000)],
  ["lone surrogates", "\ud800".repeat(100_000)],
  ["spaces, 25 KB (linearity: ×4 expected at 100 KB)", " ".repeat(25_000)],
  ["lone surrogates, 25 KB", "\ud800".repeat(25_000)],
];
console.log(
  "encode(), 100 KB unless said; ms per call, min–median–max of 7 (wall, then CPU of this process):",
);
let baseCpu = 0;
for (const [name, text] of inputs) {
  const { wall, cpu } = spread(() => encode(text));
  if (baseCpu === 0) baseCpu = cpu[1]!;
  console.log(
    `  ${name}: wall ${fmt(wall)} ms, CPU ${fmt(cpu)} ms (median ${(cpu[1]! / baseCpu).toFixed(1)}× the baseline's CPU; target < 50 ms)`,
  );
}

const ranks = o200kVocabulary().ranks;
for (const n of [2_000, 8_000]) {
  const piece = " ".repeat(n);
  const scan = best(() => bytePairEncode(ranks, piece, [], "scan"), 3);
  const queue = best(() => bytePairEncode(ranks, piece, [], "queue"), 3);
  console.log(
    `  one piece of ${n} spaces: scan merge ${scan.toFixed(1)} ms, queue merge ${queue.toFixed(2)} ms (${(scan / queue).toFixed(0)}×)`,
  );
}

const ids = new Array<number>(10_000_001).fill(-1);
ids[0] = specialTokenId("<|message|>")!;
globalThis.gc?.();
const before = process.memoryUsage().heapUsed;
const t0 = performance.now();
const result = parseMessagesFromTokens(ids, { role: "assistant" });
const ms = performance.now() - t0;
const after = process.memoryUsage().heapUsed;
console.log(
  `tolerant parse of 10M invalid ids: ${ms.toFixed(0)} ms, ${result.diagnostics.length} diagnostics kept (last: ${result.diagnostics.at(-1)?.code}, count ${result.diagnostics.at(-1)?.count}), heap +${((after - before) / 2 ** 20).toFixed(0)} MiB (the 10M-char content string included)`,
);
