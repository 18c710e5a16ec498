/**
 * Scalar `TensorProto`s (dtype 1, tensor_shape 2, tensor_content 4, float_val 5, double_val 6,
 * int_val 7, int64_val 10, bool_val 11, half_val 13) and `SummaryMetadata` plugin names: the rare
 * path of TensorBoard decoding (new-style `add_scalar` writes simple_value). Pure; never throws.
 */

const decoder = new TextDecoder("utf-8", { fatal: false });
const f32 = new Float32Array(1);
const f32b = new Uint8Array(f32.buffer);
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

/** Cursor over a protobuf message (`pos` advances; `bad` once a field is malformed). */
class Cursor {
  pos: number;
  bad = false;
  constructor(
    readonly b: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  /** A varint as a Number (exact below 2^53; larger values lose precision). */
  varint(): number {
    const b = this.b;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) break;
      const byte = b[this.pos++]!;
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) return result;
      mul *= 128;
    }
    this.bad = true;
    return 0;
  }

  /** Skips a field of wire type `wire`; false when it cannot be skipped. */
  skip(wire: number): boolean {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else if (wire === 2) this.pos += this.varint();
    else this.bad = true;
    if (this.pos > this.end) this.bad = true;
    return !this.bad;
  }

  /** The [start, end) of a length-delimited field, or null. */
  span(): [number, number] | null {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (this.bad || end > this.end) {
      this.bad = true;
      return null;
    }
    this.pos = end;
    return [start, end];
  }

  float(): number {
    const p = this.pos;
    if (p + 4 > this.end) {
      this.bad = true;
      return 0;
    }
    f32b[0] = this.b[p]!;
    f32b[1] = this.b[p + 1]!;
    f32b[2] = this.b[p + 2]!;
    f32b[3] = this.b[p + 3]!;
    this.pos = p + 4;
    return f32[0]!;
  }

  double(): number {
    const p = this.pos;
    if (p + 8 > this.end) {
      this.bad = true;
      return 0;
    }
    for (let i = 0; i < 8; i++) f64b[i] = this.b[p + i]!;
    this.pos = p + 8;
    return f64[0]!;
  }
}

export function readString(b: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      if (c >= 0x80) return decoder.decode(b.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(b.subarray(start, end));
}

/** IEEE half (binary16) bits to a number. */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits to a number. */
function bfloat16(bits: number): number {
  f32b[0] = 0;
  f32b[1] = 0;
  f32b[2] = bits & 0xff;
  f32b[3] = (bits >> 8) & 0xff;
  return f32[0]!;
}

/** TensorFlow `DataType` values of the numeric dtypes read here. */
const DT = {
  FLOAT: 1,
  DOUBLE: 2,
  INT32: 3,
  UINT8: 4,
  INT16: 5,
  INT8: 6,
  INT64: 9,
  BOOL: 10,
  BFLOAT16: 14,
  UINT16: 17,
  HALF: 19,
  UINT32: 22,
} as const;

/** Element count of a TensorShapeProto (1 for a scalar), or -1 when unknown. */
function shapeCount(b: Uint8Array, start: number, end: number): number {
  const c = new Cursor(b, start, end);
  let count = 1;
  while (c.pos < end && !c.bad) {
    const key = c.varint();
    if (key === 0x12) {
      const span = c.span();
      if (span === null) return -1;
      const d = new Cursor(b, span[0], span[1]);
      let size = 0;
      while (d.pos < span[1] && !d.bad) {
        const k = d.varint();
        if (k === 0x08) size = d.varint();
        else if (!d.skip(k & 7)) return -1;
      }
      count *= size;
    } else if (key === 0x18) {
      if (c.varint() !== 0) return -1; // unknown_rank
    } else if (!c.skip(key & 7)) return -1;
  }
  return c.bad ? -1 : count;
}

/** The value of a one-element numeric tensor from its raw little-endian `tensor_content`. */
function fromContent(b: Uint8Array, start: number, end: number, dtype: number): number | undefined {
  const n = end - start;
  const v = new DataView(b.buffer, b.byteOffset + start, n);
  switch (dtype) {
    case DT.FLOAT:
      return n === 4 ? v.getFloat32(0, true) : undefined;
    case DT.DOUBLE:
      return n === 8 ? v.getFloat64(0, true) : undefined;
    case DT.INT32:
    case DT.UINT32:
      return n === 4 ? (dtype === DT.INT32 ? v.getInt32(0, true) : v.getUint32(0, true)) : undefined;
    case DT.INT64:
      return n === 8 ? Number(v.getBigInt64(0, true)) : undefined;
    case DT.INT16:
      return n === 2 ? v.getInt16(0, true) : undefined;
    case DT.UINT16:
      return n === 2 ? v.getUint16(0, true) : undefined;
    case DT.INT8:
      return n === 1 ? v.getInt8(0) : undefined;
    case DT.UINT8:
    case DT.BOOL:
      return n === 1 ? v.getUint8(0) : undefined;
    case DT.HALF:
      return n === 2 ? half(v.getUint16(0, true)) : undefined;
    case DT.BFLOAT16:
      return n === 2 ? bfloat16(v.getUint16(0, true)) : undefined;
    default:
      return undefined;
  }
}

/** Reads the single value of a (possibly packed) repeated numeric field into `out`; returns the count. */
function repeated(
  c: Cursor,
  wire: number,
  read: (c: Cursor) => number,
  packed: number,
  out: number[],
): number {
  if (wire === 2) {
    const span = c.span();
    if (span === null) return 0;
    const inner = new Cursor(c.b, span[0], span[1]);
    let count = 0;
    while (inner.pos < span[1] && !inner.bad) {
      const v = read(inner);
      if (count++ === 0) out[0] = v;
    }
    if (inner.bad) c.bad = true;
    return count;
  }
  if (wire !== packed) {
    c.skip(wire);
    return 0;
  }
  out[0] = read(c);
  return 1;
}

const readFloat = (c: Cursor) => c.float();
const readDouble = (c: Cursor) => c.double();
const readVarint = (c: Cursor) => c.varint();
const one = [0];

/** The value of a scalar TensorProto, or undefined (not numeric, not one element, malformed). */
export function scalarFromTensor(b: Uint8Array, start: number, end: number): number | undefined {
  const c = new Cursor(b, start, end);
  let dtype = 0;
  let count = -2; // elements from the shape; -2: no shape field (a scalar)
  let content: [number, number] | null = null;
  let values = 0;
  let value = 0;
  while (c.pos < end && !c.bad) {
    const key = c.varint();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === 0) dtype = c.varint();
    else if (field === 2 && wire === 2) {
      const span = c.span();
      count = span === null ? -1 : shapeCount(b, span[0], span[1]);
    } else if (field === 4 && wire === 2) content = c.span();
    else if (field === 5 || field === 6 || field === 7 || field === 10 || field === 11 || field === 13) {
      const read = field === 5 ? readFloat : field === 6 ? readDouble : readVarint;
      const packed = field === 5 ? 5 : field === 6 ? 1 : 0;
      const n = repeated(c, wire, read, packed, one);
      if (n > 0 && values === 0) {
        value = one[0]!;
        if (field === 7 && (dtype === DT.INT32 || dtype === DT.INT16 || dtype === DT.INT8)) value = value | 0;
        if (field === 13) value = dtype === DT.BFLOAT16 ? bfloat16(value) : half(value);
      }
      values += n;
    } else if (!c.skip(wire)) break;
  }
  if (c.bad || (count !== -2 && count !== 1)) return undefined;
  if (content !== null && content[1] > content[0]) return fromContent(b, content[0], content[1], dtype);
  if (values !== 1) return undefined;
  if (dtype === DT.FLOAT || dtype === DT.DOUBLE || dtype === DT.HALF || dtype === DT.BFLOAT16) return value;
  if (dtype === DT.INT32 || dtype === DT.INT16 || dtype === DT.INT8 || dtype === DT.UINT8) return value;
  if (dtype === DT.INT64 || dtype === DT.UINT16 || dtype === DT.UINT32 || dtype === DT.BOOL) return value;
  return undefined;
}

/** True when a SummaryMetadata names a plugin other than `scalars` (a text, histogram, … tensor). */
export function otherPlugin(b: Uint8Array, start: number, end: number): boolean {
  const c = new Cursor(b, start, end);
  while (c.pos < end && !c.bad) {
    const key = c.varint();
    if (key === 0x0a) {
      const span = c.span();
      if (span === null) return true;
      const p = new Cursor(b, span[0], span[1]);
      while (p.pos < span[1] && !p.bad) {
        const k = p.varint();
        if (k === 0x0a) {
          const name = p.span();
          if (name === null) return true;
          return readString(b, name[0], name[1]) !== "scalars";
        }
        if (!p.skip(k & 7)) return true;
      }
    } else if (!c.skip(key & 7)) return true;
  }
  return false;
}
