import { HarmonyError } from "./errors.js";

/**
 * o200k_base byte-pair encoder built from the ranks shipped in `js-tiktoken` (no download). Keys are
 * "binary strings" (one char per byte, as `atob` returns), which keeps lookups allocation-free.
 */
export interface Vocabulary {
  /** Bytes of ordinary token `id`, or `undefined` if `id` is not an ordinary token. */
  bytes(id: number): Uint8Array | undefined;
  /** Decoded text of ordinary token `id` when its bytes alone are valid UTF-8, else `null`. */
  text(id: number): string | null | undefined;
  /** `encode_ordinary(text)`. */
  encodeOrdinary(text: string, out?: number[]): number[];
  /** Number of ordinary tokens (199998 for o200k_base). */
  readonly size: number;
}

/** The shape of `js-tiktoken/ranks/o200k_base`. */
interface RanksModule {
  pat_str: string;
  bpe_ranks: string;
}

const RANKS_MODULE = "js-tiktoken/ranks/o200k_base";
const CACHE_LIMIT = 100_000;
/** Pieces longer than this are not memoised (a cache of huge keys would hold their memory). */
const CACHE_PIECE_LIMIT = 256;
/** Pieces up to this many bytes use the scan merge; longer ones the heap merge (same output). */
const HEAP_MERGE_FROM = 64;

let ranksModule: RanksModule | undefined;

/**
 * Loads the 2.3 MiB o200k_base ranks module ahead of first use. Optional on Node (the ranks are then
 * loaded synchronously the first time a token function needs them, never at import); required once in
 * a browser or any runtime without `process.getBuiltinModule`, before the first token function call.
 */
export async function loadO200kRanks(): Promise<void> {
  if (ranksModule) return;
  const mod = (await import("js-tiktoken/ranks/o200k_base")) as unknown as { default?: RanksModule };
  ranksModule = mod.default ?? (mod as unknown as RanksModule);
}

function ranksSource(): RanksModule {
  if (ranksModule) return ranksModule;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const nodeModule = proc?.getBuiltinModule?.("module") as
    | { createRequire?: (url: string) => (id: string) => unknown }
    | undefined;
  if (nodeModule?.createRequire) {
    ranksModule = nodeModule.createRequire(import.meta.url)(RANKS_MODULE) as RanksModule;
    return ranksModule;
  }
  throw new HarmonyError({
    code: "TOKENIZER_NOT_LOADED",
    message:
      "the o200k_base ranks are not loaded: `await loadO200kRanks()` (from @rlops/harmony-format/tokens) once before using token ids in this runtime",
  });
}

function loadRanks(): { byKey: Map<string, number>; keys: string[]; pattern: string } {
  const source = ranksSource();
  const byKey = new Map<string, number>();
  const keys: string[] = [];
  for (const line of source.bpe_ranks.split("\n")) {
    if (line === "") continue;
    const fields = line.split(" ");
    const offset = Number.parseInt(fields[1]!, 10);
    for (let i = 2; i < fields.length; i++) {
      const key = atob(fields[i]!);
      const rank = offset + i - 2;
      byKey.set(key, rank);
      keys[rank] = key;
    }
  }
  return { byKey, keys, pattern: source.pat_str };
}

const utf8 = new TextEncoder();
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function binaryKey(piece: string): string {
  for (let i = 0; i < piece.length; i++) {
    if (piece.charCodeAt(i) >= 0x80) {
      const bytes = utf8.encode(piece);
      let key = "";
      for (let j = 0; j < bytes.length; j += 4096)
        key += String.fromCharCode.apply(null, bytes.subarray(j, j + 4096) as unknown as number[]);
      return key;
    }
  }
  return piece;
}

type Ranks = ReadonlyMap<string, number>;

/** tiktoken's `_byte_pair_merge`: repeatedly merge the lowest-ranked adjacent pair (leftmost on ties). */
function mergeScan(byKey: Ranks, key: string, out: number[]): void {
  const starts: number[] = [];
  for (let i = 0; i <= key.length; i++) starts.push(i);
  const rankAt = (i: number): number => {
    if (i + 2 >= starts.length) return Number.POSITIVE_INFINITY;
    return byKey.get(key.slice(starts[i]!, starts[i + 2]!)) ?? Number.POSITIVE_INFINITY;
  };
  const ranks: number[] = [];
  for (let i = 0; i < starts.length - 1; i++) ranks.push(rankAt(i));
  while (starts.length > 2) {
    let best = Number.POSITIVE_INFINITY;
    let at = -1;
    for (let i = 0; i < ranks.length - 1; i++) {
      if (ranks[i]! < best) {
        best = ranks[i]!;
        at = i;
      }
    }
    if (at < 0) break;
    starts.splice(at + 1, 1);
    ranks.splice(at + 1, 1);
    ranks[at] = rankAt(at);
    if (at > 0) ranks[at - 1] = rankAt(at - 1);
  }
  for (let i = 0; i < starts.length - 1; i++) out.push(byKey.get(key.slice(starts[i]!, starts[i + 1]!))!);
}

/**
 * Direct-mapped memo of pair ranks by the two tokens' ranks (every part of a merge is a token): a slot
 * holds `left`, `right` and the rank of their concatenation (-1 = none). Fixed size, no allocation.
 */
const MEMO_BITS = 16;
const memoLeft = new Int32Array(1 << MEMO_BITS).fill(-1);
const memoRight = new Int32Array(1 << MEMO_BITS);
const memoRank = new Int32Array(1 << MEMO_BITS);

let byteRanks: Int32Array | undefined;
let byteRanksOf: Ranks | undefined;

/** Rank of the one-byte token `byte` (every byte is a token in o200k_base). */
function byteRank(byKey: Ranks, byte: number): number {
  if (byteRanksOf !== byKey) {
    byteRanks = new Int32Array(256);
    for (let b = 0; b < 256; b++) byteRanks[b] = byKey.get(String.fromCharCode(b)) ?? -1;
    byteRanksOf = byKey;
  }
  return byteRanks![byte]!;
}

/** Pushes `value` onto the binary min-heap `heap[0..size)`; returns the new size. */
function heapPush(heap: Float64Array, size: number, value: number): number {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent]!;
    if (p <= value) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = value;
  return size + 1;
}

/** Removes the minimum of `heap[0..size)` (the caller reads `heap[0]` first); `size` is the old size. */
function heapPop(heap: Float64Array, size: number): void {
  const last = heap[size - 1]!;
  const n = size - 1;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    let c = heap[child]!;
    if (child + 1 < n) {
      const d = heap[child + 1]!;
      if (d < c) {
        c = d;
        child++;
      }
    }
    if (c >= last) break;
    heap[i] = c;
    i = child;
  }
  heap[i] = last;
}

/** Rank of the pair of parts `i`, `j` of `key` (-1 = not a token), through the memo. */
function pairRank(byKey: Ranks, key: string, left: number, right: number, i: number, end: number): number {
  const slot = (Math.imul(left, 0x9e3779b1) ^ Math.imul(right, 0x85ebca6b)) >>> (32 - MEMO_BITS);
  if (memoLeft[slot] === left && memoRight[slot] === right) return memoRank[slot]!;
  const r = byKey.get(key.slice(i, end)) ?? -1;
  memoLeft[slot] = left;
  memoRight[slot] = right;
  memoRank[slot] = r;
  return r;
}

/**
 * The same merge order as {@link mergeScan} in O(n log n): parts in a linked list over byte offsets,
 * candidate pairs in a binary min-heap of `rank · (n+1) + start` (so ties go to the leftmost pair) with
 * stale entries skipped on pop. The popped pair is always the lowest-ranked current pair, leftmost on
 * ties: exactly the scan's choice.
 */
function mergeHeap(byKey: Ranks, key: string, out: number[]): void {
  const n = key.length;
  const stride = n + 1;
  const next = new Int32Array(n + 1);
  const prev = new Int32Array(n + 1);
  /** Token (rank) of the part starting at `i`. */
  const token = new Int32Array(n + 1);
  /** Rank of the pair starting at part `i`, -1 when none or `i` was merged away. */
  const rank = new Int32Array(n + 1).fill(-1);
  for (let i = 0; i <= n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
    if (i < n) token[i] = byteRank(byKey, key.charCodeAt(i));
  }
  // at most n − 1 initial pairs and 2 per merge
  const heap = new Float64Array(3 * n + 2);
  let size = 0;
  for (let i = 0; i < n - 1; i++) {
    const r = pairRank(byKey, key, token[i]!, token[i + 1]!, i, i + 2);
    rank[i] = r;
    if (r >= 0) size = heapPush(heap, size, r * stride + i);
  }
  while (size > 0) {
    const entry = heap[0]!;
    heapPop(heap, size);
    size--;
    const r = Math.floor(entry / stride);
    const i = entry - r * stride;
    if (rank[i] !== r) continue;
    const j = next[i]!;
    const k = next[j]!;
    next[i] = k;
    if (k <= n) prev[k] = i;
    rank[j] = -1;
    token[i] = r;
    // the merged part with its right neighbour
    if (k < n) {
      const rk = pairRank(byKey, key, r, token[k]!, i, next[k]!);
      rank[i] = rk;
      if (rk >= 0) size = heapPush(heap, size, rk * stride + i);
    } else rank[i] = -1;
    // the left neighbour with the merged part
    if (i > 0) {
      const p = prev[i]!;
      const rp = pairRank(byKey, key, token[p]!, r, p, k);
      rank[p] = rp;
      if (rp >= 0) size = heapPush(heap, size, rp * stride + p);
    }
  }
  for (let i = 0; i < n; i = next[i]!) out.push(token[i]!);
}

/**
 * Byte-pair encodes one pre-token (`key`: one char per byte) onto `out`. `strategy` is for tests:
 * `auto` picks the scan for short pieces and the heap for long ones, so work per piece stays
 * O(n log n) (a 100 KB run of spaces is one piece).
 * @internal
 */
export function bytePairEncode(
  byKey: Ranks,
  key: string,
  out: number[],
  strategy: "auto" | "scan" | "heap" = "auto",
): void {
  const direct = byKey.get(key);
  if (direct !== undefined) {
    out.push(direct);
    return;
  }
  if (strategy === "scan" || (strategy === "auto" && key.length < HEAP_MERGE_FROM))
    mergeScan(byKey, key, out);
  else mergeHeap(byKey, key, out);
}

let cached: (Vocabulary & { readonly ranks: Ranks }) | undefined;

/**
 * The o200k_base vocabulary, loaded once on first use (not at import) from the bundled ranks.
 * `ranks` (binary-string key → rank) is for tests. Throws `TOKENIZER_NOT_LOADED` where the ranks
 * cannot be loaded synchronously and {@link loadO200kRanks} was not awaited.
 */
export function o200kVocabulary(): Vocabulary & { readonly ranks: Ranks } {
  if (cached) return cached;
  const { byKey, keys, pattern: patternSource } = loadRanks();
  const pattern = new RegExp(patternSource, "gu");
  const bytesCache: (Uint8Array | undefined)[] = new Array(keys.length);
  const textCache: (string | null | undefined)[] = new Array(keys.length);
  const pieceCache = new Map<string, number[]>();

  const bytesOf = (id: number): Uint8Array | undefined => {
    const hit = bytesCache[id];
    if (hit) return hit;
    const key = keys[id];
    if (key === undefined) return undefined;
    const out = new Uint8Array(key.length);
    for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
    bytesCache[id] = out;
    return out;
  };

  cached = {
    size: keys.length,
    ranks: byKey,
    bytes: bytesOf,
    text(id: number): string | null | undefined {
      const hit = textCache[id];
      if (hit !== undefined) return hit;
      const bytes = bytesOf(id);
      if (!bytes) return undefined;
      let text: string | null;
      try {
        text = strict.decode(bytes);
      } catch {
        text = null;
      }
      textCache[id] = text;
      return text;
    },
    encodeOrdinary(text: string, out: number[] = []): number[] {
      pattern.lastIndex = 0;
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        const piece = match[0];
        if (piece.length === 0) {
          pattern.lastIndex++;
          continue;
        }
        const hit = pieceCache.get(piece);
        if (hit) {
          for (const id of hit) out.push(id);
          continue;
        }
        if (piece.length > CACHE_PIECE_LIMIT) {
          bytePairEncode(byKey, binaryKey(piece), out);
          continue;
        }
        const ids: number[] = [];
        bytePairEncode(byKey, binaryKey(piece), ids);
        if (pieceCache.size >= CACHE_LIMIT) pieceCache.clear();
        pieceCache.set(piece, ids);
        for (const id of ids) out.push(id);
      }
      return out;
    },
  };
  return cached;
}
