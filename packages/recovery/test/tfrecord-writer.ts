// A minimal TFRecord + Event protobuf writer for tests (the reader is checked against real
// SummaryWriter/HF files in test-data/trainers; this one builds the cases those do not cover).
import { maskedCrc32c } from "../src/tensorboard/crc32c.js";

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
export const bytesField = (field: number, data: number[]) => [
  ...key(field, 2),
  ...varint(data.length),
  ...data,
];
export const varintField = (field: number, n: number | bigint) => [...key(field, 0), ...varint(n)];
export const floatField = (field: number, x: number) => {
  const b = new Uint8Array(new Float32Array([x]).buffer);
  return [...key(field, 5), ...b];
};
export const doubleField = (field: number, x: number) => {
  const b = new Uint8Array(new Float64Array([x]).buffer);
  return [...key(field, 1), ...b];
};
export const text = (s: string) => [...new TextEncoder().encode(s)];

/** A Summary.Value with a simple_value. */
export const simpleValue = (tag: string, x: number) =>
  bytesField(1, [...bytesField(1, text(tag)), ...floatField(2, x)]);
/** A Summary.Value holding a tensor (TensorProto bytes) and optional plugin name. */
export const tensorValue = (tag: string, tensor: number[], plugin?: string) =>
  bytesField(1, [
    ...bytesField(1, text(tag)),
    ...bytesField(8, tensor),
    ...(plugin === undefined ? [] : bytesField(9, bytesField(1, bytesField(1, text(plugin))))),
  ]);
/** An Event at `step` with a Summary of `values` (each a Summary.value field). */
export const event = (step: number | bigint, values: number[][]) => [
  ...doubleField(1, 1.7e9),
  ...varintField(2, step),
  ...bytesField(5, values.flat()),
];

/** TFRecord framing of `records`. */
export function frames(records: number[][]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const data = Uint8Array.from(r);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(data.length));
    const head = Buffer.alloc(12);
    len.copy(head);
    head.writeUInt32LE(maskedCrc32c(len), 8);
    const tail = Buffer.alloc(4);
    tail.writeUInt32LE(maskedCrc32c(data), 0);
    parts.push(head, Buffer.from(data), tail);
  }
  return Buffer.concat(parts);
}
