import { expectTypeOf, test } from "vitest";
import { RlopsError } from "./index.js";

class TypedError extends RlopsError<"ONE" | "TWO"> {
  static override readonly marker = RlopsError.markerFor("typed");
}

test("code is the declared union and isInstance narrows to the subclass", () => {
  const value: unknown = new TypedError({ code: "ONE", message: "m" });
  if (TypedError.isInstance(value)) {
    expectTypeOf(value).toEqualTypeOf<TypedError>();
    expectTypeOf(value.code).toEqualTypeOf<"ONE" | "TWO">();
  }
  // @ts-expect-error an undeclared code is rejected
  new TypedError({ code: "THREE", message: "m" });
});
