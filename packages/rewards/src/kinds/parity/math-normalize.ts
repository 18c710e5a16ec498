// verl `reward_score/math_dapo.py` answer normalisation (`normalize_final_answer`): the regex
// substitutions rewritten as linear scans.
import { pyIsDigit, pyStrip } from "../../py.js";

/** verl `math_dapo.SUBSTITUTIONS`. */
const SUBSTITUTIONS: readonly (readonly [string, string])[] = [
  ["an ", ""],
  ["a ", ""],
  [".$", "$"],
  ["\\$", ""],
  ["\\ ", ""],
  [" ", ""],
  ["mbox", "text"],
  [",\\text{and}", ","],
  ["\\text{and}", ","],
  ["\\text{m}", "\\text{}"],
];

/** verl `math_dapo.REMOVED_EXPRESSIONS`. */
const REMOVED_EXPRESSIONS: readonly string[] = [
  "square",
  "ways",
  "integers",
  "dollars",
  "mph",
  "inches",
  "hours",
  "km",
  "units",
  "\\ldots",
  "sue",
  "points",
  "feet",
  "minutes",
  "digits",
  "cents",
  "degrees",
  "cm",
  "gm",
  "pounds",
  "meters",
  "meals",
  "edges",
  "students",
  "childrentickets",
  "multiples",
  "\\text{s}",
  "\\text{.}",
  "\\text{\ns}",
  "\\text{}^2",
  "\\text{}^3",
  "\\text{\n}",
  "\\text{}",
  "\\mathrm{th}",
  "^\\circ",
  "^{\\circ}",
  "\\;",
  ",\\!",
  "{,}",
  '"',
  "\\dots",
];

/** `re.sub(r"(.*?)(\$)(.*?)(\$)(.*)", "$\3$", s)`: per line with two `$`, keep `$between$`. */
function subDollar(s: string): string {
  return s
    .split("\n")
    .map((line) => {
      const a = line.indexOf("$");
      if (a < 0) return line;
      const b = line.indexOf("$", a + 1);
      return b < 0 ? line : `$${line.slice(a + 1, b)}$`;
    })
    .join("\n");
}

/**
 * One `re.sub` pass as a scan: at each occurrence of `literal` (left to right, never overlapping a
 * replaced span), `match(s, i)` gives `[replacement, end]` to replace `s[i, end)`, or `null` to move on.
 */
function subAt(s: string, literal: string, match: (s: string, i: number) => [string, number] | null): string {
  let out = "";
  let pos = 0;
  let i = s.indexOf(literal);
  while (i >= 0) {
    const m = match(s, i);
    if (m) {
      out += s.slice(pos, i) + m[0];
      pos = m[1];
      i = s.indexOf(literal, pos);
    } else i = s.indexOf(literal, i + 1);
  }
  return out + s.slice(pos);
}

/** `re.sub(r"(<prefix>)(.*?)(\})", "\2", s)` (lazy, `.` excludes newline). */
function subLazyWrap(s: string, prefix: string): string {
  return subAt(s, prefix, (t, i) => {
    const bodyStart = i + prefix.length;
    const close = t.indexOf("}", bodyStart);
    const nl = t.indexOf("\n", bodyStart);
    return close >= 0 && (nl < 0 || close < nl) ? [t.slice(bodyStart, close), close + 1] : null;
  });
}

/** `re.sub(r"(\\boxed\{)(.*)(\})", "\2", s)` (greedy to the last `}` of the line). */
function subGreedyBoxed(s: string): string {
  return subAt(s, "\\boxed{", (t, i) => {
    const bodyStart = i + 7;
    let lineEnd = t.indexOf("\n", bodyStart);
    if (lineEnd < 0) lineEnd = t.length;
    const close = t.lastIndexOf("}", lineEnd - 1);
    return close >= bodyStart ? [t.slice(bodyStart, close), close + 1] : null;
  });
}

/** `re.sub(r"(frac)([^{])(.)", r"frac{\2}{\3}", s)` then `re.sub(r"(sqrt)([^{])", r"sqrt{\2}", s)`. */
function subShorthand(s: string): string {
  const fracs = subAt(s, "frac", (t, i) => {
    const a = t[i + 4];
    const b = t[i + 5];
    return a !== undefined && a !== "{" && b !== undefined && b !== "\n" ? [`frac{${a}}{${b}}`, i + 6] : null;
  });
  return subAt(fracs, "sqrt", (t, i) => {
    const a = t[i + 4];
    return a !== undefined && a !== "{" ? [`sqrt{${a}}`, i + 5] : null;
  });
}

/** verl `math_dapo.normalize_final_answer`. */
export function normalizeFinalAnswer(answer: string): string {
  let s = answer.split("=").at(-1)!;
  for (const [before, after] of SUBSTITUTIONS) s = s.replaceAll(before, after);
  for (const expr of REMOVED_EXPRESSIONS) s = s.replaceAll(expr, "");
  s = subDollar(s);
  s = subLazyWrap(s, "\\text{");
  s = subLazyWrap(s, "\\textbf{");
  s = subLazyWrap(s, "\\overline{");
  s = subGreedyBoxed(s);
  s = subShorthand(s);
  s = s.replaceAll("$", "");
  if (pyIsDigit(s.replaceAll(",", ""))) s = s.replaceAll(",", "");
  return pyStrip(s);
}
