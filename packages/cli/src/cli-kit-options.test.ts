import { Command } from "commander";
import { describe, expect, it } from "vitest";
import {
  choiceOption,
  durationOption,
  humanBytes,
  intOption,
  listOption,
  parsedOption,
  stepOption,
  table,
} from "./cli-kit.js";
import { CliError } from "./errors.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return CliError.isInstance(error) ? `${error.code}: ${error.message}` : String(error);
  }
  return undefined;
}

describe("cli-kit option parsers", () => {
  it("intOption: digits, safe integers, at least min; BAD_FLAG names the flag", () => {
    expect(intOption("--k")("0")).toBe(0);
    expect(intOption("--k", 1)("12")).toBe(12);
    expect(codeOf(() => intOption("--k", 1)("0"))).toBe("BAD_FLAG: --k expects an integer ≥ 1, got 0");
    expect(codeOf(() => intOption("--k")("-1"))).toBe(
      'BAD_FLAG: --k expects a non-negative integer, got "-1"',
    );
    expect(codeOf(() => intOption("--k")("1e3"))).toMatch(/^BAD_FLAG: --k expects/);
    expect(codeOf(() => intOption("--k")("99999999999999999999"))).toMatch(/^BAD_FLAG: --k expects/);
  });

  it("stepOption keeps exact digits past 2^53", () => {
    expect(stepOption("--s")("123456789012345678901234")).toBe("123456789012345678901234");
    expect(codeOf(() => stepOption("--s")("12a"))).toMatch(/^BAD_FLAG: --s expects a non-negative integer/);
  });

  it("durationOption: ms, s, m, h and bare seconds to milliseconds", () => {
    const d = durationOption("--every");
    expect([d("500ms"), d("30s"), d("2m"), d("1h"), d("7")]).toEqual([500, 30_000, 120_000, 3_600_000, 7000]);
    expect(codeOf(() => d("5 minutes"))).toMatch(/^BAD_FLAG: --every expects a duration such as 30s/);
  });

  it("listOption: comma-separated values accumulate over repeats; empty items are refused", () => {
    const parse = listOption("--protect");
    expect(parse("c", parse("a, b", []))).toEqual(["a", "b", "c"]);
    expect(codeOf(() => parse("a,,b", []))).toBe(
      'BAD_FLAG: --protect expects comma-separated values, got "a,,b"',
    );
  });

  it("choiceOption and parsedOption: commander choices, parsers and defaults", () => {
    const program = new Command()
      .exitOverride()
      .addOption(choiceOption("--for <use>", "use", ["resume", "inference"], "resume"))
      .addOption(parsedOption("--every <n>", "n", intOption("--every", 1), 5));
    expect(program.parse([], { from: "user" }).opts()).toEqual({ for: "resume", every: 5 });
    expect(program.parse(["--for", "inference", "--every", "3"], { from: "user" }).opts()).toEqual({
      for: "inference",
      every: 3,
    });
    program.configureOutput({ writeErr: () => undefined });
    expect(() => program.parse(["--for", "nope"], { from: "user" })).toThrow(
      /Allowed choices are resume, inference/,
    );
  });
});

describe("cli-kit text helpers", () => {
  it("table pads every column but the last; humanBytes uses binary units", () => {
    expect(
      table([
        ["A", "BB", "C"],
        ["long", "x", "last"],
      ]),
    ).toBe("A     BB  C\nlong  x   last");
    expect([humanBytes(null), humanBytes(512), humanBytes(1536), humanBytes(3 * 1024 ** 3)]).toEqual([
      "-",
      "512 B",
      "1.5 KiB",
      "3.0 GiB",
    ]);
  });
});
