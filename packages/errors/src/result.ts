import { RlopsError } from "./rlops-error.js";

/**
 * The outcome of a `safe*` call: the value, or the typed error it would have thrown
 * (the `{ success, data, error }` idea of zod's `safeParse`, named `ok`/`value`/`error`).
 */
export type Result<T, E = RlopsError> = { ok: true; value: T } | { ok: false; error: E };

/** A successful {@link Result}. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** A failed {@link Result}. */
export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

/**
 * Runs `fn` and returns its value as a {@link Result}; rlops errors become `{ ok: false }`, anything
 * else (a bug) is rethrown. Works with sync and async functions.
 *
 * @example
 * ```ts
 * const result = await safely(() => loadThing(path));
 * if (!result.ok) console.error(result.error.code);
 * ```
 */
export function safely<T>(fn: () => Promise<T>): Promise<Result<T>>;
export function safely<T>(fn: () => T): Result<T>;
export function safely<T>(fn: () => T | Promise<T>): Result<T> | Promise<Result<T>> {
  const fail = (error: unknown): Result<T> => {
    if (RlopsError.isInstance(error)) return err(error);
    throw error;
  };
  try {
    const value = fn();
    if (value instanceof Promise) return value.then((v) => ok(v), fail);
    return ok(value);
  } catch (error) {
    return fail(error);
  }
}
