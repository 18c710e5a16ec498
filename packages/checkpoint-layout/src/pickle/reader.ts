import { CheckpointError } from "../errors.js";
import { decodeLong, isTuple, parseIntText, parseMemoKey } from "./decode.js";
import type {
  PickleDict,
  PickleGlobal,
  PickleObject,
  PicklePersistent,
  PickleSet,
  PickleTuple,
  PickleValue,
} from "./types.js";

export type { PickleDict, PickleGlobal, PickleObject, PicklePersistent, PickleSet, PickleTuple, PickleValue };

/** Bounds of {@link readPickle}. */
export interface PickleLimits {
  /** Largest input accepted (default 64 MiB). */
  maxBytes?: number;
  /** Largest number of opcodes executed (default 10,000,000). */
  maxOps?: number;
  /** Deepest nesting of containers (default 256). */
  maxDepth?: number;
}

const DEFAULTS = { maxBytes: 64 * 1024 * 1024, maxOps: 10_000_000, maxDepth: 256 };
const MAX_LONG_BYTES = 64;

const MARK = Symbol("mark");
/** Classes whose empty instance is read as a plain dict (their items arrive with SETITEMS). */
const DICT_CLASSES = new Set(["collections.OrderedDict", "builtins.dict", "__builtin__.dict"]);
type Slot = PickleValue | typeof MARK;

function fail(
  code: "PICKLE_INVALID" | "PICKLE_UNSUPPORTED" | "PICKLE_LIMIT",
  message: string,
  where: string,
  offset: number,
): never {
  throw new CheckpointError({
    code,
    message: `${where}: ${message} (at byte ${offset})`,
    details: { path: where, offset },
  });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

/**
 * Reads a pickle (protocols 0–5, the opcodes `torch.save`, `pickle.dump` of dataclasses and
 * `torch.distributed.checkpoint` metadata use) without executing anything. Iterative (no recursion),
 * bounded by {@link PickleLimits}. Throws `CheckpointError` with code `PICKLE_INVALID` (malformed or
 * truncated), `PICKLE_UNSUPPORTED` (opcode not implemented, e.g. `EXT1`, out-of-band buffers) or
 * `PICKLE_LIMIT`.
 */
export function readPickle(bytes: Uint8Array, where = "pickle", limits: PickleLimits = {}): PickleValue {
  const maxBytes = limits.maxBytes ?? DEFAULTS.maxBytes;
  const maxOps = limits.maxOps ?? DEFAULTS.maxOps;
  const maxDepth = limits.maxDepth ?? DEFAULTS.maxDepth;
  if (bytes.length > maxBytes)
    fail("PICKLE_LIMIT", `${bytes.length} bytes exceeds the ${maxBytes}-byte limit`, where, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let stack: Slot[] = [];
  const marks: Slot[][] = [];
  const memo = new Map<number, PickleValue>();
  let ops = 0;
  // nesting depth of containers, tracked on creation so no traversal is needed (per read: a Map,
  // not a module-level WeakMap, which costs GC time)
  const depthOf = new Map<object, number>();
  const depth = (v: PickleValue): number => (typeof v === "object" && v !== null ? (depthOf.get(v) ?? 1) : 0);

  const need = (n: number, at: number) => {
    if (n < 0 || pos + n > bytes.length)
      fail("PICKLE_INVALID", "truncated (data runs past the end)", where, at);
  };
  const take = (n: number, at: number) => {
    need(n, at);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = (at: number) => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) fail("PICKLE_INVALID", "truncated (no newline after a text argument)", where, at);
    const s = latin1.decode(bytes.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };
  const pop = (at: number): PickleValue => {
    if (stack.length === 0) fail("PICKLE_INVALID", "stack underflow", where, at);
    const v = stack.pop()!;
    if (v === MARK) fail("PICKLE_INVALID", "unexpected MARK on the stack", where, at);
    return v;
  };
  const top = (at: number): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail("PICKLE_INVALID", "stack underflow", where, at);
    return v;
  };
  const popMark = (at: number): PickleValue[] => {
    const items = stack as PickleValue[];
    const prev = marks.pop();
    if (!prev) fail("PICKLE_INVALID", "no MARK to pop to", where, at);
    stack = prev;
    return items;
  };
  const track = <T extends object>(v: T, children: Iterable<PickleValue>, at: number, base = 0): T => {
    let d = base;
    for (const c of children) {
      const cd = depth(c);
      if (cd > d) d = cd;
    }
    if (d + 1 > maxDepth) fail("PICKLE_LIMIT", `nesting deeper than ${maxDepth}`, where, at);
    depthOf.set(v, d + 1);
    return v;
  };
  const grow = (container: object, added: Iterable<PickleValue>, at: number) => {
    track(container, added, at, (depthOf.get(container) ?? 1) - 1);
  };
  const str = (b: Uint8Array, at: number) => {
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
      return fail("PICKLE_INVALID", "string is not valid UTF-8", where, at);
    }
  };
  const memoGet = (k: number, at: number): PickleValue => {
    if (!memo.has(k)) fail("PICKLE_INVALID", `memo key ${k} was never stored`, where, at);
    return memo.get(k)!;
  };
  const memoPut = (k: number, at: number) => {
    memo.set(k, top(at));
  };
  const setItems = (target: PickleValue, items: PickleValue[], at: number) => {
    let d = target;
    if (typeof d === "object" && d !== null && "kind" in d && d.kind === "object") {
      // dict subclasses (e.g. a custom mapping): record the items on the object
      d.items ??= track({ kind: "dict", entries: [] } as PickleDict, [], at);
      grow(d, items, at);
      d = d.items;
    }
    if (typeof d !== "object" || d === null || !("kind" in d) || d.kind !== "dict")
      fail("PICKLE_INVALID", "SETITEM(S) on a value that is not a dict", where, at);
    if (items.length % 2) fail("PICKLE_INVALID", "SETITEMS with an odd number of items", where, at);
    for (let i = 0; i < items.length; i += 2) d.entries.push([items[i]!, items[i + 1]!]);
    grow(d, items, at);
  };
  const append = (l: PickleValue, items: PickleValue[], at: number) => {
    if (Array.isArray(l)) {
      for (const x of items) l.push(x);
      grow(l, items, at);
    } else if (typeof l === "object" && l !== null && "kind" in l && l.kind === "set") {
      l.items.push(...items);
      grow(l, items, at);
    } else if (typeof l === "object" && l !== null && "kind" in l && l.kind === "object") {
      // list subclasses: record appended items as the state's "items"
      const prev = Array.isArray(l.state) ? l.state : [];
      l.state = prev.concat(items);
      grow(l, items, at);
    } else fail("PICKLE_INVALID", "APPEND(S) on a value that is not a list", where, at);
  };
  const globalName = (v: PickleValue): string =>
    typeof v === "object" && v !== null && !Array.isArray(v) && "kind" in v && v.kind === "global"
      ? v.name
      : typeof v === "object" && v !== null && !Array.isArray(v) && "kind" in v && v.kind === "object"
        ? v.$class
        : "<not a global>";
  const tuple = (items: PickleValue[], at: number): PickleTuple => track({ kind: "tuple", items }, items, at);

  while (true) {
    if (++ops > maxOps) fail("PICKLE_LIMIT", `more than ${maxOps} opcodes`, where, pos);
    if (pos >= bytes.length) fail("PICKLE_INVALID", "truncated (no STOP opcode)", where, pos);
    const at = pos;
    const op = bytes[pos++]!;
    switch (op) {
      case 0x80: // PROTO
        take(1, at);
        break;
      case 0x95: // FRAME: length of the next frame, informational
        take(8, at);
        break;
      case 0x2e: {
        // STOP
        const v = pop(at);
        return v;
      }
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length === 0) fail("PICKLE_INVALID", "stack underflow", where, at);
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark(at);
        break;
      case 0x32: // DUP
        stack.push(top(at));
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4, at);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(take(1, at)[0]!);
        break;
      case 0x4d: // BININT2
        need(2, at);
        stack.push(view.getUint16(pos, true));
        pos += 2;
        break;
      case 0x8a: {
        // LONG1
        const n = take(1, at)[0]!;
        stack.push(decodeLong(take(n, at)));
        break;
      }
      case 0x8b: {
        // LONG4
        need(4, at);
        const n = view.getInt32(pos, true);
        pos += 4;
        if (n < 0 || n > MAX_LONG_BYTES) fail("PICKLE_LIMIT", `LONG4 of ${n} bytes`, where, at);
        stack.push(decodeLong(take(n, at)));
        break;
      }
      case 0x49: {
        // INT (text); "00"/"01" are protocol-0 booleans
        const s = line(at).trim();
        if (s === "00" || s === "01") stack.push(s === "01");
        else stack.push(parseIntText(s, where, at));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(parseIntText(line(at).trim().replace(/L$/, ""), where, at));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        need(8, at);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: {
        // FLOAT (text)
        const f = Number(line(at).trim());
        if (Number.isNaN(f)) fail("PICKLE_INVALID", "FLOAT argument is not a number", where, at);
        stack.push(f);
        break;
      }
      case 0x58: {
        // BINUNICODE
        need(4, at);
        const n = view.getUint32(pos, true);
        pos += 4;
        stack.push(str(take(n, at), at));
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
        stack.push(str(take(take(1, at)[0]!, at), at));
        break;
      case 0x8d: {
        // BINUNICODE8
        need(8, at);
        const n = Number(view.getBigUint64(pos, true));
        pos += 8;
        stack.push(str(take(n, at), at));
        break;
      }
      case 0x54: {
        // BINSTRING (py2 str)
        need(4, at);
        const n = view.getInt32(pos, true);
        pos += 4;
        stack.push(latin1.decode(take(n, at)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(take(1, at)[0]!, at)));
        break;
      case 0x42: {
        // BINBYTES
        need(4, at);
        const n = view.getUint32(pos, true);
        pos += 4;
        stack.push(take(n, at).slice());
        break;
      }
      case 0x43: // SHORT_BINBYTES
        stack.push(take(take(1, at)[0]!, at).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: {
        // BYTEARRAY8
        need(8, at);
        const n = Number(view.getBigUint64(pos, true));
        pos += 8;
        stack.push(take(n, at).slice());
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push(track([], [], at));
        break;
      case 0x6c: {
        // LIST
        const items = popMark(at);
        stack.push(track(items, items, at));
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop(at);
        append(top(at), [v], at);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark(at);
        append(top(at), items, at);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(track({ kind: "dict", entries: [] } as PickleDict, [], at));
        break;
      case 0x64: {
        // DICT
        const items = popMark(at);
        const d: PickleDict = track({ kind: "dict", entries: [] }, [], at);
        setItems(d, items, at);
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop(at);
        const k = pop(at);
        setItems(top(at), [k, v], at);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark(at);
        setItems(top(at), items, at);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([], at));
        break;
      case 0x74: {
        // TUPLE (pop to the mark first: `stack` is replaced by popMark)
        const items = popMark(at);
        stack.push(tuple(items, at));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(tuple([pop(at)], at));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop(at);
        const a = pop(at);
        stack.push(tuple([a, b], at));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop(at);
        const b = pop(at);
        const a = pop(at);
        stack.push(tuple([a, b, c], at));
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(track({ kind: "set", items: [] } as PickleSet, [], at));
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark(at);
        append(top(at), items, at);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark(at);
        stack.push(track({ kind: "set", items } as PickleSet, items, at));
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const mod = line(at);
        const name = line(at);
        stack.push({ kind: "global", name: `${mod}.${name}` });
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop(at);
        const mod = pop(at);
        if (typeof name !== "string" || typeof mod !== "string")
          fail("PICKLE_INVALID", "STACK_GLOBAL needs two strings", where, at);
        stack.push({ kind: "global", name: `${mod}.${name}` });
        break;
      }
      case 0x52: {
        // REDUCE: callable(*args), recorded
        const args = pop(at);
        const fn = pop(at);
        const argv = isTuple(args) ? args.items : [args];
        const cls = globalName(fn);
        // an empty OrderedDict() is a dict: items follow with SETITEMS
        if (DICT_CLASSES.has(cls) && argv.length === 0)
          stack.push(track({ kind: "dict", entries: [] } as PickleDict, [], at));
        else stack.push(track({ kind: "object", $class: cls, args: argv } as PickleObject, argv, at));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop(at);
        const cls = pop(at);
        const argv = isTuple(args) ? args.items : [args];
        stack.push(track({ kind: "object", $class: globalName(cls), args: argv } as PickleObject, argv, at));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX: cls, args, kwargs
        const kwargs = pop(at);
        const args = pop(at);
        const cls = pop(at);
        const argv = isTuple(args) ? [...args.items, kwargs] : [args, kwargs];
        stack.push(track({ kind: "object", $class: globalName(cls), args: argv } as PickleObject, argv, at));
        break;
      }
      case 0x62: {
        // BUILD: obj.__setstate__(state), recorded as `state`
        const state = pop(at);
        const obj = top(at);
        if (
          typeof obj === "object" &&
          obj !== null &&
          !Array.isArray(obj) &&
          "kind" in obj &&
          obj.kind === "object"
        ) {
          obj.state = state;
          grow(obj, [state], at);
        } else if (
          typeof obj === "object" &&
          obj !== null &&
          !Array.isArray(obj) &&
          "kind" in obj &&
          obj.kind === "global"
        ) {
          // BUILD directly on a class (rare): wrap it
          stack[stack.length - 1] = track(
            { kind: "object", $class: obj.name, args: [], state } as PickleObject,
            [state],
            at,
          );
        } else if (
          typeof obj === "object" &&
          obj !== null &&
          !Array.isArray(obj) &&
          "kind" in obj &&
          obj.kind === "dict"
        ) {
          obj.state = state;
          grow(obj, [state], at);
        } else fail("PICKLE_INVALID", "BUILD on a value that is not an object", where, at);
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop(at);
        stack.push(track({ kind: "persid", pid } as PicklePersistent, [pid], at));
        break;
      }
      case 0x50: // PERSID (text)
        stack.push({ kind: "persid", pid: line(at) });
        break;
      case 0x71: // BINPUT
        memoPut(take(1, at)[0]!, at);
        break;
      case 0x72: // LONG_BINPUT
        need(4, at);
        memoPut(view.getUint32(pos, true), at);
        pos += 4;
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size, at);
        break;
      case 0x70: // PUT (text)
        memoPut(parseMemoKey(line(at), where, at), at);
        break;
      case 0x68: // BINGET
        stack.push(memoGet(take(1, at)[0]!, at));
        break;
      case 0x6a: // LONG_BINGET
        need(4, at);
        stack.push(memoGet(view.getUint32(pos, true), at));
        pos += 4;
        break;
      case 0x67: // GET (text)
        stack.push(memoGet(parseMemoKey(line(at), where, at), at));
        break;
      default:
        fail(
          "PICKLE_UNSUPPORTED",
          `opcode 0x${op.toString(16).padStart(2, "0")} is not supported by the safe reader`,
          where,
          at,
        );
    }
  }
}
