import { decodeLong, parseIntText } from "./decode.js";
import { latin1, MAX_LONG_BYTES, type Opcode, type PickleMachine } from "./machine.js";

const bytesOf = (m: PickleMachine, n: number, at: number) => m.take(n, at).slice();

/** Framing, the stack, and scalar, string and bytes opcodes. */
export const DATA_OPCODES: readonly Opcode[] = [
  { code: 0x80, name: "PROTO", run: (m, at) => void m.take(1, at) },
  // length of the next frame, informational
  { code: 0x95, name: "FRAME", run: (m, at) => void m.take(8, at) },
  { code: 0x28, name: "MARK", run: (m) => m.mark() },
  {
    code: 0x30,
    name: "POP",
    run(m, at) {
      if (m.stack.length === 0) m.fail("PICKLE_INVALID", "stack underflow", at);
      m.stack.pop();
    },
  },
  { code: 0x31, name: "POP_MARK", run: (m, at) => void m.popMark(at) },
  { code: 0x32, name: "DUP", run: (m, at) => m.push(m.top(at)) },
  { code: 0x4e, name: "NONE", run: (m) => m.push(null) },
  { code: 0x88, name: "NEWTRUE", run: (m) => m.push(true) },
  { code: 0x89, name: "NEWFALSE", run: (m) => m.push(false) },
  { code: 0x4a, name: "BININT", run: (m, at) => m.push(m.i32(at)) },
  { code: 0x4b, name: "BININT1", run: (m, at) => m.push(m.take(1, at)[0]!) },
  { code: 0x4d, name: "BININT2", run: (m, at) => m.push(m.u16(at)) },
  { code: 0x8a, name: "LONG1", run: (m, at) => m.push(decodeLong(m.take(m.take(1, at)[0]!, at))) },
  {
    code: 0x8b,
    name: "LONG4",
    run(m, at) {
      const n = m.i32(at);
      if (n < 0 || n > MAX_LONG_BYTES) m.fail("PICKLE_LIMIT", `LONG4 of ${n} bytes`, at);
      m.push(decodeLong(m.take(n, at)));
    },
  },
  {
    // "00"/"01" are protocol-0 booleans
    code: 0x49,
    name: "INT",
    run(m, at) {
      const s = m.line(at).trim();
      if (s === "00" || s === "01") m.push(s === "01");
      else m.push(parseIntText(s, m.where, at));
    },
  },
  {
    code: 0x4c,
    name: "LONG",
    run: (m, at) => m.push(parseIntText(m.line(at).trim().replace(/L$/, ""), m.where, at)),
  },
  { code: 0x47, name: "BINFLOAT", run: (m, at) => m.push(m.f64be(at)) },
  {
    code: 0x46,
    name: "FLOAT",
    run(m, at) {
      const f = Number(m.line(at).trim());
      if (Number.isNaN(f)) m.fail("PICKLE_INVALID", "FLOAT argument is not a number", at);
      m.push(f);
    },
  },
  { code: 0x58, name: "BINUNICODE", run: (m, at) => m.push(m.str(m.take(m.u32(at), at), at)) },
  { code: 0x8c, name: "SHORT_BINUNICODE", run: (m, at) => m.push(m.str(m.take(m.take(1, at)[0]!, at), at)) },
  { code: 0x8d, name: "BINUNICODE8", run: (m, at) => m.push(m.str(m.take(m.u64(at), at), at)) },
  // py2 str
  { code: 0x54, name: "BINSTRING", run: (m, at) => m.push(latin1.decode(m.take(m.i32(at), at))) },
  {
    code: 0x55,
    name: "SHORT_BINSTRING",
    run: (m, at) => m.push(latin1.decode(m.take(m.take(1, at)[0]!, at))),
  },
  { code: 0x42, name: "BINBYTES", run: (m, at) => m.push(bytesOf(m, m.u32(at), at)) },
  { code: 0x43, name: "SHORT_BINBYTES", run: (m, at) => m.push(bytesOf(m, m.take(1, at)[0]!, at)) },
  { code: 0x8e, name: "BINBYTES8", run: (m, at) => m.push(bytesOf(m, m.u64(at), at)) },
  { code: 0x96, name: "BYTEARRAY8", run: (m, at) => m.push(bytesOf(m, m.u64(at), at)) },
];
