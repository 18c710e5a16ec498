/**
 * A minimal protobuf reader for the three TensorBoard messages rlops needs: `Event` (step 2,
 * summary 5), `Summary` (value 1, repeated) and `Summary.Value` (tag 1, simple_value 2, tensor 8,
 * metadata 9) with scalar `TensorProto`s (dtype 1, tensor_shape 2, tensor_content 4, float_val 5,
 * double_val 6, int_val 7, int64_val 10, bool_val 11, half_val 13). Everything else is skipped by
 * wire type. Pure; never throws on bad bytes (a malformed event yields no scalars).
 */

/** Receives the scalars of one event. */
export interface ScalarSink {
  scalar(tag: string, value: number): void;
  /** Values that are not scalars (text, histograms, images), by tag; optional. */
  other?: ((tag: string) => void) | undefined;
}

/** A decoded event: its step (0 when absent, the proto3 default; null when not a safe integer). */
export interface EventInfo {
  step: number | null;
  /** Number of scalars given to the sink. */
  scalars: number;
}

import { otherPlugin, readString, scalarFromTensor } from "./tensor.js";

// The hot path, flat over the bytes: no cursor objects, no spans, no copies; the end of the last
// varint read is left in `vEnd` (-1 when malformed).
let vEnd = 0;

function varint(b: Uint8Array, p: number, end: number): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10 && p < end; i++) {
    const byte = b[p++]!;
    result += (byte & 0x7f) * mul;
    if (byte < 0x80) {
      vEnd = p;
      return result;
    }
    mul *= 128;
  }
  vEnd = -1;
  return 0;
}

/** The end of the field of wire type `wire` starting at `p`, or -1 when it cannot be skipped. */
function skipField(b: Uint8Array, p: number, end: number, wire: number): number {
  let q: number;
  if (wire === 0) {
    varint(b, p, end);
    q = vEnd;
  } else if (wire === 1) q = p + 8;
  else if (wire === 5) q = p + 4;
  else if (wire === 2) {
    const len = varint(b, p, end);
    q = vEnd < 0 ? -1 : vEnd + len;
  } else q = -1;
  return q > end ? -1 : q;
}

/** The start of the last span read by {@link spanEnd}. */
let vStart = 0;

/** The end of the length-delimited field at `p` (its start in `vStart`), or -1 when malformed. */
function spanEnd(b: Uint8Array, p: number, end: number): number {
  const len = varint(b, p, end);
  if (vEnd < 0 || vEnd + len > end) return -1;
  vStart = vEnd;
  return vEnd + len;
}

/** The key at `p` (one byte for the fields read here), end in `vEnd`. */
function key(b: Uint8Array, p: number, end: number): number {
  const k = b[p]!;
  if (k < 0x80) {
    vEnd = p + 1;
    return k;
  }
  return varint(b, p, end);
}

const f32 = new Float32Array(1);
const f32b = new Uint8Array(f32.buffer);

/**
 * Tag strings by their bytes, so a run's few tags are decoded once, not once per event. Bounded
 * (`max` tags, then tags are decoded each time).
 */
export class TagInterner {
  private readonly slots: ({ bytes: Uint8Array; tag: string } | undefined)[];
  private readonly mask: number;
  private size = 0;

  constructor(private readonly max = 4096) {
    let n = 16;
    while (n < max * 2) n <<= 1;
    this.slots = new Array(n);
    this.mask = n - 1;
  }

  /** The tag in `b[start, end)`. */
  get(b: Uint8Array, start: number, end: number): string {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const len = end - start;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const slot = this.slots[i];
      if (slot === undefined) {
        const tag = readString(b, start, end);
        if (this.size < this.max) {
          this.slots[i] = { bytes: b.slice(start, end), tag };
          this.size++;
        }
        return tag;
      }
      const s = slot.bytes;
      if (s.length !== len) continue;
      let j = 0;
      while (j < len && s[j] === b[start + j]) j++;
      if (j === len) return slot.tag;
    }
  }
}

function tagOf(b: Uint8Array, start: number, end: number, tags: TagInterner | undefined): string {
  return tags === undefined ? readString(b, start, end) : tags.get(b, start, end);
}

/** One `Summary.Value`: its scalar to the sink (true), or its tag to `sink.other` (false). */
function decodeValue(
  b: Uint8Array,
  start: number,
  end: number,
  sink: ScalarSink,
  tags?: TagInterner,
): boolean {
  let tagStart = -1;
  let tagEnd = -1;
  let hasSimple = false;
  let simple = 0;
  let tensorStart = -1;
  let tensorEnd = -1;
  let metaStart = -1;
  let metaEnd = -1;
  let p = start;
  while (p < end) {
    const k = key(b, p, end);
    if (vEnd < 0) return false;
    p = vEnd;
    if (k === 0x15) {
      if (p + 4 > end) return false;
      f32b[0] = b[p]!;
      f32b[1] = b[p + 1]!;
      f32b[2] = b[p + 2]!;
      f32b[3] = b[p + 3]!;
      simple = f32[0]!;
      hasSimple = true;
      p += 4;
    } else if (k === 0x0a || k === 0x42 || k === 0x4a) {
      const e = spanEnd(b, p, end);
      if (e < 0) return false;
      const s = vStart;
      p = e;
      if (k === 0x0a) {
        tagStart = s;
        tagEnd = p;
      } else if (k === 0x42) {
        tensorStart = s;
        tensorEnd = p;
      } else {
        metaStart = s;
        metaEnd = p;
      }
    } else {
      p = skipField(b, p, end, k & 7);
      if (p < 0) return false;
    }
  }
  if (tagStart < 0) return false;
  let value: number | undefined = hasSimple ? simple : undefined;
  if (!hasSimple && tensorStart >= 0)
    value =
      metaStart >= 0 && otherPlugin(b, metaStart, metaEnd)
        ? undefined
        : scalarFromTensor(b, tensorStart, tensorEnd);
  if (value === undefined) {
    sink.other?.(tagOf(b, tagStart, tagEnd, tags));
    return false;
  }
  sink.scalar(tagOf(b, tagStart, tagEnd, tags), value);
  return true;
}

/** The step of the event being decoded (set by {@link walk}). */
let eventStep: number | null = 0;

const EVENT = 0;
const SUMMARY = 1;

/**
 * Walks an `Event` (step 2, summary 5) or a `Summary` (value 1, repeated) in `b[start, end)`,
 * giving each scalar value to the sink; returns their count. Unknown fields are skipped by wire
 * type; a malformed field ends the walk (what was read stays).
 */
function walk(
  b: Uint8Array,
  start: number,
  end: number,
  level: number,
  sink: ScalarSink,
  tags?: TagInterner,
): number {
  let scalars = 0;
  let p = start;
  while (p < end) {
    const k = key(b, p, end);
    if (vEnd < 0) break;
    p = vEnd;
    if (level === EVENT && k === 0x10) {
      const step = varint(b, p, end);
      if (vEnd < 0) break;
      p = vEnd;
      eventStep = Number.isSafeInteger(step) ? step : null;
    } else if ((level === EVENT && k === 0x2a) || (level === SUMMARY && k === 0x0a)) {
      const e = spanEnd(b, p, end);
      if (e < 0) break;
      const s = vStart;
      p = e;
      if (level === EVENT) scalars += walk(b, s, e, SUMMARY, sink, tags);
      else if (decodeValue(b, s, e, sink, tags)) scalars++;
    } else {
      p = skipField(b, p, end, k & 7);
      if (p < 0) break;
    }
  }
  return scalars;
}

/**
 * Decodes one serialized `Event` in `b[start, end)`, giving its scalars to `sink`; `tags` (one per
 * file) decodes each distinct tag once; the result is written to `out` (reused by the caller).
 */
export function decodeEvent(
  b: Uint8Array,
  start: number,
  end: number,
  sink: ScalarSink,
  tags?: TagInterner,
  out: EventInfo = { step: 0, scalars: 0 },
): EventInfo {
  // proto3: an absent `step` is 0 (Lightning writes its step-0 scalars without one)
  eventStep = 0;
  out.scalars = walk(b, start, end, EVENT, sink, tags);
  out.step = eventStep;
  return out;
}
