import { scanYamlText } from "@rlops/errors";
import { describe, expect, it } from "vitest";
import { loadBreakerConfig } from "../src/index.js";

const good = `rules:
  - name: r
    metric: "a[b"   # a quoted bracket is not nesting
    kind: zero
    trigger: { consecutive: 3 }
`;

describe("breaker config depth limit", () => {
  it("measures block and flow nesting", () => {
    expect(scanYamlText(good, 6)).toBeNull();
    expect(scanYamlText("[".repeat(100), 64)).toEqual({ problem: "too-deep", depth: 65, line: 1 });
    expect(scanYamlText(`${"- ".repeat(80)}x`, 64)).toMatchObject({ problem: "too-deep", line: 1 });
    expect(loadBreakerConfig(good).rules[0]!.metric).toBe("a[b");
  });

  it("hostile nesting is CONFIG_TOO_DEEP before the parser, many times in one process", () => {
    const block = Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i)}a:`).join("\n");
    const hostile = [
      "[".repeat(1000),
      "{".repeat(100_000),
      `${"- ".repeat(5000)}x`,
      block,
      `a: ${"[".repeat(70)}`,
    ];
    for (let round = 0; round < 50; round++)
      for (const text of hostile)
        expect(() => loadBreakerConfig(text)).toThrow(expect.objectContaining({ code: "CONFIG_TOO_DEEP" }));
  });

  it("runs of stray indicators are INVALID_CONFIG before the parser (it took minutes on them)", () => {
    for (const text of ["]".repeat(131072), "}".repeat(131072), '"'.repeat(131072)])
      expect(() => loadBreakerConfig(text)).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
  });

  it("bad YAML is INVALID_CONFIG (a RecoveryError)", () => {
    expect(() => loadBreakerConfig("rules: [a, b")).toThrow(
      expect.objectContaining({ code: "INVALID_CONFIG" }),
    );
  });
});
