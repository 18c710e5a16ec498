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

const ordinary = "The quick brown fox jumps over the lazy dog; numbers 1234, symbols #!? and more. ".repeat(
  1235,
);
const spaces = " ".repeat(100_000);
const surrogates = "\ud800".repeat(100_000);
const baseMs = best(() => encode(ordinary));
const spacesMs = best(() => encode(spaces));
const surrogatesMs = best(() => encode(surrogates));
console.log(`encode(), 100 KB (best of 5):`);
console.log(`  ordinary text (baseline): ${baseMs.toFixed(1)} ms`);
console.log(
  `  spaces: ${spacesMs.toFixed(1)} ms (${(spacesMs / baseMs).toFixed(1)}× baseline; target < 50 ms)`,
);
console.log(
  `  lone surrogates: ${surrogatesMs.toFixed(1)} ms (${(surrogatesMs / baseMs).toFixed(1)}× baseline; target < 50 ms)`,
);

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
