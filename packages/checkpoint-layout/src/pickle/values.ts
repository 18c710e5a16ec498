import { CheckpointError } from "../errors.js";
import type { PickleDict, PickleObject, PickleValue } from "./types.js";

/** True for a pickled dict. */
export function isDict(v: PickleValue | undefined): v is PickleDict {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "kind" in v && v.kind === "dict";
}

/** True for a recorded object (`REDUCE` / `NEWOBJ` / `BUILD`). */
export function isObject(v: PickleValue | undefined): v is PickleObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "kind" in v && v.kind === "object";
}

/** The value stored under string `key` in a pickled dict (last one wins, like Python). */
export function dictGet(d: PickleValue | undefined, key: string): PickleValue | undefined {
  if (!isDict(d)) return undefined;
  let out: PickleValue | undefined;
  for (const [k, v] of d.entries) if (k === key) out = v;
  return out;
}

/**
 * The attribute dict of a recorded object: its `BUILD` state (a dict, or the `(dict, slots)` pair of
 * `__reduce_ex__`), or `undefined`.
 */
export function objectState(o: PickleValue | undefined): PickleDict | undefined {
  if (!isObject(o)) return undefined;
  const s = o.state;
  if (isDict(s)) return s;
  if (typeof s === "object" && s !== null && !Array.isArray(s) && "kind" in s && s.kind === "tuple") {
    const merged: PickleDict = { kind: "dict", entries: [] };
    for (const part of s.items) if (isDict(part)) merged.entries.push(...part.entries);
    return merged;
  }
  return undefined;
}

/** Bounds of {@link toPlain}. */
export interface PlainLimits {
  maxDepth?: number;
  maxNodes?: number;
}

/**
 * Converts a pickled value to plain JSON-like data: dicts with string keys → objects (other keys →
 * `{$dict: [[k, v], …]}`), tuples and sets → arrays, recorded objects → `{$class, args, state}`,
 * globals → `{$global}`, persistent ids → `{$persistent}`, bytes → `{$bytes: length}`, enums
 * (`REDUCE` of an `Enum` class with one argument) stay `{$class, args}`. Bounded in depth and
 * nodes (shared sub-values are counted each time), `PICKLE_LIMIT` beyond.
 */
export function toPlain(v: PickleValue, limits: PlainLimits = {}): unknown {
  const maxDepth = limits.maxDepth ?? 64;
  const budget = { left: limits.maxNodes ?? 100_000 };
  return plain(v, 0, maxDepth, budget);
}

function plain(v: PickleValue, depth: number, maxDepth: number, budget: { left: number }): unknown {
  if (--budget.left < 0 || depth > maxDepth)
    throw new CheckpointError({
      code: "PICKLE_LIMIT",
      message: `pickle value too large or deep to convert (depth ${depth})`,
    });
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Uint8Array) return { $bytes: v.length };
  const next = (x: PickleValue) => plain(x, depth + 1, maxDepth, budget);
  if (Array.isArray(v)) return v.map(next);
  switch (v.kind) {
    case "tuple":
    case "set":
      return v.items.map(next);
    case "dict": {
      if (v.entries.every(([k]) => typeof k === "string")) {
        const o: Record<string, unknown> = {};
        for (const [k, x] of v.entries)
          Object.defineProperty(o, k as string, {
            value: next(x),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        return o;
      }
      return { $dict: v.entries.map(([k, x]) => [next(k), next(x)]) };
    }
    case "global":
      return { $global: v.name };
    case "persid":
      return { $persistent: next(v.pid) };
    case "object": {
      const o: Record<string, unknown> = { $class: v.$class, args: v.args.map(next) };
      if (v.state !== undefined) o.state = next(v.state);
      if (v.items !== undefined) o.items = next(v.items);
      return o;
    }
  }
}
