const ROOT_MARKER = Symbol.for("rlops.error");

/** Options accepted by every rlops error constructor. */
export interface RlopsErrorOptions<Code extends string = string> {
  /** Stable, machine-readable code, e.g. `"SPEC_INVALID"`. Never changes between releases. */
  code: Code;
  /** Human-readable message: says what went wrong and where. Not a stable API. */
  message: string;
  /** The underlying error, preserved as `error.cause`. */
  cause?: unknown;
  /** Extra structured context (paths, offsets, values) a caller may need. */
  details?: Record<string, unknown>;
}

/**
 * Base class of every error thrown by an `@rlops/*` package.
 *
 * Each package subclasses it once (e.g. `HarmonyError`) and gives the subclass its own marker
 * through {@link RlopsError.markerFor}. `isInstance` checks use `Symbol.for` markers, so they work
 * across duplicate installs where `instanceof` does not.
 *
 * @example
 * ```ts
 * class MyError extends RlopsError<"BAD"> {
 *   static override readonly marker = RlopsError.markerFor("my-pkg");
 *   static override readonly errorName = "MyError";
 *   declare readonly name: "MyError";
 * }
 * ```
 */
export class RlopsError<Code extends string = string> extends Error {
  /** Marker of this class; subclasses override it with {@link RlopsError.markerFor}. */
  static readonly marker: symbol = ROOT_MARKER;
  /**
   * Stable name of this class, used as `error.name` (class names can be mangled by minifiers).
   * Subclasses set it to a literal, e.g. `static override readonly errorName = "HarmonyError"`, and
   * may narrow the instance type with `declare readonly name: "HarmonyError"`.
   */
  static readonly errorName: string = "RlopsError";
  /** Stable error code. */
  readonly code: Code;
  /** Structured context. */
  readonly details: Record<string, unknown>;
  /** Name of the package that threw, e.g. `"@rlops/harmony-format"`. */
  readonly package: string;

  constructor(options: RlopsErrorOptions<Code>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.details = options.details ?? {};
    const ctor = new.target as typeof RlopsError;
    // A subclass without its own errorName inherits the parent's: fall back to the class name then.
    this.name = Object.hasOwn(ctor, "errorName") ? ctor.errorName : ctor.name;
    this.package = Symbol.keyFor(ctor.marker)?.replace(/^rlops\.error\./, "@rlops/") ?? "@rlops";
    Object.defineProperty(this, ROOT_MARKER, { value: true, enumerable: false });
    if (ctor.marker !== ROOT_MARKER)
      Object.defineProperty(this, ctor.marker, { value: true, enumerable: false });
  }

  /** The marker symbol for a package's error class: `Symbol.for("rlops.error.<pkg>")`. */
  static markerFor(packageName: string): symbol {
    return Symbol.for(`rlops.error.${packageName}`);
  }

  /**
   * True if `error` was created by this class (or a subclass), even from another copy of the package.
   * `RlopsError.isInstance` matches any rlops error.
   */
  static isInstance<T>(this: { readonly marker: symbol; readonly prototype: T }, error: unknown): error is T {
    return (
      typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[this.marker] === true
    );
  }

  /** A JSON-safe view: `{name, code, message, details}`. */
  toJSON(): { name: string; code: Code; message: string; details: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/** True for any error thrown by an `@rlops/*` package (survives duplicate installs). */
export function isRlopsError(error: unknown): error is RlopsError {
  return RlopsError.isInstance(error);
}
