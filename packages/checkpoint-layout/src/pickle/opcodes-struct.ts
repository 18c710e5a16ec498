import { isTuple, parseMemoKey } from "./decode.js";
import type { Opcode, PickleMachine } from "./machine.js";
import type {
  PickleDict,
  PickleGlobal,
  PickleObject,
  PicklePersistent,
  PickleSet,
  PickleValue,
} from "./types.js";

/** Classes whose empty instance is read as a plain dict (their items arrive with SETITEMS). */
const DICT_CLASSES = new Set(["collections.OrderedDict", "builtins.dict", "__builtin__.dict"]);

const argsOf = (args: PickleValue) => (isTuple(args) ? args.items : [args]);
/** A recorded `cls(*argv)` (never constructed). */
const instance = (m: PickleMachine, cls: string, argv: PickleValue[], at: number) =>
  m.track({ kind: "object", $class: cls, args: argv } as PickleObject, argv, at);

/** Lists, dicts, tuples and sets. */
export const CONTAINER_OPCODES: readonly Opcode[] = [
  { code: 0x5d, name: "EMPTY_LIST", run: (m, at) => m.push(m.track([], [], at)) },
  {
    code: 0x6c,
    name: "LIST",
    run(m, at) {
      const items = m.popMark(at);
      m.push(m.track(items, items, at));
    },
  },
  {
    code: 0x61,
    name: "APPEND",
    run(m, at) {
      const v = m.pop(at);
      m.append(m.top(at), [v], at);
    },
  },
  {
    code: 0x65,
    name: "APPENDS",
    run(m, at) {
      const items = m.popMark(at);
      m.append(m.top(at), items, at);
    },
  },
  { code: 0x7d, name: "EMPTY_DICT", run: (m, at) => m.push(m.emptyDict(at)) },
  {
    code: 0x64,
    name: "DICT",
    run(m, at) {
      const items = m.popMark(at);
      const d = m.emptyDict(at);
      m.setItems(d, items, at);
      m.push(d);
    },
  },
  {
    code: 0x73,
    name: "SETITEM",
    run(m, at) {
      const v = m.pop(at);
      const k = m.pop(at);
      m.setItems(m.top(at), [k, v], at);
    },
  },
  {
    code: 0x75,
    name: "SETITEMS",
    run(m, at) {
      const items = m.popMark(at);
      m.setItems(m.top(at), items, at);
    },
  },
  { code: 0x29, name: "EMPTY_TUPLE", run: (m, at) => m.push(m.tuple([], at)) },
  // pop to the mark first: `stack` is replaced by popMark
  { code: 0x74, name: "TUPLE", run: (m, at) => m.push(m.tuple(m.popMark(at), at)) },
  { code: 0x85, name: "TUPLE1", run: (m, at) => m.push(m.tuple([m.pop(at)], at)) },
  {
    code: 0x86,
    name: "TUPLE2",
    run(m, at) {
      const b = m.pop(at);
      const a = m.pop(at);
      m.push(m.tuple([a, b], at));
    },
  },
  {
    code: 0x87,
    name: "TUPLE3",
    run(m, at) {
      const c = m.pop(at);
      const b = m.pop(at);
      const a = m.pop(at);
      m.push(m.tuple([a, b, c], at));
    },
  },
  {
    code: 0x8f,
    name: "EMPTY_SET",
    run: (m, at) => m.push(m.track({ kind: "set", items: [] } as PickleSet, [], at)),
  },
  {
    code: 0x90,
    name: "ADDITEMS",
    run(m, at) {
      const items = m.popMark(at);
      m.append(m.top(at), items, at);
    },
  },
  {
    code: 0x91,
    name: "FROZENSET",
    run(m, at) {
      const items = m.popMark(at);
      m.push(m.track({ kind: "set", items } as PickleSet, items, at));
    },
  },
];

/** Globals and objects: recorded by class name, never constructed. */
export const OBJECT_OPCODES: readonly Opcode[] = [
  {
    // "module\nname\n"
    code: 0x63,
    name: "GLOBAL",
    run(m, at) {
      const mod = m.line(at);
      const name = m.line(at);
      m.push({ kind: "global", name: `${mod}.${name}` });
    },
  },
  {
    code: 0x93,
    name: "STACK_GLOBAL",
    run(m, at) {
      const name = m.pop(at);
      const mod = m.pop(at);
      if (typeof name !== "string" || typeof mod !== "string")
        m.fail("PICKLE_INVALID", "STACK_GLOBAL needs two strings", at);
      m.push({ kind: "global", name: `${mod}.${name}` });
    },
  },
  {
    // callable(*args), recorded
    code: 0x52,
    name: "REDUCE",
    run(m, at) {
      const argv = argsOf(m.pop(at));
      const cls = m.globalName(m.pop(at));
      // an empty OrderedDict() is a dict: items follow with SETITEMS
      if (DICT_CLASSES.has(cls) && argv.length === 0) m.push(m.emptyDict(at));
      else m.push(instance(m, cls, argv, at));
    },
  },
  {
    // cls.__new__(cls, *args)
    code: 0x81,
    name: "NEWOBJ",
    run(m, at) {
      const argv = argsOf(m.pop(at));
      m.push(instance(m, m.globalName(m.pop(at)), argv, at));
    },
  },
  {
    // cls, args, kwargs
    code: 0x92,
    name: "NEWOBJ_EX",
    run(m, at) {
      const kwargs = m.pop(at);
      const args = m.pop(at);
      const cls = m.globalName(m.pop(at));
      m.push(instance(m, cls, isTuple(args) ? [...args.items, kwargs] : [args, kwargs], at));
    },
  },
  {
    // obj.__setstate__(state), recorded as `state`
    code: 0x62,
    name: "BUILD",
    run(m, at) {
      const state = m.pop(at);
      const obj = m.top(at);
      const kind = typeof obj === "object" && obj !== null && "kind" in obj ? obj.kind : undefined;
      if (kind === "object" || kind === "dict") {
        const target = obj as PickleObject | PickleDict;
        target.state = state;
        m.grow(target, [state], at);
      } else if (kind === "global") {
        // BUILD directly on a class (rare): wrap it
        m.stack[m.stack.length - 1] = m.track(
          { kind: "object", $class: (obj as PickleGlobal).name, args: [], state } as PickleObject,
          [state],
          at,
        );
      } else m.fail("PICKLE_INVALID", "BUILD on a value that is not an object", at);
    },
  },
  {
    code: 0x51,
    name: "BINPERSID",
    run(m, at) {
      const pid = m.pop(at);
      m.push(m.track({ kind: "persid", pid } as PicklePersistent, [pid], at));
    },
  },
  { code: 0x50, name: "PERSID", run: (m, at) => m.push({ kind: "persid", pid: m.line(at) }) },
];

/** The memo: PUT/GET in their binary, long and text forms. */
export const MEMO_OPCODES: readonly Opcode[] = [
  { code: 0x71, name: "BINPUT", run: (m, at) => m.memoPut(m.take(1, at)[0]!, at) },
  { code: 0x72, name: "LONG_BINPUT", run: (m, at) => m.memoPut(m.u32(at), at) },
  { code: 0x94, name: "MEMOIZE", run: (m, at) => m.memoPut(m.memo.size, at) },
  { code: 0x70, name: "PUT", run: (m, at) => m.memoPut(parseMemoKey(m.line(at), m.where, at), at) },
  { code: 0x68, name: "BINGET", run: (m, at) => m.push(m.memoGet(m.take(1, at)[0]!, at)) },
  { code: 0x6a, name: "LONG_BINGET", run: (m, at) => m.push(m.memoGet(m.u32(at), at)) },
  { code: 0x67, name: "GET", run: (m, at) => m.push(m.memoGet(parseMemoKey(m.line(at), m.where, at), at)) },
];
