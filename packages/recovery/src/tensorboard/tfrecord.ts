import { RecoveryError } from "../errors.js";
import { maskedCrc32c, maskedCrc32c8 } from "./crc32c.js";

/** Largest TFRecord payload accepted (a scalar event is ~50 bytes; images can be MiBs). */
const MAX_TFRECORD_BYTES = 256 * 1024 * 1024;

function u32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/**
 * Incremental TFRecord framing reader: `uint64 length`, `uint32 masked CRC-32C of the length`,
 * `data[length]`, `uint32 masked CRC-32C of the data`, both CRCs checked. Feed bytes as they come
 * (`push`); a frame cut by the end of the bytes stays pending (a trainer still writing). A CRC
 * mismatch throws `RecoveryError` `CRC_MISMATCH` with the frame's byte offset. Pure (Uint8Array).
 */
export class TfRecordReader {
  private rest: Uint8Array | null = null;
  /** Absolute offset of the first byte not yet consumed. */
  private consumed = 0;

  constructor(private readonly source = "events file") {}

  /** Bytes consumed by complete frames so far. */
  get offset(): number {
    return this.consumed;
  }

  /** Bytes of a pending, incomplete frame. */
  get pendingBytes(): number {
    return this.rest?.length ?? 0;
  }

  /** Reads every complete frame of `chunk` (after the pending bytes): `onRecord(bytes, start, end)`. */
  push(chunk: Uint8Array, onRecord: (bytes: Uint8Array, start: number, end: number) => void): void {
    let bytes = chunk;
    if (this.rest !== null) {
      bytes = new Uint8Array(this.rest.length + chunk.length);
      bytes.set(this.rest, 0);
      bytes.set(chunk, this.rest.length);
      this.rest = null;
    }
    const n = bytes.length;
    let p = 0;
    while (n - p >= 12) {
      const lo = u32(bytes, p);
      const hi = u32(bytes, p + 4);
      if (maskedCrc32c8(bytes, p) !== u32(bytes, p + 8)) this.fail("length", p);
      if (hi !== 0 || lo > MAX_TFRECORD_BYTES)
        throw new RecoveryError({
          code: "INVALID_RECORD",
          message: `${this.source}: record at byte ${this.consumed + p} claims ${hi * 2 ** 32 + lo} bytes (more than ${MAX_TFRECORD_BYTES})`,
          details: { offset: this.consumed + p },
        });
      const end = p + 12 + lo;
      if (end + 4 > n) break;
      if (maskedCrc32c(bytes, p + 12, end) !== u32(bytes, end)) this.fail("data", p);
      onRecord(bytes, p + 12, end);
      p = end + 4;
    }
    this.consumed += p;
    if (p < n) this.rest = bytes.slice(p);
  }

  private fail(what: string, p: number): never {
    const offset = this.consumed + p;
    throw new RecoveryError({
      code: "CRC_MISMATCH",
      message: `${this.source}: the ${what} CRC of the record at byte ${offset} does not match (the file is corrupted there)`,
      details: { offset },
    });
  }
}
