// The heap merge (long pieces) gives exactly the scan merge's tokens (tiktoken's `_byte_pair_merge`
// order); encode() is O(n log n) on a long single pre-token (timed in bench/, not here).
import { describe, expect, it } from "vitest";
import { bytePairEncode, o200kVocabulary } from "../src/bpe.js";
import { decode, encode } from "../src/tokens.js";

const ranks = o200kVocabulary().ranks;
const encoder = new TextEncoder();

function key(text: string): string {
  let out = "";
  for (const b of encoder.encode(text)) out += String.fromCharCode(b);
  return out;
}

function both(k: string): { scan: number[]; heap: number[] } {
  const scan: number[] = [];
  const heap: number[] = [];
  bytePairEncode(ranks, k, scan, "scan");
  bytePairEncode(ranks, k, heap, "heap");
  return { scan, heap };
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
      const { scan, heap } = both(key(p));
      expect(heap, p.slice(0, 12)).toEqual(scan);
    }
  });
  it("on random byte strings (seeded)", () => {
    let seed = 12345;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const alphabets = [" e", "abcde ", "\x00\x01\x80\xff", "0123456789.,", "thequickbrownfox "];
    for (let n = 0; n < 300; n++) {
      const alphabet = alphabets[n % alphabets.length]!;
      const len = 2 + Math.floor(rand() * 400);
      let k = "";
      for (let i = 0; i < len; i++) k += alphabet[Math.floor(rand() * alphabet.length)];
      const { scan, heap } = both(k);
      expect(heap, JSON.stringify(k)).toEqual(scan);
    }
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
