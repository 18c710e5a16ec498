// The queue merge (long pieces) gives exactly the scan merge's tokens (tiktoken's `_byte_pair_merge`
// order); encode() is near-linear on a long single pre-token (timed in bench/, not here).
import { describe, expect, it } from "vitest";
import { o200kVocabulary } from "../src/bpe.js";
import { bytePairEncode, type Ranks } from "../src/bpe-merge.js";
import { decode, encode } from "../src/tokens.js";

const ranks = o200kVocabulary().ranks;
const encoder = new TextEncoder();

function key(text: string): string {
  let out = "";
  for (const b of encoder.encode(text)) out += String.fromCharCode(b);
  return out;
}

function both(k: string, vocabulary: Ranks = ranks): { scan: number[]; queue: number[] } {
  const scan: number[] = [];
  const queue: number[] = [];
  bytePairEncode(vocabulary, k, scan, "scan");
  bytePairEncode(vocabulary, k, queue, "queue");
  return { scan, queue };
}

/** Seeded LCG in [0, 1). */
function lcg(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
}

describe("BPE merge strategies agree", () => {
  it("on runs, repeated units and mixed pieces", () => {
    const pieces = [
      " ".repeat(5000),
      "\t".repeat(777),
      "\n".repeat(300),
      "\ufffd".repeat(999),
      "ab".repeat(1000),
      "=-".repeat(600),
      "a".repeat(2049),
      "😀".repeat(300),
      "ж".repeat(513),
      "0123456789".repeat(50),
      " hello".repeat(200),
    ];
    for (const p of pieces) {
      const { scan, queue } = both(key(p));
      expect(queue, p.slice(0, 12)).toEqual(scan);
    }
  });
  it("on random byte strings (seeded)", () => {
    const rand = lcg(12345);
    const alphabets = [" e", "abcde ", "\x00\x01\x80\xff", "0123456789.,", "thequickbrownfox "];
    for (let n = 0; n < 300; n++) {
      const alphabet = alphabets[n % alphabets.length]!;
      const len = 2 + Math.floor(rand() * 400);
      let k = "";
      for (let i = 0; i < len; i++) k += alphabet[Math.floor(rand() * alphabet.length)];
      const { scan, queue } = both(k);
      expect(queue, JSON.stringify(k)).toEqual(scan);
    }
  });
  it("on vocabularies whose ranks are not in merge order (re-sorted buckets, lower ranks appearing)", () => {
    // o200k_base never sends the queue down these paths; random ranks over a 3-letter alphabet do
    const rand = lcg(99);
    for (let v = 0; v < 40; v++) {
      const vocabulary = new Map<string, number>([
        ["a", 0],
        ["b", 1],
        ["c", 2],
      ]);
      const words = new Set<string>();
      while (words.size < 30) {
        let w = "";
        const len = 2 + Math.floor(rand() * 4);
        for (let i = 0; i < len; i++) w += "abc"[Math.floor(rand() * 3)];
        words.add(w);
      }
      const order = [...words];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (const [i, w] of order.entries()) vocabulary.set(w, 3 + i);
      for (let n = 0; n < 20; n++) {
        let k = "";
        const len = 2 + Math.floor(rand() * 200);
        for (let i = 0; i < len; i++) k += "abc"[Math.floor(rand() * 3)];
        const { scan, queue } = both(k, vocabulary);
        expect(queue, JSON.stringify(k)).toEqual(scan);
      }
    }
    // and the real vocabulary is unaffected by the switch (the pair memo is per vocabulary)
    const { scan, queue } = both(key(" hello".repeat(50)));
    expect(queue).toEqual(scan);
  });
  it("encode() of long runs round-trips and equals the scan merge", () => {
    const spaces = " ".repeat(100_000);
    const ids = encode(spaces);
    expect(decode(ids)).toBe(spaces);
    // the scan is quadratic: compare on a run it finishes quickly (same periodic structure)
    const scan: number[] = [];
    bytePairEncode(ranks, " ".repeat(12_800), scan, "scan");
    expect(ids.slice(0, scan.length - 1)).toEqual(scan.slice(0, -1));
    const surrogates = "\ud800".repeat(100_000);
    expect(decode(encode(surrogates))).toBe("\ufffd".repeat(100_000));
  }, 120_000);
});
