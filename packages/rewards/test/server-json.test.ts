import { describe, expect, it } from "vitest";
import { jsonDepth, MAX_JSON_DEPTH, parseJsonBody } from "../src/server/json.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("request body nesting", () => {
  it.each([
    ["[]", 1],
    ['{"a":[{"b":[1]}]}', 4],
    ['"[[[["', 0],
    ['["\\"[[", [1]]', 2],
    ['["\\\\", [[1]]]', 3],
    ['{"a":"\\\\\\"[[["}', 1],
  ])("%s has depth %i", (text, depth) => {
    expect(jsonDepth(bytes(text), 64)).toBe(depth);
    expect(() => JSON.parse(text)).not.toThrow();
  });
  it("stops counting past the limit", () => {
    expect(jsonDepth(bytes("[".repeat(10_000_000)), MAX_JSON_DEPTH)).toBe(Number.POSITIVE_INFINITY);
  });
  it("refuses deep bodies before parsing and bad JSON after", () => {
    expect(() => parseJsonBody(bytes(`${"[".repeat(65)}${"]".repeat(65)}`))).toThrow(
      expect.objectContaining({ status: 400, code: "JSON_TOO_DEEP" }),
    );
    expect(parseJsonBody(bytes(`${"[".repeat(64)}${"]".repeat(64)}`))).toBeInstanceOf(Array);
    expect(() => parseJsonBody(bytes("{"))).toThrow(expect.objectContaining({ code: "BAD_JSON" }));
  });
});
