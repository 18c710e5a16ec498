import { describe, expect, it } from "vitest";
import { err, formatIssuePath, fromZodError, messageOf, ok, RlopsError, safely } from "./index.js";

class KitError extends RlopsError<"BAD" | "WORSE"> {
  static override readonly marker = RlopsError.markerFor("kit");
  static override readonly errorName = "KitError";
  declare readonly name: "KitError";
}
class Minified extends RlopsError<"X"> {
  static override readonly marker = RlopsError.markerFor("min");
}

describe("formatIssuePath", () => {
  it("uses one style: dots for keys, brackets for indices, quotes for ambiguous keys", () => {
    expect(formatIssuePath(["rewards", 2, "params", "maxTokens"])).toBe("rewards[2].params.maxTokens");
    expect(formatIssuePath([0, "a"])).toBe("[0].a");
    expect(formatIssuePath(["metrics", "train/reward"])).toBe("metrics.train/reward");
    expect(formatIssuePath(["metrics", "a.b", "c d", ""])).toBe('metrics["a.b"]["c d"][""]');
    expect(formatIssuePath([])).toBe("(root)");
    expect(formatIssuePath([Symbol("s")])).toBe("Symbol(s)");
  });
});

describe("fromZodError", () => {
  it("names the first issue with its path, counts the rest, and keeps every issue as a Diagnostic", () => {
    // the shape of a zod 4 ZodError (this package has no zod dependency; recovery tests use real zod)
    const zodError = {
      issues: [
        { code: "invalid_type", path: ["rules", 0, "metric"], message: "Invalid input: expected string" },
        { code: "invalid_type", path: ["rules", 0, "k"], message: "Invalid input: expected number" },
      ],
    };
    const parsed = { error: zodError };
    const error = fromZodError(KitError, "BAD", parsed.error, { where: "breaker.yaml" });
    expect(error).toBeInstanceOf(KitError);
    expect(error.code).toBe("BAD");
    expect(error.message).toMatch(/^breaker\.yaml: rules\[0\]\.metric: .+ \(and 1 more\)$/);
    expect(error.details.issues).toEqual([
      expect.objectContaining({ path: "rules[0].metric" }),
      expect.objectContaining({ path: "rules[0].k" }),
    ]);
    expect(error.cause).toBe(parsed.error);
  });

  it("prefixes a path and works without where", () => {
    const error = fromZodError(
      KitError,
      "WORSE",
      { issues: [{ path: [1], message: "no" }] },
      { prefix: ["items"] },
    );
    expect(error.message).toBe("items[1]: no");
  });
});

describe("messageOf", () => {
  it("reads errors, strings, message-like objects and anything else", () => {
    expect(messageOf(new Error("boom"))).toBe("boom");
    expect(messageOf("plain")).toBe("plain");
    expect(messageOf({ message: "obj" })).toBe("obj");
    expect(messageOf(42)).toBe("42");
    expect(messageOf(null)).toBe("null");
    expect(messageOf(Object.create(null))).toBe("[object Object]");
  });
});

describe("stable names", () => {
  it("uses the literal errorName, else the class name", () => {
    const e = new KitError({ code: "BAD", message: "m" });
    expect(e.name).toBe("KitError");
    expect(e.toJSON().name).toBe("KitError");
    expect(new Minified({ code: "X", message: "m" }).name).toBe("Minified");
    expect(new RlopsError({ code: "Y", message: "m" }).name).toBe("RlopsError");
  });
});

describe("Result", () => {
  it("ok/err build both arms and safely catches rlops errors only", async () => {
    expect(ok(1)).toEqual({ ok: true, value: 1 });
    const e = new KitError({ code: "BAD", message: "m" });
    expect(err(e)).toEqual({ ok: false, error: e });
    expect(safely(() => 2)).toEqual({ ok: true, value: 2 });
    expect(
      safely(() => {
        throw e;
      }),
    ).toEqual({ ok: false, error: e });
    await expect(safely(async () => 3)).resolves.toEqual({ ok: true, value: 3 });
    await expect(safely(async () => Promise.reject(e))).resolves.toEqual({ ok: false, error: e });
    expect(() =>
      safely(() => {
        throw new TypeError("bug");
      }),
    ).toThrow(TypeError);
  });
});
