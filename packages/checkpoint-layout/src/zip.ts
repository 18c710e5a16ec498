import type { Storage } from "./storage.js";

/** Little-endian readers for zip records. */
const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number) =>
  (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const u64 = (b: Uint8Array, o: number) => u32(b, o) + u32(b, o + 4) * 0x100000000;

/** Maximum central directory read into memory. */
const MAX_CENTRAL_DIR = 64 * 1024 * 1024;

/** One central-directory entry of a zip archive. */
export interface ZipEntry {
  name: string;
  /** The raw name bytes of the central directory. */
  nameBytes: Uint8Array;
  method: number;
  crc: number;
  compSize: number;
  uncompSize: number;
  localOffset: number;
}

/** The end records of a zip: entry count and central directory location (zip64 aware). */
export type ZipDirectory =
  | { ok: true; count: number; cdOffset: number; cdSize: number }
  | { ok: false; code: "ZIP_INVALID"; message: string };

/** Reads the (zip64) end-of-central-directory record of `path` (size `size`). */
export async function readZipEnd(storage: Storage, path: string, size: number): Promise<ZipDirectory> {
  const bad = (message: string): ZipDirectory => ({
    ok: false,
    code: "ZIP_INVALID",
    message: `${path}: ${message}`,
  });
  if (size < 22) return bad(`${size} bytes is too small for a zip archive (truncated?)`);
  // torch writes no archive comment: the end record is normally the last 22 bytes (zip64 locator before it)
  let tail = await storage.read(path, { start: Math.max(0, size - 42), end: size });
  const atEnd = tail.length - 22;
  if (
    !(
      tail[atEnd] === 0x50 &&
      tail[atEnd + 1] === 0x4b &&
      tail[atEnd + 2] === 0x05 &&
      tail[atEnd + 3] === 0x06
    )
  ) {
    const tailLen = Math.min(size, 22 + 65535 + 20);
    tail = await storage.read(path, { start: size - tailLen, end: size });
  }
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return bad("no end-of-central-directory record (truncated or not a torch zip)");
  let count = u16(tail, eocd + 10);
  let cdSize = u32(tail, eocd + 12);
  let cdOffset = u32(tail, eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(tail, loc) !== 0x07064b50) return bad("zip64 values without a zip64 locator");
    const z64Off = u64(tail, loc + 8);
    if (z64Off + 56 > size) return bad("zip64 end record beyond end of file");
    const z = await storage.read(path, { start: z64Off, end: z64Off + 56 });
    if (u32(z, 0) !== 0x06064b50) return bad("bad zip64 end-of-central-directory record");
    count = u64(z, 32);
    cdSize = u64(z, 40);
    cdOffset = u64(z, 48);
  }
  if (cdOffset + cdSize > size || cdSize > MAX_CENTRAL_DIR)
    return bad(`central directory (${cdSize} bytes at ${cdOffset}) does not fit the file`);
  return { ok: true, count, cdOffset, cdSize };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses the central directory (`count` entries). Names must be valid UTF-8 (torch decodes them
 * strictly and fails with a UnicodeDecodeError otherwise).
 */
export function parseCentralDirectory(
  cd: Uint8Array,
  count: number,
  path: string,
):
  | { ok: true; entries: ZipEntry[] }
  | { ok: false; code: "ZIP_INVALID" | "ZIP_NAME_INVALID"; message: string } {
  const entries: ZipEntry[] = [];
  let o = 0;
  for (let k = 0; k < count; k++) {
    if (o + 46 > cd.length || u32(cd, o) !== 0x02014b50)
      return { ok: false, code: "ZIP_INVALID", message: `${path}: central directory entry ${k} is corrupt` };
    const nameLen = u16(cd, o + 28);
    const extraLen = u16(cd, o + 30);
    const commentLen = u16(cd, o + 32);
    const nameBytes = cd.subarray(o + 46, o + 46 + nameLen);
    let name: string;
    try {
      name = utf8.decode(nameBytes);
    } catch {
      return {
        ok: false,
        code: "ZIP_NAME_INVALID",
        message: `${path}: central-directory name of entry ${k} is not valid UTF-8 (torch.load fails on it)`,
      };
    }
    const entry: ZipEntry = {
      name,
      nameBytes,
      method: u16(cd, o + 10),
      crc: u32(cd, o + 16),
      compSize: u32(cd, o + 20),
      uncompSize: u32(cd, o + 24),
      localOffset: u32(cd, o + 42),
    };
    // zip64 extended information extra field
    let e = o + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = u16(cd, e);
      const len = u16(cd, e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (entry.uncompSize === 0xffffffff) {
          entry.uncompSize = u64(cd, q);
          q += 8;
        }
        if (entry.compSize === 0xffffffff) {
          entry.compSize = u64(cd, q);
          q += 8;
        }
        if (entry.localOffset === 0xffffffff) entry.localOffset = u64(cd, q);
      }
      e += 4 + len;
    }
    o = eEnd + commentLen;
    entries.push(entry);
  }
  return { ok: true, entries };
}

/**
 * Reads an entry's local header: where its data starts, and whether the local name equals the
 * central-directory name (a mismatch means one of them is corrupt).
 */
export async function readLocalHeader(
  storage: Storage,
  path: string,
  size: number,
  entry: ZipEntry,
): Promise<{ ok: true; dataStart: number; nameMatches: boolean } | { ok: false; message: string }> {
  if (entry.localOffset + 30 > size)
    return { ok: false, message: `${path}: entry ${entry.name} points beyond end of file` };
  const lh = await storage.read(path, { start: entry.localOffset, end: entry.localOffset + 30 });
  if (u32(lh, 0) !== 0x04034b50)
    return { ok: false, message: `${path}: entry ${entry.name} has no local header` };
  const nameLen = u16(lh, 26);
  const dataStart = entry.localOffset + 30 + nameLen + u16(lh, 28);
  let nameMatches = nameLen === entry.nameBytes.length;
  if (nameMatches && nameLen > 0) {
    const local = await storage.read(path, {
      start: entry.localOffset + 30,
      end: entry.localOffset + 30 + nameLen,
    });
    for (let i = 0; i < nameLen; i++)
      if (local[i] !== entry.nameBytes[i]) {
        nameMatches = false;
        break;
      }
  }
  return { ok: true, dataStart, nameMatches };
}
