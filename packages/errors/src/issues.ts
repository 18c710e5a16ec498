import type { RlopsError, RlopsErrorOptions } from "./rlops-error.js";

/**
 * One problem found in some input: the shape every `@rlops/*` package uses for diagnostics
 * (tolerant parsers, validation issues, per-checkpoint problems).
 */
export interface Diagnostic<Code extends string = string> {
  /** Stable, machine-readable code, e.g. `"JSON_INVALID"`. */
  code: Code;
  /** Human-readable message: what, where, and what to do. */
  message: string;
  /** `"error"` (default when absent) makes the input unusable; `"warning"` and `"info"` do not. */
  severity?: "error" | "warning" | "info";
  /** Where: a file path, or a field path formatted with {@link formatIssuePath}. */
  path?: string;
  /** 1-based line of a text input, when known. */
  line?: number;
}

/** The structural part of a zod (v3 or v4) issue that {@link fromZodError} reads. */
export interface ZodIssueLike {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
}

/** The structural part of a `ZodError` that {@link fromZodError} reads (no zod dependency). */
export interface ZodErrorLike {
  issues: readonly ZodIssueLike[];
}

const PLAIN_KEY = /^[^.[\]"\s]+$/;

/**
 * Formats a validation path in the one style of every rlops message: keys joined with `.`,
 * array indices in brackets, keys that would be ambiguous quoted: `rules[2].trigger.consecutive`,
 * `metrics["a.b"]`. The empty path is `(root)`.
 *
 * @example
 * ```ts
 * formatIssuePath(["rewards", 2, "params", "maxTokens"]); // "rewards[2].params.maxTokens"
 * ```
 */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else {
      const key = typeof part === "symbol" ? part.toString() : part;
      if (PLAIN_KEY.test(key)) out += out === "" ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out === "" ? "(root)" : out;
}

/** The message of any thrown value: `error.message` for errors, the string itself, else `String(value)`. */
export function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === "string") return value;
  if (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { message?: unknown }).message === "string"
  )
    return (value as { message: string }).message;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Options of {@link fromZodError}. */
export interface FromZodErrorOptions {
  /** What was validated (a file path, a function name), prefixed to the message. */
  where?: string;
  /** Path prefix of the validated value inside a larger input. */
  prefix?: readonly PropertyKey[];
  /** Extra details merged into the error's `details`. */
  details?: Record<string, unknown>;
}

/**
 * Turns a zod validation error into a package error: the message names the first issue as
 * `<where>: <path>: <message> (and N more)`, `details.issues` holds every issue as a
 * {@link Diagnostic} (path in the {@link formatIssuePath} style), and the zod error is the `cause`.
 *
 * @example
 * ```ts
 * const parsed = schema.safeParse(value);
 * if (!parsed.success) throw fromZodError(MyError, "INVALID_CONFIG", parsed.error, { where: "config.yaml" });
 * ```
 */
export function fromZodError<E extends RlopsError>(
  ErrorClass: new (options: RlopsErrorOptions<E["code"]>) => E,
  code: NoInfer<E["code"]>,
  error: ZodErrorLike,
  options: FromZodErrorOptions = {},
): E {
  const prefix = options.prefix ?? [];
  const issues: Diagnostic[] = error.issues.map((issue) => ({
    code: issue.code ?? "invalid",
    message: issue.message,
    path: formatIssuePath([...prefix, ...issue.path]),
  }));
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  const body = first ? `${first.path}: ${first.message}${more}` : "invalid value";
  return new ErrorClass({
    code,
    message: options.where === undefined ? body : `${options.where}: ${body}`,
    cause: error,
    details: { ...options.details, issues },
  });
}
