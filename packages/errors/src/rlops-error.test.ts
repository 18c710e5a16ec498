import { describe, expect, it } from "vitest";
import { isRlopsError, RlopsError } from "./index.js";

class AError extends RlopsError<"A1" | "A2"> {
  static override readonly marker = RlopsError.markerFor("a");
}
class BError extends RlopsError<"B1"> {
  static override readonly marker = RlopsError.markerFor("b");
}

describe("RlopsError", () => {
  it("keeps code, message, cause and details", () => {
    const cause = new Error("root");
    const e = new AError({ code: "A1", message: "m", cause, details: { path: "x" } });
    expect(e.code).toBe("A1");
    expect(e.message).toBe("m");
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual({ path: "x" });
    expect(e.name).toBe("AError");
    expect(e.package).toBe("@rlops/a");
    expect(e).toBeInstanceOf(Error);
    expect(e.toJSON()).toEqual({ name: "AError", code: "A1", message: "m", details: { path: "x" } });
  });

  it("isInstance distinguishes packages and survives a second copy of the class", () => {
    const a = new AError({ code: "A2", message: "m" });
    expect(AError.isInstance(a)).toBe(true);
    expect(BError.isInstance(a)).toBe(false);
    expect(isRlopsError(a)).toBe(true);
    expect(isRlopsError(new Error("x"))).toBe(false);
    expect(isRlopsError(null)).toBe(false);
    // A duplicate install defines a distinct class with the same marker.
    class ACopy extends RlopsError<"A1"> {
      static override readonly marker = RlopsError.markerFor("a");
    }
    expect(ACopy.isInstance(a)).toBe(true);
    expect(a instanceof ACopy).toBe(false);
  });

  it("omits cause when none is given", () => {
    expect("cause" in new AError({ code: "A1", message: "m" })).toBe(false);
  });
});
