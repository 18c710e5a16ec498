// Property tests: the regex-free parity scanners agree with the upstream regexes (run through JS RegExp on
// an alphabet where JS and Python semantics coincide: ASCII, no \r / \u2028 / \u2029), and never throw.
import fc from "fast-check";
import { describe, it } from "vitest";
import { computeAdvantages } from "../src/index.js";
import { countReasoningSteps, openR1CodeFormat, openR1Format } from "../src/kinds/parity/open-r1.js";
import { trlThinkFormat } from "../src/kinds/parity/trl.js";
import { verlGsm8kExtract } from "../src/kinds/parity/verl-gsm8k.js";

const pieces = [
  "<think>",
  "</think>",
  "<answer>",
  "</answer>",
  "\n",
  "x",
  " ",
  "```python",
  "```",
  "Step 1:",
  "1.",
  "-",
  "*",
  "First,",
  "#### ",
  "-",
  "12",
  ",",
  ".",
];
const text = fc.array(fc.constantFrom(...pieces), { maxLength: 24 }).map((xs) => xs.join(""));

/** Python `re.match` = a match starting at index 0; JS finds the leftmost match, so index 0 if one exists. */
function pyMatch(re: RegExp, s: string): number {
  const m = re.exec(s);
  return m !== null && m.index === 0 ? 1 : 0;
}

describe("parity scanners equal the upstream regexes", () => {
  it("open-r1 format_reward", () => {
    const re = /^<think>\n.*?\n<\/think>\n<answer>\n.*?\n<\/answer>$/ms;
    fc.assert(
      fc.property(text, (s) => openR1Format(s) === pyMatch(re, s)),
      { numRuns: 3000 },
    );
  });
  it("TRL think_format_reward", () => {
    const re = /^<think>(?!.*<think>)(.*?)<\/think>.*$/ms;
    fc.assert(
      fc.property(text, (s) => trlThinkFormat(s) === pyMatch(re, s)),
      { numRuns: 3000 },
    );
  });
  it("open-r1 code_format", () => {
    const re = /^<think>\n.*?\n<\/think>\n<answer>\n.*?```python.*?```.*?\n<\/answer>$/ms;
    fc.assert(
      fc.property(text, (s) => openR1CodeFormat(s, "python") === pyMatch(re, s)),
      { numRuns: 3000 },
    );
  });
  it("open-r1 reasoning_steps count", () => {
    const re = /(Step \d+:|^\d+\.|\n-|\n\*|First,|Second,|Next,|Finally,)/g;
    fc.assert(
      fc.property(text, (s) => countReasoningSteps(s) === (s.match(re) ?? []).length),
      { numRuns: 3000 },
    );
  });
  it("verl gsm8k strict / flexible extraction", () => {
    const strict = /#### (-?[0-9.,]+)/g;
    const flex = /(-?[0-9.,]+)/g;
    fc.assert(
      fc.property(text, (s) => {
        const tail = s.slice(-300);
        const st = [...tail.matchAll(strict)].map((m) => m[1]!);
        const expectStrict = st.length ? st.at(-1)!.replaceAll(",", "").replaceAll("$", "") : null;
        const fl = [...tail.matchAll(flex)].map((m) => m[1]!);
        let expectFlex: string | null = null;
        for (let k = fl.length - 1; k >= 0; k--) {
          expectFlex = fl[k]!;
          if (expectFlex !== "" && expectFlex !== ".") break;
        }
        return (
          verlGsm8kExtract(s, "strict") === expectStrict && verlGsm8kExtract(s, "flexible") === expectFlex
        );
      }),
      { numRuns: 3000 },
    );
  });
});

describe("advantage invariants", () => {
  const group = fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 2, maxLength: 16 });
  it("GRPO / mean-centered / RLOO advantages of a group sum to ~0 and are finite", () => {
    fc.assert(
      fc.property(
        group,
        fc.constantFrom("grpo", "mean-centered", "rloo") as fc.Arbitrary<"grpo" | "mean-centered" | "rloo">,
        (g, estimator) => {
          const a = computeAdvantages([g], {
            scale: "group",
            std: "sample",
            epsilon: 1e-4,
            singleton: "zero",
            estimator,
          })[0]!;
          const sum = a.reduce((x, y) => x + y, 0);
          return (
            a.every(Number.isFinite) && Math.abs(sum) < 1e-6 * Math.max(1, ...a.map(Math.abs)) * g.length
          );
        },
      ),
    );
  });
});
