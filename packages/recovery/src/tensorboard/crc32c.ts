/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) as TFRecord framing uses it, slicing-by-8
 * over eight 256-entry tables (8 KiB, built once on first use). Pure and browser-safe.
 */
let tables: Int32Array | null = null;

// Int32Array (not Uint32Array): entries above 2^31 stay small integers, so the loop never boxes doubles.
function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    let c = t[i]!;
    for (let s = 1; s < 8; s++) {
      c = (c >>> 8) ^ t[c & 0xff]!;
      t[s * 256 + i] = c;
    }
  }
  return t;
}

/** CRC-32C of `bytes[start, end)`. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (tables === null) tables = buildTables();
  const t = tables;
  let crc = -1;
  let i = start;
  const end8 = end - ((end - start) & 7);
  while (i < end8) {
    crc = step8(t, crc, bytes, i);
    i += 8;
  }
  while (i < end) crc = (crc >>> 8) ^ t[(crc ^ bytes[i++]!) & 0xff]!;
  return ~crc >>> 0;
}

/** TFRecord's masked CRC: `((crc >>> 15) | (crc << 17)) + 0xa282ead8` (mod 2^32). */
export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const crc = crc32c(bytes, start, end);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One slicing-by-8 step: the CRC state after the 8 bytes at `i`. */
function step8(t: Int32Array, crc: number, bytes: Uint8Array, i: number): number {
  const lo = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  return (
    t[1792 + (lo & 0xff)]! ^
    t[1536 + ((lo >>> 8) & 0xff)]! ^
    t[1280 + ((lo >>> 16) & 0xff)]! ^
    t[1024 + (lo >>> 24)]! ^
    t[768 + bytes[i + 4]!]! ^
    t[512 + bytes[i + 5]!]! ^
    t[256 + bytes[i + 6]!]! ^
    t[bytes[i + 7]!]!
  );
}

/** {@link maskedCrc32c} of the 8 bytes at `p` (a TFRecord length field): one slicing-by-8 step, no loop. */
export function maskedCrc32c8(bytes: Uint8Array, p: number): number {
  if (tables === null) tables = buildTables();
  const crc = ~step8(tables, -1, bytes, p) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
