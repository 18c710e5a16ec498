import type { Opcode } from "./machine.js";
import { PickleMachine } from "./machine.js";
import { DATA_OPCODES } from "./opcodes-data.js";
import { CONTAINER_OPCODES, MEMO_OPCODES, OBJECT_OPCODES } from "./opcodes-struct.js";
import type { PickleValue } from "./types.js";

export type { PickleValue };

/** Bounds of {@link readPickle}. */
export interface PickleLimits {
  /** Largest input accepted (default 64 MiB). */
  maxBytes?: number;
  /** Largest number of opcodes executed (default 10,000,000). */
  maxOps?: number;
  /** Deepest nesting of containers (default 256). */
  maxDepth?: number;
}

const DEFAULTS = { maxBytes: 64 * 1024 * 1024, maxOps: 10_000_000, maxDepth: 256 };
const STOP = 0x2e;

/**
 * Every opcode the safe reader implements, by family (`STOP` ends the loop in {@link readPickle}).
 * @internal
 */
const OPCODES: readonly Opcode[] = [
  ...DATA_OPCODES,
  ...CONTAINER_OPCODES,
  ...OBJECT_OPCODES,
  ...MEMO_OPCODES,
];

/** Opcode byte → handler (a dense table: one lookup per opcode). */
const TABLE: Array<Opcode["run"] | undefined> = new Array(256).fill(undefined);
for (const op of OPCODES) {
  if (TABLE[op.code]) throw new Error(`pickle: opcode 0x${op.code.toString(16)} defined twice`);
  TABLE[op.code] = op.run;
}

/**
 * Reads a pickle (protocols 0–5, the opcodes `torch.save`, `pickle.dump` of dataclasses and
 * `torch.distributed.checkpoint` metadata use) without executing anything. Iterative (no recursion),
 * bounded by {@link PickleLimits}. Throws `CheckpointError` with code `PICKLE_INVALID` (malformed or
 * truncated), `PICKLE_UNSUPPORTED` (opcode not implemented, e.g. `EXT1`, out-of-band buffers) or
 * `PICKLE_LIMIT`.
 */
export function readPickle(bytes: Uint8Array, where = "pickle", limits: PickleLimits = {}): PickleValue {
  const maxBytes = limits.maxBytes ?? DEFAULTS.maxBytes;
  const maxOps = limits.maxOps ?? DEFAULTS.maxOps;
  const m: PickleMachine = new PickleMachine(bytes, where, limits.maxDepth ?? DEFAULTS.maxDepth);
  if (bytes.length > maxBytes)
    m.fail("PICKLE_LIMIT", `${bytes.length} bytes exceeds the ${maxBytes}-byte limit`, 0);
  let ops = 0;
  while (true) {
    if (++ops > maxOps) m.fail("PICKLE_LIMIT", `more than ${maxOps} opcodes`, m.pos);
    if (m.pos >= bytes.length) m.fail("PICKLE_INVALID", "truncated (no STOP opcode)", m.pos);
    const at = m.pos;
    const op = bytes[m.pos++]!;
    if (op === STOP) return m.pop(at);
    const run = TABLE[op];
    if (!run)
      m.fail(
        "PICKLE_UNSUPPORTED",
        `opcode 0x${op.toString(16).padStart(2, "0")} is not supported by the safe reader`,
        at,
      );
    run(m, at);
  }
}
