/**
 * Structured hostile generators shared by the targets: deep nesting, long runs of one character,
 * lone surrogates, huge numbers, and mutations of valid seed documents (text and bytes). Small ones
 * are fast-check arbitraries; large ones (for the time-per-MB check) are built deterministically.
 */
import fc from "fast-check";
import type { LargeInput } from "./harness.js";

/** Numbers parsers must survive. */
const HOSTILE_NUMBERS = [
  "1e999999",
  "-1e309",
  "1e-400",
  "9".repeat(400),
  "-0",
  "0x1F",
  "NaN",
  "-NaN",
  "Infinity",
  "-Infinity",
  "+Infinity",
  "1.7976931348623157e309",
  "123456789012345678901234567890",
  "9007199254740993",
  "-9223372036854775809",
  "1_000",
  ".5",
  "5.",
  "00012",
];

/** Characters whose long runs stress scanners (whitespace, brackets, quotes, escapes, surrogates). */
const RUN_CHARS = [
  " ",
  "\n",
  "\t",
  "\r\n",
  "0",
  "9",
  "[",
  "]",
  "{",
  "}",
  '"',
  "\\",
  ",",
  ":",
  "-",
  "#",
  "|",
  "<",
  "\uD800",
  "\uDC00",
  "\u0000",
  "\uFEFF",
  "é",
];

/** Openers whose repetition nests deeply in JSON, YAML or both. */
const NESTERS = ["[", "{", '{"a":', "[{", '{"a":[', "- ", "a:\n  ", "? ", "- - ", "&a [", "!!map {"];

const loneSurrogates = fc
  .array(fc.integer({ min: 0xd800, max: 0xdfff }), { minLength: 1, maxLength: 64 })
  .map((codes) => String.fromCharCode(...codes));

const run = fc
  .tuple(fc.constantFrom(...RUN_CHARS), fc.integer({ min: 1, max: 4000 }))
  .map(([c, n]) => c.repeat(n));

const deep = fc
  .tuple(fc.constantFrom(...NESTERS), fc.integer({ min: 1, max: 3000 }), fc.boolean())
  .map(([open, n, close]) => open.repeat(n) + (close ? "]".repeat(n) : ""));

/** A mutation of a seed: splice `insert` at a relative position, deleting `del` units. */
function spliced<T extends string>(
  seeds: readonly T[],
  fragments: fc.Arbitrary<string>,
): fc.Arbitrary<string> {
  const edit = fc.record({
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    del: fc.nat(16),
    insert: fragments,
  });
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 6 }))
    .map(([seed, edits]) => {
      let s: string = seed;
      for (const e of edits) {
        const i = Math.floor(e.at * s.length);
        s = s.slice(0, i) + e.insert + s.slice(i + e.del);
      }
      return s;
    });
}

/**
 * Hostile text: random unicode (lone surrogates included), long runs, deep nesting, huge numbers,
 * token soups of `tokens`, and seeds with spliced fragments. Seeds should be valid documents.
 */
export function hostileText(seeds: readonly string[], tokens: readonly string[] = []): fc.Arbitrary<string> {
  const fragment = fc.oneof(
    fc.constantFrom(...HOSTILE_NUMBERS, ...RUN_CHARS, ...NESTERS, ...(tokens.length > 0 ? tokens : [""])),
    fc.string({ unit: "binary", maxLength: 12 }),
    loneSurrogates,
    run,
  );
  const soup = fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join(""));
  return fc.oneof(
    { arbitrary: fc.string({ unit: "binary", maxLength: 200 }), weight: 2 },
    { arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 200 }), weight: 2 },
    { arbitrary: loneSurrogates, weight: 1 },
    { arbitrary: run, weight: 1 },
    { arbitrary: deep, weight: 1 },
    { arbitrary: fc.constantFrom(...HOSTILE_NUMBERS), weight: 1 },
    { arbitrary: soup, weight: 3 },
    { arbitrary: seeds.length > 0 ? spliced(seeds, fragment) : soup, weight: 6 },
    { arbitrary: seeds.length > 0 ? fc.constantFrom(...seeds) : soup, weight: 1 },
  );
}

/** Extreme 32/64-bit little-endian values to overwrite length fields with. */
const EXTREMES = [0, 1, 0x7f, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 0x80000000];

/**
 * Hostile bytes: random bytes, and seeds truncated, with flipped bytes, or with an extreme u32
 * written at a random offset (length and offset fields).
 */
export function hostileBytes(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const mutated = fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.array(
        fc.record({
          kind: fc.constantFrom("flip", "u32", "truncate", "insert", "delete"),
          at: fc.double({ min: 0, max: 1, noNaN: true }),
          value: fc.constantFrom(...EXTREMES),
          bytes: fc.uint8Array({ maxLength: 16 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([seed, edits]) => {
      let b: Uint8Array = Uint8Array.from(seed);
      for (const e of edits) {
        const i = Math.floor(e.at * b.length);
        if (e.kind === "flip" && b.length > 0) b[Math.min(i, b.length - 1)]! ^= 1 << (e.value & 7);
        else if (e.kind === "u32" && b.length >= 4) {
          const j = Math.min(i, b.length - 4);
          new DataView(b.buffer, b.byteOffset).setUint32(j, e.value >>> 0, true);
        } else if (e.kind === "truncate") b = b.subarray(0, i);
        else if (e.kind === "insert") b = concat(b.subarray(0, i), e.bytes, b.subarray(i));
        else if (e.kind === "delete") b = concat(b.subarray(0, i), b.subarray(i + 1 + (e.value & 15)));
      }
      return b;
    });
  return fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 512 }), weight: 1 },
    { arbitrary: mutated, weight: 6 },
    { arbitrary: fc.constantFrom(...seeds), weight: 1 },
  );
}

/** Concatenates byte arrays. */
function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Size of the large inputs (bytes), `FUZZ_LARGE_KB` (default 128). */
export const LARGE_BYTES = Number(process.env.FUZZ_LARGE_KB ?? 128) * 1024;
/**
 * Size of the large inputs of config loaders (YAML specs and breaker configs are a few KB):
 * a quarter of {@link LARGE_BYTES}, so a quadratic YAML path costs seconds, not minutes.
 */
export const CONFIG_BYTES = LARGE_BYTES / 4;

/** `unit` repeated to about `bytes` UTF-16 units. */
export function repeatTo(unit: string, bytes = LARGE_BYTES): string {
  return unit.repeat(Math.max(1, Math.floor(bytes / Math.max(1, unit.length))));
}

/** Deterministic pseudo-random printable ASCII with newlines (mulberry32). */
function randomPrintable(bytes = LARGE_BYTES, seed = 42): string {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const codes = new Array<number>(bytes);
  for (let i = 0; i < bytes; i++) codes[i] = next() < 0.02 ? 10 : 32 + Math.floor(next() * 95);
  let out = "";
  for (let i = 0; i < codes.length; i += 8192) out += String.fromCharCode(...codes.slice(i, i + 8192));
  return out;
}

/**
 * The standard large text inputs: `baseline` ones (valid seeds repeated) set the median; random
 * text, long runs, deep nesting, lone surrogates and huge numbers are compared with it, with the
 * target's `extra` ones.
 */
export function largeText(
  baseline: readonly string[],
  extra: ReadonlyArray<LargeInput<string>> = [],
  bytes = LARGE_BYTES,
): Array<LargeInput<string>> {
  const out: Array<LargeInput<string>> = baseline.map((seed, i) => ({
    label: `baseline ${i}`,
    input: repeatTo(seed, bytes),
    baseline: true,
  }));
  out.push({ label: "random printable", input: randomPrintable(bytes) });
  for (const c of RUN_CHARS) out.push({ label: `run of ${JSON.stringify(c)}`, input: repeatTo(c, bytes) });
  for (const o of ["[", "{", '{"a":', "- "])
    out.push({ label: `nesting ${JSON.stringify(o)}`, input: repeatTo(o, bytes) });
  out.push({ label: "huge number", input: repeatTo("9", bytes) });
  out.push({ label: "lone surrogates mixed", input: repeatTo("a\uD800b\uDFFF", bytes) });
  out.push(...extra);
  return out;
}

/** A valid JSON array of `item` (a JSON text) repeated to about {@link LARGE_BYTES}. */
export function jsonArrayOf(item: string, bytes = LARGE_BYTES): string {
  const n = Math.max(1, Math.floor(bytes / (item.length + 1)));
  return `[${new Array<string>(n).fill(item).join(",")}]`;
}

/** Large byte inputs: baseline seeds repeated, random bytes, runs of 0x00 / 0xff. */
export function largeBytes(
  baseline: readonly Uint8Array[],
  extra: ReadonlyArray<LargeInput<Uint8Array>> = [],
): Array<LargeInput<Uint8Array>> {
  const out: Array<LargeInput<Uint8Array>> = baseline.map((seed, i) => ({
    label: `baseline ${i}`,
    input: repeatBytes(seed),
    baseline: true,
  }));
  const random = new Uint8Array(LARGE_BYTES);
  let x = 2463534242;
  for (let i = 0; i < random.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    random[i] = x & 0xff;
  }
  out.push({ label: "random bytes", input: random });
  out.push({ label: "zeros", input: new Uint8Array(LARGE_BYTES) });
  out.push({ label: "0xff", input: new Uint8Array(LARGE_BYTES).fill(0xff) });
  out.push(...extra);
  return out;
}

/** `seed` repeated to about {@link LARGE_BYTES}. */
function repeatBytes(seed: Uint8Array, bytes = LARGE_BYTES): Uint8Array {
  const n = Math.max(1, Math.floor(bytes / Math.max(1, seed.length)));
  const out = new Uint8Array(n * seed.length);
  for (let i = 0; i < n; i++) out.set(seed, i * seed.length);
  return out;
}
