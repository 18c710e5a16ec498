import { bytePairEncode, type Ranks } from "./bpe-merge.js";
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
