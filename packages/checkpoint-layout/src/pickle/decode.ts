import { CheckpointError } from "../errors.js";
import type { PickleTuple, PickleValue } from "./types.js";

/** Little-endian two's-complement bytes → number (or bigint beyond 2^53). */
export function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) n -= 1n << BigInt(8 * b.length);
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

export function isTuple(v: PickleValue): v is PickleTuple {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "kind" in v && v.kind === "tuple";
}

export function parseMemoKey(s: string, where: string, at: number): number {
  const t = s.trim();
  if (!/^\d{1,9}$/.test(t)) invalid("memo key is not a number", where, at);
  return Number(t);
}

export function parseIntText(s: string, where: string, at: number): number | bigint {
  if (!/^[-+]?\d{1,4000}$/.test(s)) invalid("INT/LONG argument is not an integer", where, at);
  const n = BigInt(s);
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function invalid(message: string, where: string, offset: number): never {
  throw new CheckpointError({
    code: "PICKLE_INVALID",
    message: `${where}: ${message} (at byte ${offset})`,
    details: { path: where, offset },
  });
}
