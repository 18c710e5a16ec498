// A linear pre-scan of untrusted YAML/JSON text, run before the YAML parser sees it. The parser recurses
// per level (deep input overflows the stack, very deep flow input has aborted Node) and records one error
// per character on runs of stray indicators (`]]]]`, `""""`: 45 KB/s), so both are refused here first.
// Conservative by construction: it may count a level the parser would not (a bracket in a plain
// scalar, a multi-line quoted string), never the other way round; a stray indicator it reports is one
// the YAML grammar rejects too.

/** What {@link scanYamlText} found that the YAML parser must not be given. */
export type YamlScanProblem =
  | { problem: "too-deep"; depth: number; line: number }
  | { problem: "stray-indicator"; char: string; line: number };

const SPACE = 32;
const TAB = 9;
const NL = 10;
const CR = 13;

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** Where the nesting of `text` first exceeds `limit`: `{depth, line}`, or `null` when it never does. */
/**
 * One linear pass over YAML/JSON text: `too-deep` when block indentation levels plus flow brackets nest
 * deeper than `limit` (with the line where it happens), `stray-indicator` for a token that opens with
 * `]` or `}` outside any flow collection or a quoted scalar glued to the one before (`"a""b"`): both are
 * YAML errors, and long runs of them make the parser slow. `null` when the text may be parsed.
 *
 * @example
 * ```ts
 * scanYamlText("a: [[[1]]]", 64); // null
 * scanYamlText("a: ]", 64); // { problem: "stray-indicator", char: "]", line: 1 }
 * ```
 */
// long-function: one pass of a line-oriented scanner; splitting it would pass its cursor state around
export function scanYamlText(text: string, limit: number): YamlScanProblem | null {
  const indents: number[] = [];
  let flow = 0;
  let line = 1;
  let i = 0;
  let blockScalarParent = -1; // indent of the line that opened a block scalar (`|`, `>`), or -1
  let strayChecks = true;
  const n = text.length;
  while (i < n) {
    // start of a line
    let col = 0;
    while (i < n && text.charCodeAt(i) === SPACE) {
      i++;
      col++;
    }
    const first = i < n ? text.charCodeAt(i) : NL;
    const blank = first === NL || first === CR || first === 35; /* # */
    if (blockScalarParent >= 0 && (blank || col > blockScalarParent)) {
      // block scalar content: text, no structure
      while (i < n && text.charCodeAt(i) !== NL) i++;
      i++;
      line++;
      continue;
    }
    blockScalarParent = -1;
    if (!blank && flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1]! > col) indents.pop();
      if (indents.length === 0 || indents[indents.length - 1]! < col) indents.push(col);
      // compact nesting on one line: `- - x`, `? - x`
      let j = i;
      while (j + 1 < n) {
        const c = text.charCodeAt(j);
        if ((c === 45 /* - */ || c === 63) /* ? */ && isBlank(text.charCodeAt(j + 1))) {
          j += 2;
          while (j < n && isBlank(text.charCodeAt(j))) j++;
          indents.push(col + (j - i));
        } else break;
      }
      if (indents.length + flow > limit) return { problem: "too-deep", depth: indents.length + flow, line };
    }
    // the rest of the line: flow brackets, quotes, comments
    let prev = -1; // previous non-blank character on this line (-1 = none)
    let lastToken = -1; // index of the start of the last non-blank run (block scalar detection)
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === NL) break;
      if (c === 35 /* # */ && (prev === -1 || isBlank(text.charCodeAt(i - 1)))) {
        while (i < n && text.charCodeAt(i) !== NL) i++;
        break;
      }
      if ((c === 34 || c === 39) && opensQuote(text, i, prev)) {
        const start = i;
        i = skipQuoted(text, i, c);
        const closed = i - 1 > start && text.charCodeAt(i - 1) === c;
        // a quoted scalar that goes on over lines: its next lines are text, so stop judging indicators
        if (!closed) strayChecks = false;
        const next = i < n ? text.charCodeAt(i) : NL;
        if (strayChecks && (next === 34 || next === 39))
          return { problem: "stray-indicator", char: String.fromCharCode(next), line };
        prev = c;
        continue;
      }
      if (
        strayChecks &&
        (c === 93 /* ] */ || c === 125) /* } */ &&
        flow === 0 &&
        (prev === -1 || isBlank(text.charCodeAt(i - 1)))
      )
        return { problem: "stray-indicator", char: String.fromCharCode(c), line };
      if (c === 91 /* [ */ || c === 123 /* { */) {
        flow++;
        if (indents.length + flow > limit) return { problem: "too-deep", depth: indents.length + flow, line };
      } else if ((c === 93 /* ] */ || c === 125) /* } */ && flow > 0) flow--;
      if (!isBlank(c) && c !== CR) {
        if (prev === -1 || isBlank(text.charCodeAt(i - 1))) lastToken = i;
        prev = c;
      }
      i++;
    }
    if (flow === 0 && lastToken >= 0 && opensBlockScalar(text, lastToken, i)) blockScalarParent = col;
    i++;
    line++;
  }
  return null;
}

/** A quote starts a quoted scalar at line start or after an indicator (`[{,` adjacent; `:-?` then a blank). */
function opensQuote(text: string, at: number, prev: number): boolean {
  if (prev === -1) return true;
  let j = at - 1;
  const spaced = isBlank(text.charCodeAt(j));
  while (j >= 0 && isBlank(text.charCodeAt(j))) j--;
  const p = text.charCodeAt(j);
  if (p === 91 || p === 123 || p === 44) return true;
  return spaced && (p === 58 || p === 45 || p === 63);
}

/** Index after the closing quote, or of the end of the line when the quote does not close on it. */
function skipQuoted(text: string, at: number, quote: number): number {
  let i = at + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === NL) return i;
    if (quote === 34 && c === 92 /* \ */) i += 2;
    else if (c === quote) {
      if (quote === 39 && text.charCodeAt(i + 1) === 39) i += 2;
      else return i + 1;
    } else i++;
  }
  return i;
}

/** `|` or `>` with optional indicators ending the line's content, as a value or sequence entry. */
function opensBlockScalar(text: string, from: number, to: number): boolean {
  const c = text.charCodeAt(from);
  if (c !== 124 && c !== 62) return false;
  let j = from + 1;
  while (j < to) {
    const d = text.charCodeAt(j);
    if (d === 43 || d === 45 || (d >= 49 && d <= 57)) j++;
    else break;
  }
  while (j < to && (isBlank(text.charCodeAt(j)) || text.charCodeAt(j) === CR)) j++;
  if (j < to && text.charCodeAt(j) !== 35) return false;
  let k = from - 1;
  while (k >= 0 && isBlank(text.charCodeAt(k))) k--;
  const p = k < 0 ? NL : text.charCodeAt(k);
  return p === NL || p === 58 || p === 45 || p === 63;
}
