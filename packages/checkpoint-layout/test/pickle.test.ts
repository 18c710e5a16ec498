import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CheckpointError,
  dictGet,
  objectState,
  parseDcpMetadata,
  readPickle,
  toPlain,
} from "../src/index.js";
import { FROZEN } from "./real-trainers.helpers.js";

const b = (...xs: Array<number | string>) =>
  new Uint8Array(xs.flatMap((x) => (typeof x === "string" ? [...new TextEncoder().encode(x)] : [x])));

describe("readPickle (safe: nothing executed)", () => {
  it("reads protocol-2 torch-style structure: dict, MARK/SETITEMS, BINUNICODE, ints, floats, memo", () => {
    // {'a': 1, 'b': [True, None, 1.5], 'c': (300, -2)}  -- pickle.dumps(..., protocol=2)
    const bytes = b(
      0x80,
      2,
      0x7d,
      0x71,
      0,
      0x28,
      0x58,
      1,
      0,
      0,
      0,
      "a",
      0x4b,
      1,
      0x58,
      1,
      0,
      0,
      0,
      "b",
      0x5d,
      0x71,
      1,
      0x28,
      0x88,
      0x4e,
      0x47,
      0x3f,
      0xf8,
      0,
      0,
      0,
      0,
      0,
      0,
      0x65,
      0x58,
      1,
      0,
      0,
      0,
      "c",
      0x4d,
      0x2c,
      0x01,
      0x4a,
      0xfe,
      0xff,
      0xff,
      0xff,
      0x86,
      0x75,
      0x2e,
    );
    expect(toPlain(readPickle(bytes))).toEqual({ a: 1, b: [true, null, 1.5], c: [300, -2] });
  });

  it("records classes by name and never constructs them (GLOBAL + REDUCE, NEWOBJ + BUILD)", () => {
    // os.system('echo pwned') as a pickle: recorded, not run
    const evil = b(0x80, 2, 0x63, "os\nsystem\n", 0x58, 10, 0, 0, 0, "echo pwned", 0x85, 0x52, 0x2e);
    expect(toPlain(readPickle(evil))).toEqual({ $class: "os.system", args: ["echo pwned"] });
    // STACK_GLOBAL + NEWOBJ + BUILD({'x': 1})
    const obj = b(
      0x80,
      4,
      0x8c,
      1,
      "m",
      0x8c,
      1,
      "C",
      0x93,
      0x29,
      0x81,
      0x7d,
      0x8c,
      1,
      "x",
      0x4b,
      1,
      0x73,
      0x62,
      0x2e,
    );
    const v = readPickle(obj);
    expect(toPlain(v)).toEqual({ $class: "m.C", args: [], state: { x: 1 } });
    expect(dictGet(objectState(v), "x")).toBe(1);
  });

  it("LONG1 big ints become bigint beyond 2^53; persistent ids are recorded", () => {
    const big = b(0x80, 2, 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x2e);
    expect(readPickle(big)).toBe(2n ** 64n);
    const pid = b(0x80, 2, 0x58, 7, 0, 0, 0, "storage", 0x85, 0x51, 0x2e);
    expect(toPlain(readPickle(pid))).toEqual({ $persistent: ["storage"] });
  });

  it("typed errors with stable codes: truncated, unsupported opcode, limits", () => {
    const code = (bytes: Uint8Array, limits = {}) => {
      try {
        readPickle(bytes, "x", limits);
        return "ok";
      } catch (e) {
        expect(CheckpointError.isInstance(e)).toBe(true);
        return (e as CheckpointError).code;
      }
    };
    expect(code(b(0x80, 2, 0x7d))).toBe("PICKLE_INVALID"); // no STOP
    expect(code(b(0x58, 0xff, 0, 0, 0, "a"))).toBe("PICKLE_INVALID"); // string past the end
    expect(code(b(0x82, 1, 0x2e))).toBe("PICKLE_UNSUPPORTED"); // EXT1
    const deep = b(0x4b, 1, ...Array(300).fill(0x85), 0x2e); // ((((1,),),)…) 300 deep
    expect(code(deep)).toBe("PICKLE_LIMIT");
    expect(code(b(0x4b, 1, 0x2e), { maxBytes: 2 })).toBe("PICKLE_LIMIT");
  });

  it("reads a real DCP .metadata (protocol 4, FRAME, MEMOIZE, STACK_GLOBAL) into byte ranges", () => {
    const bytes = readFileSync(`${FROZEN}/dcp-torchtitan/run/outputs/checkpoint/step-10/.metadata`);
    const md = parseDcpMetadata(new Uint8Array(bytes));
    expect(Object.keys(md.files)).toEqual(["__0_0.distcp"]);
    expect(md.stateKeys.sort()).toEqual(["model", "optimizer", "train_state"]);
    expect(md.items.length).toBeGreaterThan(10);
    const sorted = [...md.items].sort((x, y) => x.offset - y.offset);
    expect(sorted[0]!.offset).toBe(0);
  });

  it("fuzz: any bytes give a value or a typed PICKLE_* error, never an untyped throw", () => {
    const seeds = [readFileSync(`${FROZEN}/dcp-torchtitan/run/outputs/checkpoint/step-10/.metadata`)].map(
      (x) => new Uint8Array(x),
    );
    const mutated = fc
      .tuple(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(),
      )
      .map(([seed, flips, cut]) => {
        const out = seed.slice(0, Math.max(1, seed.length - (cut % seed.length)));
        for (const [at, v] of flips) out[at % out.length] = v;
        return out;
      });
    const opcodes = fc
      .array(
        fc.constantFrom(
          0x28,
          0x29,
          0x2e,
          0x4b,
          0x4e,
          0x52,
          0x5d,
          0x61,
          0x62,
          0x65,
          0x68,
          0x71,
          0x73,
          0x75,
          0x7d,
          0x81,
          0x85,
          0x86,
          0x93,
          0x94,
          0x8c,
          0x58,
          0x51,
        ),
        { maxLength: 200 },
      )
      .map((xs) => new Uint8Array(xs));
    for (const arb of [fc.uint8Array({ maxLength: 300 }), mutated, opcodes])
      fc.assert(
        fc.property(arb, (bytes) => {
          try {
            const v = readPickle(bytes, "fuzz", { maxOps: 100_000 });
            toPlain(v, { maxNodes: 10_000 });
          } catch (e) {
            if (!CheckpointError.isInstance(e)) throw e;
            expect((e as CheckpointError).code).toMatch(/^PICKLE_(INVALID|UNSUPPORTED|LIMIT)$/);
          }
          try {
            parseDcpMetadata(bytes, "fuzz");
          } catch (e) {
            if (!CheckpointError.isInstance(e)) throw e;
            expect((e as CheckpointError).code).toMatch(
              /^(PICKLE_(INVALID|UNSUPPORTED|LIMIT)|METADATA_INVALID)$/,
            );
          }
        }),
        { numRuns: 150 },
      );
  });

  it("self-referencing memo values (a list containing itself) stay bounded in toPlain", () => {
    // l = []; l.append(l)
    const bytes = b(0x80, 2, 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x2e);
    const v = readPickle(bytes);
    expect(() => toPlain(v)).toThrow(/too large or deep/);
  });
});
