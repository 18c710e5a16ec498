// Helpers reproducing Python string semantics used by the parity kinds.

/** The code points Python's `str.isspace()` accepts (Unicode bidi classes WS, B, S), as inclusive ranges. */
const PY_SPACE_RANGES: readonly (readonly [number, number])[] = [
  [0x09, 0x0d],
  [0x1c, 0x20],
  [0x85, 0x85],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];

/** One byte per BMP code unit up to U+3000: 1 where Python sees whitespace. */
const PY_SPACE = (() => {
  const table = new Uint8Array(0x3001);
  for (const [from, to] of PY_SPACE_RANGES) table.fill(1, from, to + 1);
  return table;
})();

/** Python `str.isspace()` for one code unit (BMP whitespace only; no astral whitespace exists). */
export function isPySpace(code: number): boolean {
  return code <= 0x3000 && PY_SPACE[code] === 1;
}

/** Python `str.split()` with no separator: splits on runs of whitespace, drops empty strings. */
export function pySplit(text: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isPySpace(text.charCodeAt(i))) {
      if (start >= 0) {
        out.push(text.slice(start, i));
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(text.slice(start));
  return out;
}

/** Python `str.strip()`. */
export function pyStrip(text: string): string {
  let a = 0;
  let b = text.length;
  while (a < b && isPySpace(text.charCodeAt(a))) a++;
  while (b > a && isPySpace(text.charCodeAt(b - 1))) b--;
  return text.slice(a, b);
}

const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

/** Python `len(str)`: number of code points. */
export function pyLen(text: string): number {
  if (!HIGH_SURROGATE.test(text)) return text.length;
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Python `s[-n:]` by code points. */
export function pyTail(text: string, n: number): string {
  if (text.length <= n) return text;
  let count = 0;
  let i = text.length;
  while (i > 0 && count < n) {
    const c = text.charCodeAt(i - 1);
    if (c >= 0xdc00 && c <= 0xdfff && i >= 2) {
      const h = text.charCodeAt(i - 2);
      if (h >= 0xd800 && h <= 0xdbff) i--;
    }
    i--;
    count++;
  }
  return text.slice(i);
}

/** Python `str.count(sub)`: non-overlapping occurrences. */
export function pyCount(text: string, sub: string): number {
  if (sub.length === 0) return pyLen(text) + 1;
  let n = 0;
  let i = text.indexOf(sub);
  while (i >= 0) {
    n++;
    i = text.indexOf(sub, i + sub.length);
  }
  return n;
}

const ND = /^\p{Nd}$/u;
const SUPERSCRIPT_DIGITS = new Set([
  "\u00b2",
  "\u00b3",
  "\u00b9",
  "\u2070",
  "\u2074",
  "\u2075",
  "\u2076",
  "\u2077",
  "\u2078",
  "\u2079",
]);

/** Python `str.isdigit()` (decimal digits plus superscript digits). */
export function pyIsDigit(text: string): boolean {
  if (text.length === 0) return false;
  for (const ch of text) {
    if (!(ND.test(ch) || SUPERSCRIPT_DIGITS.has(ch))) return false;
  }
  return true;
}

/** True if the code unit is a Python regex `\d` (Unicode decimal digit) in the BMP. */
export function isPyDigitChar(ch: string): boolean {
  return ND.test(ch);
}
