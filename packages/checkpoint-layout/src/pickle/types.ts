/**
 * A value read from a pickle. Nothing is executed or constructed: classes and functions are
 * recorded by name.
 *
 * - `null`, `boolean`, `number` (floats and ints that fit 2^53), `bigint` (larger ints), `string`
 * - `Uint8Array` for `bytes` / `bytearray`
 * - `PickleValue[]` for lists
 * - {@link PickleTuple}, {@link PickleDict}, {@link PickleSet}, {@link PickleGlobal},
 *   {@link PickleObject} (a `REDUCE` / `NEWOBJ` / `BUILD` of a global), {@link PicklePersistent}
 *   (a persistent id, e.g. a torch tensor storage)
 */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PickleTuple
  | PickleDict
  | PickleSet
  | PickleGlobal
  | PickleObject
  | PicklePersistent;

/** A Python tuple. */
export interface PickleTuple {
  kind: "tuple";
  items: PickleValue[];
}
/** A Python dict, in insertion order (keys may be any value). */
export interface PickleDict {
  kind: "dict";
  entries: Array<[PickleValue, PickleValue]>;
  /** Attributes set by `BUILD` on a dict subclass (e.g. an `OrderedDict` state dict's `_metadata`). */
  state?: PickleValue;
}
/** A Python set or frozenset. */
export interface PickleSet {
  kind: "set";
  items: PickleValue[];
}
/** A class or function named by `GLOBAL` / `STACK_GLOBAL` (never imported). */
export interface PickleGlobal {
  kind: "global";
  /** `module.Name`, e.g. `transformers.training_args.TrainingArguments`. */
  name: string;
}
/** The result of calling or instantiating a global: recorded, never constructed. */
export interface PickleObject {
  kind: "object";
  /** `module.Name` of the callable. */
  $class: string;
  /** Positional arguments (`REDUCE` / `NEWOBJ`). */
  args: PickleValue[];
  /** State given by `BUILD` (usually a dict of attributes), `undefined` when none. */
  state?: PickleValue;
  /** Items set by `SETITEM(S)` on a dict subclass, `undefined` when none. */
  items?: PickleDict;
}
/** A persistent id (`BINPERSID`): torch uses it for tensor storages. Recorded, not resolved. */
export interface PicklePersistent {
  kind: "persid";
  pid: PickleValue;
}
