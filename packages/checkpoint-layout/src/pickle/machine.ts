import { CheckpointError } from "../errors.js";
import type { PickleDict, PickleTuple, PickleValue } from "./types.js";

/** The MARK sentinel on the pickle stack. */
const MARK = Symbol("mark");
/** A pickle stack slot. */
export type Slot = PickleValue | typeof MARK;
/** Largest LONG4 accepted. */
export const MAX_LONG_BYTES = 64;

/** Error codes of the safe pickle reader. */
export type PickleErrorCode = "PICKLE_INVALID" | "PICKLE_UNSUPPORTED" | "PICKLE_LIMIT";

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** Decoder of py2 `str` and text arguments. */
export const latin1 = new TextDecoder("latin1");

const readU16 = (v: DataView, p: number) => v.getUint16(p, true);
const readU32 = (v: DataView, p: number) => v.getUint32(p, true);
const readI32 = (v: DataView, p: number) => v.getInt32(p, true);
const readU64 = (v: DataView, p: number) => Number(v.getBigUint64(p, true));
const readF64be = (v: DataView, p: number) => v.getFloat64(p, false);

const isKind = (v: PickleValue, kind: string): boolean =>
  typeof v === "object" && v !== null && !Array.isArray(v) && "kind" in v && v.kind === kind;

/**
 * The pickle virtual machine's state and the primitives opcodes are built from: bounded reads,
 * the stack and its marks, the memo, and container depth tracking. Nothing is ever executed.
 * @internal
 */
export class PickleMachine {
  readonly view: DataView;
  pos = 0;
  stack: Slot[] = [];
  readonly marks: Slot[][] = [];
  readonly memo = new Map<number, PickleValue>();
  // nesting depth of containers, tracked on creation so no traversal is needed (per read: a Map,
  // not a module-level WeakMap, which costs GC time)
  private readonly depthOf = new Map<object, number>();

  constructor(
    readonly bytes: Uint8Array,
    readonly where: string,
    readonly maxDepth: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Throws the reader's typed error at byte `offset`. */
  fail(code: PickleErrorCode, message: string, offset: number): never {
    throw new CheckpointError({
      code,
      message: `${this.where}: ${message} (at byte ${offset})`,
      details: { path: this.where, offset },
    });
  }

  need(n: number, at: number): void {
    if (n < 0 || this.pos + n > this.bytes.length)
      this.fail("PICKLE_INVALID", "truncated (data runs past the end)", at);
  }

  take(n: number, at: number): Uint8Array {
    this.need(n, at);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A fixed-size argument read from the view at the current position. */
  private fixed(size: number, at: number, read: (view: DataView, pos: number) => number): number {
    this.need(size, at);
    const v = read(this.view, this.pos);
    this.pos += size;
    return v;
  }

  /** A little-endian unsigned 16-bit argument. */
  u16(at: number): number {
    return this.fixed(2, at, readU16);
  }

  /** A little-endian unsigned 32-bit argument. */
  u32(at: number): number {
    return this.fixed(4, at, readU32);
  }

  /** A little-endian signed 32-bit argument. */
  i32(at: number): number {
    return this.fixed(4, at, readI32);
  }

  /** A little-endian unsigned 64-bit length. */
  u64(at: number): number {
    return this.fixed(8, at, readU64);
  }

  /** A big-endian double (BINFLOAT). */
  f64be(at: number): number {
    return this.fixed(8, at, readF64be);
  }

  /** A text argument up to the next newline. */
  line(at: number): string {
    const nl = this.bytes.indexOf(0x0a, this.pos);
    if (nl < 0) this.fail("PICKLE_INVALID", "truncated (no newline after a text argument)", at);
    const s = latin1.decode(this.bytes.subarray(this.pos, nl));
    this.pos = nl + 1;
    return s;
  }

  push(v: PickleValue): void {
    this.stack.push(v);
  }

  pop(at: number): PickleValue {
    if (this.stack.length === 0) this.fail("PICKLE_INVALID", "stack underflow", at);
    const v = this.stack.pop()!;
    if (v === MARK) this.fail("PICKLE_INVALID", "unexpected MARK on the stack", at);
    return v;
  }

  top(at: number): PickleValue {
    const v = this.stack[this.stack.length - 1];
    if (v === undefined || v === MARK) this.fail("PICKLE_INVALID", "stack underflow", at);
    return v;
  }

  mark(): void {
    this.marks.push(this.stack);
    this.stack = [];
  }

  popMark(at: number): PickleValue[] {
    const items = this.stack as PickleValue[];
    const prev = this.marks.pop();
    if (!prev) this.fail("PICKLE_INVALID", "no MARK to pop to", at);
    this.stack = prev;
    return items;
  }

  depth(v: PickleValue): number {
    return typeof v === "object" && v !== null ? (this.depthOf.get(v) ?? 1) : 0;
  }

  /** Records a new container's depth (one more than its deepest child); bounded by `maxDepth`. */
  track<T extends object>(v: T, children: Iterable<PickleValue>, at: number, base = 0): T {
    let d = base;
    for (const c of children) {
      const cd = this.depth(c);
      if (cd > d) d = cd;
    }
    if (d + 1 > this.maxDepth) this.fail("PICKLE_LIMIT", `nesting deeper than ${this.maxDepth}`, at);
    this.depthOf.set(v, d + 1);
    return v;
  }

  /** Updates a container's depth after items were added to it. */
  grow(container: object, added: Iterable<PickleValue>, at: number): void {
    this.track(container, added, at, (this.depthOf.get(container) ?? 1) - 1);
  }

  str(b: Uint8Array, at: number): string {
    // short ASCII strings (names, keys) without TextDecoder's per-call overhead
    if (b.length <= 64) {
      let ascii = true;
      for (let i = 0; i < b.length; i++)
        if (b[i]! > 0x7f) {
          ascii = false;
          break;
        }
      if (ascii) return String.fromCharCode(...b);
    }
    try {
      return utf8.decode(b);
    } catch {
      return this.fail("PICKLE_INVALID", "string is not valid UTF-8", at);
    }
  }

  memoGet(k: number, at: number): PickleValue {
    if (!this.memo.has(k)) this.fail("PICKLE_INVALID", `memo key ${k} was never stored`, at);
    return this.memo.get(k)!;
  }

  memoPut(k: number, at: number): void {
    this.memo.set(k, this.top(at));
  }

  emptyDict(at: number): PickleDict {
    return this.track({ kind: "dict", entries: [] } as PickleDict, [], at);
  }

  tuple(items: PickleValue[], at: number): PickleTuple {
    return this.track({ kind: "tuple", items }, items, at);
  }

  setItems(target: PickleValue, items: PickleValue[], at: number): void {
    let d = target;
    if (typeof d === "object" && d !== null && "kind" in d && d.kind === "object") {
      // dict subclasses (e.g. a custom mapping): record the items on the object
      d.items ??= this.emptyDict(at);
      this.grow(d, items, at);
      d = d.items;
    }
    if (typeof d !== "object" || d === null || !("kind" in d) || d.kind !== "dict")
      this.fail("PICKLE_INVALID", "SETITEM(S) on a value that is not a dict", at);
    if (items.length % 2) this.fail("PICKLE_INVALID", "SETITEMS with an odd number of items", at);
    for (let i = 0; i < items.length; i += 2) d.entries.push([items[i]!, items[i + 1]!]);
    this.grow(d, items, at);
  }

  append(l: PickleValue, items: PickleValue[], at: number): void {
    if (Array.isArray(l)) {
      for (const x of items) l.push(x);
      this.grow(l, items, at);
    } else if (typeof l === "object" && l !== null && "kind" in l && l.kind === "set") {
      l.items.push(...items);
      this.grow(l, items, at);
    } else if (typeof l === "object" && l !== null && "kind" in l && l.kind === "object") {
      // list subclasses: record appended items as the state's "items"
      const prev = Array.isArray(l.state) ? l.state : [];
      l.state = prev.concat(items);
      this.grow(l, items, at);
    } else this.fail("PICKLE_INVALID", "APPEND(S) on a value that is not a list", at);
  }

  /** The dotted name of a global (or of a recorded object's class). */
  globalName(v: PickleValue): string {
    if (isKind(v, "global")) return (v as { name: string }).name;
    if (isKind(v, "object")) return (v as { $class: string }).$class;
    return "<not a global>";
  }
}

/** One opcode: its byte, its name in `pickletools`, and what it does to the machine. */
export interface Opcode {
  code: number;
  name: string;
  run(m: PickleMachine, at: number): void;
}
