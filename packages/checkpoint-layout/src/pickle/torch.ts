import { CheckpointError } from "../errors.js";
import type { Storage } from "../storage.js";
import { parseCentralDirectory, readLocalHeader, readZipEnd, type ZipEntry } from "../zip.js";
import { type PickleLimits, readPickle } from "./reader.js";
import type { PickleValue } from "./types.js";
import { isObject } from "./values.js";

/** Largest `data.pkl` read (the pickle holds structure only; tensors live in other entries). */
const MAX_PICKLE_ENTRY = 64 * 1024 * 1024;

/** A torch zip opened for reading its pickle and small tensor storages. */
export interface TorchArchive {
  path: string;
  /** Entry prefix, e.g. `archive/` or `training_args/`. */
  top: string;
  /** The unpickled `data.pkl` (tensors are {@link PicklePersistent} records). */
  value: PickleValue;
  /** Reads a storage entry `<top>/data/<key>` when at most `maxBytes` long, else `null`. */
  readStorage(key: string, maxBytes: number): Promise<Uint8Array | null>;
}

function invalid(path: string, message: string): never {
  throw new CheckpointError({ code: "PICKLE_INVALID", message: `${path}: ${message}`, details: { path } });
}

async function readEntry(storage: Storage, path: string, size: number, e: ZipEntry): Promise<Uint8Array> {
  if (e.method !== 0) invalid(path, `entry ${e.name} is compressed; torch writes stored entries`);
  const lh = await readLocalHeader(storage, path, size, e);
  if (!lh.ok) invalid(path, lh.message);
  if (!lh.nameMatches) invalid(path, `entry ${e.name}: central-directory and local names differ`);
  if (lh.dataStart + e.compSize > size) invalid(path, `entry ${e.name} runs past the end of the file`);
  return storage.read(path, { start: lh.dataStart, end: lh.dataStart + e.compSize });
}

/**
 * Opens a `torch.save` zip (`.bin`, `.pt`, `.ckpt`) and unpickles its `data.pkl` with the safe
 * reader (nothing executed, tensors recorded as persistent ids). Throws `PICKLE_INVALID` when the
 * archive or pickle is malformed, `NOT_FOUND` when the file is missing.
 */
export async function openTorchArchive(
  storage: Storage,
  path: string,
  limits: PickleLimits = {},
): Promise<TorchArchive> {
  const st = await storage.stat(path);
  if (st?.type !== "file")
    throw new CheckpointError({ code: "NOT_FOUND", message: `${path}: no such file`, details: { path } });
  const size = st.size;
  const end = await readZipEnd(storage, path, size);
  if (!end.ok) invalid(path, end.message);
  const cd = await storage.read(path, { start: end.cdOffset, end: end.cdOffset + end.cdSize });
  const dir = parseCentralDirectory(cd, end.count, path);
  if (!dir.ok) invalid(path, dir.message);
  const pkl = dir.entries.find((e) => e.name === "data.pkl" || e.name.endsWith("/data.pkl"));
  if (!pkl)
    invalid(path, "no data.pkl entry (not a torch zip; legacy non-zip torch files are not supported)");
  const maxBytes = Math.min(limits.maxBytes ?? MAX_PICKLE_ENTRY, MAX_PICKLE_ENTRY);
  if (pkl.compSize > maxBytes)
    throw new CheckpointError({
      code: "PICKLE_LIMIT",
      message: `${path}: data.pkl is ${pkl.compSize} bytes (limit ${maxBytes})`,
      details: { path },
    });
  const top = pkl.name.slice(0, pkl.name.length - "data.pkl".length);
  const value = readPickle(await readEntry(storage, path, size, pkl), `${path}:${pkl.name}`, limits);
  const byName = new Map(dir.entries.map((e) => [e.name, e]));
  return {
    path,
    top,
    value,
    async readStorage(key, max) {
      const e = byName.get(`${top}data/${key}`);
      if (!e || e.compSize > max) return null;
      return readEntry(storage, path, size, e);
    },
  };
}

const STORAGE_DTYPES: Record<string, { bytes: number; read: (v: DataView) => number }> = {
  FloatStorage: { bytes: 4, read: (v) => v.getFloat32(0, true) },
  DoubleStorage: { bytes: 8, read: (v) => v.getFloat64(0, true) },
  HalfStorage: { bytes: 2, read: (v) => halfToFloat(v.getUint16(0, true)) },
  BFloat16Storage: { bytes: 2, read: (v) => bf16ToFloat(v.getUint16(0, true)) },
  LongStorage: { bytes: 8, read: (v) => Number(v.getBigInt64(0, true)) },
  IntStorage: { bytes: 4, read: (v) => v.getInt32(0, true) },
  ShortStorage: { bytes: 2, read: (v) => v.getInt16(0, true) },
  CharStorage: { bytes: 1, read: (v) => v.getInt8(0) },
  ByteStorage: { bytes: 1, read: (v) => v.getUint8(0) },
  BoolStorage: { bytes: 1, read: (v) => v.getUint8(0) },
};

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function bf16ToFloat(h: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint32(0, h << 16);
  return v.getFloat32(0);
}

/**
 * The number held by a scalar (or one-element) tensor record (`torch._utils._rebuild_tensor_v2` of a
 * storage persistent id), read from the archive's storage entry; `undefined` for anything else.
 */
export async function scalarTensorValue(
  archive: TorchArchive,
  v: PickleValue | undefined,
): Promise<number | undefined> {
  if (!isObject(v) || v.$class !== "torch._utils._rebuild_tensor_v2") return undefined;
  const [storage, offset] = v.args;
  if (!storage || typeof storage !== "object" || Array.isArray(storage) || !("kind" in storage))
    return undefined;
  if (storage.kind !== "persid") return undefined;
  const pid = storage.pid;
  if (!pid || typeof pid !== "object" || Array.isArray(pid) || !("kind" in pid) || pid.kind !== "tuple")
    return undefined;
  const [tag, type, key] = pid.items;
  if (tag !== "storage" || typeof key !== "string") return undefined;
  const typeName =
    type && typeof type === "object" && !Array.isArray(type) && "kind" in type && type.kind === "global"
      ? type.name.split(".").pop()!
      : "";
  const dt = STORAGE_DTYPES[typeName];
  if (!dt || typeof offset !== "number") return undefined;
  const data = await archive.readStorage(key, 1024);
  const at = offset * dt.bytes;
  if (!data || at + dt.bytes > data.length) return undefined;
  return dt.read(new DataView(data.buffer, data.byteOffset + at, dt.bytes));
}
