/** UTF-8 helpers with Rust `std::str::from_utf8` / `from_utf8_lossy` semantics. */

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes valid UTF-8 (caller guarantees validity). */
export function utf8DecodeValid(bytes: Uint8Array): string {
  return strictDecoder.decode(bytes);
}

/** Result of validating a byte buffer like Rust's `Utf8Error`. */
export interface Utf8Check {
  /** Bytes `[0, validUpTo)` are valid UTF-8. */
  validUpTo: number;
  /** `null`: valid, or the buffer ends inside a sequence; otherwise length of the invalid sequence. */
  errorLen: number | null;
  /** True if the whole buffer is valid. */
  ok: boolean;
}

function isCont(b: number | undefined): boolean {
  return b !== undefined && b >= 0x80 && b <= 0xbf;
}

/** Validates `bytes[start, end)` exactly as Rust's `run_utf8_validation`. */
export function checkUtf8(bytes: ArrayLike<number>, start = 0, end = bytes.length): Utf8Check {
  let i = start;
  while (i < end) {
    const first = bytes[i]!;
    if (first < 0x80) {
      i++;
      continue;
    }
    const at = i - start;
    const incomplete = (): Utf8Check => ({ validUpTo: at, errorLen: null, ok: false });
    const bad = (n: number): Utf8Check => ({ validUpTo: at, errorLen: n, ok: false });
    if (first >= 0xc2 && first <= 0xdf) {
      if (i + 1 >= end) return incomplete();
      if (!isCont(bytes[i + 1])) return bad(1);
      i += 2;
    } else if (first >= 0xe0 && first <= 0xef) {
      if (i + 1 >= end) return incomplete();
      const second = bytes[i + 1]!;
      const okSecond =
        first === 0xe0
          ? second >= 0xa0 && second <= 0xbf
          : first === 0xed
            ? second >= 0x80 && second <= 0x9f
            : isCont(second);
      if (!okSecond) return bad(1);
      if (i + 2 >= end) return incomplete();
      if (!isCont(bytes[i + 2])) return bad(2);
      i += 3;
    } else if (first >= 0xf0 && first <= 0xf4) {
      if (i + 1 >= end) return incomplete();
      const second = bytes[i + 1]!;
      const okSecond =
        first === 0xf0
          ? second >= 0x90 && second <= 0xbf
          : first === 0xf4
            ? second >= 0x80 && second <= 0x8f
            : isCont(second);
      if (!okSecond) return bad(1);
      if (i + 2 >= end) return incomplete();
      if (!isCont(bytes[i + 2])) return bad(2);
      if (i + 3 >= end) return incomplete();
      if (!isCont(bytes[i + 3])) return bad(3);
      i += 4;
    } else return bad(1);
  }
  return { validUpTo: end - start, errorLen: null, ok: true };
}

/** Rust `String::from_utf8_lossy`: one U+FFFD per maximal invalid subpart (and for a truncated tail). */
export function utf8DecodeLossy(bytes: Uint8Array): string {
  let out = "";
  let pos = 0;
  while (pos < bytes.length) {
    const check = checkUtf8(bytes, pos);
    out += utf8DecodeValid(bytes.subarray(pos, pos + check.validUpTo));
    if (check.ok) break;
    out += "\uFFFD";
    pos += check.validUpTo + (check.errorLen ?? bytes.length - pos - check.validUpTo);
  }
  return out;
}

/**
 * Where a truncated but so-far-valid UTF-8 sequence at the end of `bytes[0, end)` starts (`end` when
 * there is none): the bytes to hold back until the next chunk completes the character.
 */
export function incompleteTail(bytes: ArrayLike<number>, end: number): number {
  for (let p = end - 1; p >= 0 && p >= end - 3; p--) {
    const byte = bytes[p]!;
    if (byte >= 0x80 && byte <= 0xbf) continue;
    if (byte >= 0xc2) {
      const check = checkUtf8(bytes, p, end);
      if (!check.ok && check.errorLen === null && check.validUpTo === 0) return p;
    }
    break;
  }
  return end;
}

/**
 * Decodes UTF-8 arriving in arbitrary byte chunks: a sequence split across chunks is held back until
 * it completes, invalid bytes become U+FFFD (as {@link utf8DecodeLossy} of the whole stream would give).
 */
export class Utf8ChunkDecoder {
  #carry: Uint8Array | null = null;

  /** Text of `bytes` (plus any held-back bytes), keeping back a trailing incomplete sequence. */
  decode(bytes: Uint8Array): string {
    if (this.#carry === null && bytes.length === 1 && bytes[0]! < 0x80) return String.fromCharCode(bytes[0]!);
    let all = bytes;
    if (this.#carry !== null) {
      all = new Uint8Array(this.#carry.length + bytes.length);
      all.set(this.#carry);
      all.set(bytes, this.#carry.length);
      this.#carry = null;
    }
    const cut = incompleteTail(all, all.length);
    if (cut < all.length) this.#carry = all.slice(cut);
    return cut === 0 ? "" : utf8DecodeLossy(cut === all.length ? all : all.subarray(0, cut));
  }

  /** Flushes held-back bytes (a truncated sequence becomes U+FFFD). */
  end(): string {
    const carry = this.#carry;
    this.#carry = null;
    return carry === null ? "" : utf8DecodeLossy(carry);
  }
}
