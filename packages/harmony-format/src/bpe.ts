import o200kBase from "js-tiktoken/ranks/o200k_base";

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

const CACHE_LIMIT = 100_000;

function loadRanks(): { byKey: Map<string, number>; keys: string[] } {
  const byKey = new Map<string, number>();
  const keys: string[] = [];
  for (const line of o200kBase.bpe_ranks.split("\n")) {
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
  return { byKey, keys };
}

const utf8 = new TextEncoder();
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function binaryKey(piece: string): string {
  for (let i = 0; i < piece.length; i++) {
    if (piece.charCodeAt(i) >= 0x80) {
      const bytes = utf8.encode(piece);
      let key = "";
      for (let j = 0; j < bytes.length; j++) key += String.fromCharCode(bytes[j]!);
      return key;
    }
  }
  return piece;
}

let cached: Vocabulary | undefined;

/** The o200k_base vocabulary (loaded once, on first use, from the bundled ranks). */
export function o200kVocabulary(): Vocabulary {
  if (cached) return cached;
  const { byKey, keys } = loadRanks();
  const pattern = new RegExp(o200kBase.pat_str, "gu");
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

  const bytePairEncode = (key: string, out: number[]): void => {
    const direct = byKey.get(key);
    if (direct !== undefined) {
      out.push(direct);
      return;
    }
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
  };

  cached = {
    size: keys.length,
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
        const ids: number[] = [];
        bytePairEncode(binaryKey(piece), ids);
        if (pieceCache.size >= CACHE_LIMIT) pieceCache.clear();
        pieceCache.set(piece, ids);
        for (const id of ids) out.push(id);
      }
      return out;
    },
  };
  return cached;
}
