/**
 * Byte-pair merging of one pre-token, as tiktoken's `_byte_pair_merge` does it (lowest-ranked adjacent
 * pair first, leftmost on ties): the plain loop for short pieces, a rank-bucket queue for long ones
 * (same tokens, near-linear work: a 100 KB run of spaces is one piece).
 */

/** Binary-string key (one char per byte) → rank. */
export type Ranks = ReadonlyMap<string, number>;

/** Pieces up to this many bytes use the scan merge; longer ones the queue merge (same output). */
const QUEUE_MERGE_FROM = 64;

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

/** Rank of the pair of parts `key[i, end)` made of tokens `left` and `right` (-1 = not a token). */
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
 * The queue of the long-piece merge, per vocabulary and reused across calls (each call drains it):
 * one bucket of part offsets per pair rank (`pos`, read from `head`), and the ranks whose bucket may
 * be non-empty in a binary min-heap (`active`; an emptied rank is dropped when it reaches the top).
 */
interface MergeQueue {
  ranks: Ranks;
  byteRank: Int32Array;
  pos: (number[] | undefined)[];
  head: Int32Array;
  /** 1 when `pos[r]` from `head[r]` on is not ascending. */
  unsorted: Uint8Array;
  active: number[];
}

let queueState: MergeQueue | undefined;

function queueFor(byKey: Ranks): MergeQueue {
  if (queueState?.ranks === byKey) return queueState;
  memoLeft.fill(-1); // the memo holds token ranks of one vocabulary
  let size = 0;
  for (const r of byKey.values()) if (r >= size) size = r + 1;
  const byteRank = new Int32Array(256);
  for (let b = 0; b < 256; b++) byteRank[b] = byKey.get(String.fromCharCode(b)) ?? -1;
  queueState = {
    ranks: byKey,
    byteRank,
    pos: new Array<number[] | undefined>(size).fill(undefined),
    head: new Int32Array(size),
    unsorted: new Uint8Array(size),
    active: [],
  };
  return queueState;
}

function pushActive(heap: number[], rank: number): void {
  let i = heap.length;
  heap.push(rank);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent]!;
    if (p <= rank) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = rank;
}

function popActive(heap: number[]): void {
  const last = heap.pop()!;
  const n = heap.length;
  if (n === 0) return;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    let c = heap[child]!;
    if (child + 1 < n && heap[child + 1]! < c) c = heap[++child]!;
    if (c >= last) break;
    heap[i] = c;
    i = child;
  }
  heap[i] = last;
}

/** Queues the pair starting at part offset `position` under `rank`. */
function enqueue(q: MergeQueue, rank: number, position: number): void {
  let pos = q.pos[rank];
  if (pos === undefined) {
    pos = [];
    q.pos[rank] = pos;
  }
  if (q.head[rank] === pos.length) {
    if (pos.length > 0) {
      pos.length = 0;
      q.head[rank] = 0;
    }
    q.unsorted[rank] = 0;
    pushActive(q.active, rank);
  } else if (position < pos[pos.length - 1]!) q.unsorted[rank] = 1;
  pos.push(position);
}

// Per part offset i, interleaved in one array (one cache line holds four offsets' state):
const NEXT = 0; // offset of the next part
const PREV = 1; // offset of the previous part
const TOKEN = 2; // token (rank) of the part starting at i
const PAIR = 3; // rank of the pair starting at i, -1 when none or i was merged away

/**
 * The same merge order as {@link mergeScan} in near-linear time: parts in a linked list over byte
 * offsets, candidate pairs in rank buckets read lowest rank first, each bucket in offset order; stale
 * entries are skipped. A merge never creates a pair of the rank being read (the merged part is
 * strictly longer than that token), so a bucket is read without re-sorting; it is sorted only when
 * offsets arrived out of order while another rank was read, which on runs of one character never
 * happens.
 */
function mergeQueue(byKey: Ranks, key: string, out: number[]): void {
  const q = queueFor(byKey);
  const n = key.length;
  const s = new Int32Array(4 * (n + 1));
  for (let i = 0; i <= n; i++) {
    s[4 * i + NEXT] = i + 1;
    s[4 * i + PREV] = i - 1;
    s[4 * i + TOKEN] = i < n ? q.byteRank[key.charCodeAt(i)]! : -1;
    s[4 * i + PAIR] = -1;
  }
  for (let i = 0; i < n - 1; i++) {
    const r = pairRank(byKey, key, s[4 * i + TOKEN]!, s[4 * (i + 1) + TOKEN]!, i, i + 2);
    s[4 * i + PAIR] = r;
    if (r >= 0) enqueue(q, r, i);
  }
  const active = q.active;
  while (active.length > 0) {
    const r = active[0]!;
    let pos = q.pos[r]!;
    let head = q.head[r]!;
    if (head === pos.length) {
      popActive(active);
      continue;
    }
    if (q.unsorted[r] === 1) {
      pos = pos.slice(head).sort((x, y) => x - y);
      q.pos[r] = pos;
      head = 0;
      q.unsorted[r] = 0;
    }
    let lower = false; // a pair of a lower rank appeared: read that bucket first
    while (head < pos.length && !lower) {
      const i = pos[head++]!;
      if (s[4 * i + PAIR] !== r) continue;
      const j = s[4 * i + NEXT]!;
      const k = s[4 * j + NEXT]!;
      s[4 * i + NEXT] = k;
      if (k <= n) s[4 * k + PREV] = i;
      s[4 * j + PAIR] = -1;
      s[4 * i + TOKEN] = r;
      // the merged part with its right neighbour
      if (k < n) {
        const rk = pairRank(byKey, key, r, s[4 * k + TOKEN]!, i, s[4 * k + NEXT]!);
        s[4 * i + PAIR] = rk;
        if (rk >= 0) {
          enqueue(q, rk, i);
          if (rk < r) lower = true;
        }
      } else s[4 * i + PAIR] = -1;
      // the left neighbour with the merged part
      if (i > 0) {
        const p = s[4 * i + PREV]!;
        const rp = pairRank(byKey, key, s[4 * p + TOKEN]!, r, p, k);
        s[4 * p + PAIR] = rp;
        if (rp >= 0) {
          enqueue(q, rp, p);
          if (rp < r) lower = true;
        }
      }
    }
    q.head[r] = head;
    if (head === pos.length && active[0] === r) popActive(active);
  }
  for (let i = 0; i < n; i = s[4 * i + NEXT]!) out.push(s[4 * i + TOKEN]!);
}

/**
 * Byte-pair encodes one pre-token (`key`: one char per byte) onto `out`. `strategy` is for tests and
 * benches: `auto` uses the scan below {@link QUEUE_MERGE_FROM} bytes and the queue from there on.
 * @internal
 */
export function bytePairEncode(
  byKey: Ranks,
  key: string,
  out: number[],
  strategy: "auto" | "scan" | "queue" = "auto",
): void {
  const direct = byKey.get(key);
  if (direct !== undefined) {
    out.push(direct);
    return;
  }
  if (strategy === "scan" || (strategy === "auto" && key.length < QUEUE_MERGE_FROM))
    mergeScan(byKey, key, out);
  else mergeQueue(byKey, key, out);
}
