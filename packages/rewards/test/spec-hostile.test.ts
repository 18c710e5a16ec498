// Hostile spec texts: every one gives a typed RewardsError, many times in one process (the yaml
// library aborted Node on the second very deep flow input, and overflowed the stack on deep nesting).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scanYamlText } from "@rlops/errors";
import { describe, expect, it } from "vitest";
import { loadRewardSpec, MAX_SPEC_DEPTH, RewardsError } from "../src/index.js";
import { loadRewardSpecFile } from "../src/node.js";

function codeOf(text: string): string {
  try {
    loadRewardSpec(text);
    return "OK";
  } catch (error) {
    expect(RewardsError.isInstance(error), `untyped ${String(error)}`).toBe(true);
    return (error as RewardsError).code;
  }
}

/** A ~26 KB block-nested YAML mapping. */
function deepBlock(levels: number): string {
  return Array.from({ length: levels }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n");
}

const VALID = "version: 1\nname: x\nrewards:\n  - id: a\n    kind: verl.gsm8k\n";

describe("spec loading under hostile input", () => {
  it('"[".repeat(1000) twice (and many more times) stays a typed error', () => {
    for (let i = 0; i < 50; i++) expect(codeOf("[".repeat(1000))).toBe("SPEC_TOO_DEEP");
    for (let i = 0; i < 20; i++) expect(codeOf("{a: ".repeat(5000))).toBe("SPEC_TOO_DEEP");
  });
  it("a 26 KB deeply nested YAML is SPEC_TOO_DEEP, not RangeError", () => {
    const text = deepBlock(225);
    expect(text.length).toBeGreaterThan(25_000);
    expect(codeOf(text)).toBe("SPEC_TOO_DEEP");
    expect(codeOf("- ".repeat(13_000))).toBe("SPEC_TOO_DEEP");
    expect(codeOf(`rewards: ${"[".repeat(200)}${"]".repeat(200)}`)).toBe("SPEC_TOO_DEEP");
  });
  it("runs of stray indicators are refused before the YAML parser (it takes seconds on them)", () => {
    for (const text of [
      "]".repeat(131072),
      "}".repeat(131072),
      '"'.repeat(131072),
      `a: ${"]".repeat(5000)}`,
    ]) {
      expect(codeOf(text)).toBe("SPEC_PARSE");
    }
    expect(scanYamlText("a: ]", 64)).toEqual({ problem: "stray-indicator", char: "]", line: 1 });
    expect(scanYamlText('a: "x""y"', 64)).toEqual({ problem: "stray-indicator", char: '"', line: 1 });
    // indicators inside plain scalars, flow collections and multi-line quoted text are fine
    expect(scanYamlText("a: b]\nc: [1, 2]\nd: {x: 1}\ne: \"it's\"\nf: 'it''s'", 64)).toBeNull();
    expect(scanYamlText('a: "line one\n ] line two"\n', 64)).toBeNull();
  });

  it("brackets hidden behind a would-be quote still count", () => {
    // in flow context `x "y` is a plain scalar: the brackets after it are structure
    expect(scanYamlText(`[x "y ${"[".repeat(100)}`, MAX_SPEC_DEPTH)).not.toBeNull();
    expect(scanYamlText(`{a:"x ${"[".repeat(100)}`, MAX_SPEC_DEPTH)).not.toBeNull();
  });
  it("depth at the bound is accepted by the scan; real specs are far below it", () => {
    // the root line is one level, each open bracket one more
    const d = MAX_SPEC_DEPTH - 1;
    expect(scanYamlText("[".repeat(d) + "]".repeat(d), MAX_SPEC_DEPTH)).toBeNull();
    expect(scanYamlText(`a:\n  b: ${"[".repeat(d)}`, MAX_SPEC_DEPTH)).toEqual({
      problem: "too-deep",
      depth: MAX_SPEC_DEPTH + 1,
      line: 2,
    });
    expect(codeOf(VALID)).toBe("OK");
    // quoted and block-scalar text holding brackets is not structure
    const quoted = `${VALID}description: "${"[".repeat(200)}"\n`;
    expect(codeOf(quoted)).toBe("OK");
    const block = `description: |\n  ${"[".repeat(200)}\n    ${"{".repeat(100)}\n${VALID}`;
    expect(codeOf(block)).toBe("OK");
    expect(codeOf(JSON.stringify(loadRewardSpec(VALID)))).toBe("OK");
  });
  it("random hostile texts: only typed errors, in one process", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const atoms = [
      "[",
      "]",
      "{",
      "}",
      "- ",
      "? ",
      ": ",
      "\n",
      "  ",
      '"',
      "'",
      "#",
      "|",
      ">",
      "&a ",
      "*a",
      "x",
      ",",
    ];
    for (let n = 0; n < 400; n++) {
      let text = "";
      const len = Math.floor(rand() * 1500);
      for (let k = 0; k < len; k++) text += atoms[Math.floor(rand() * atoms.length)];
      codeOf(text);
    }
  });
  it("rewards check on a directory is a typed error", () => {
    const dir = mkdtempSync(join(tmpdir(), "rlops-spec-dir-"));
    expect(() => loadRewardSpecFile(dir)).toThrow(/is a directory; pass the spec file/);
    try {
      loadRewardSpecFile(join(dir, "missing.yaml"));
    } catch (error) {
      expect((error as RewardsError).code).toBe("INVALID_OPTIONS");
    }
  });
});
