import { crc32, Sha256 } from "./hash.js";
import { parseLenientJson } from "./json.js";
import type { CheckpointProblem } from "./model.js";
import { joinPath, type Storage } from "./storage.js";
import { parseCentralDirectory, readLocalHeader, readZipEnd } from "./zip.js";

/** Bits per element of every safetensors dtype (`safetensors/src/tensor.rs`). */
export const SAFETENSORS_DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

/** `MAX_HEADER_SIZE` of the safetensors reader. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

/** One tensor of a safetensors header. */
export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** Result of {@link checkSafetensors}. */
export interface SafetensorsReport {
  ok: boolean;
  headerSize: number;
  tensors: SafetensorsTensor[];
  metadata: Record<string, string>;
  /** Sum of tensor data bytes (what `total_size` of an index counts). */
  dataBytes: number;
  problems: CheckpointProblem[];
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function readU64LE(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/**
 * Checks a safetensors file exactly like `safetensors`' `read_metadata` + `validate`: header length
 * bound, UTF-8 JSON starting with `{`, no duplicate keys, string-only `__metadata__`, known dtypes,
 * contiguous offsets from 0, `end - begin == numel × bits / 8`, and `8 + N + last_end == file length`.
 * Reads only the 8-byte prefix and the header.
 */
export async function checkSafetensors(
  storage: Storage,
  path: string,
  fileSize?: number,
): Promise<SafetensorsReport> {
  const problems: CheckpointProblem[] = [];
  const report: SafetensorsReport = {
    ok: false,
    headerSize: 0,
    tensors: [],
    metadata: {},
    dataBytes: 0,
    problems,
  };
  const p = (code: string, message: string) =>
    problems.push({ code, message, file: path, severity: "error" });
  const size = fileSize ?? (await storage.stat(path))?.size;
  if (size === undefined) {
    p("FILE_MISSING", `${path}: file does not exist`);
    return report;
  }
  if (size < 8) {
    p("SAFETENSORS_TRUNCATED", `${path}: ${size} bytes, shorter than the 8-byte header length`);
    return report;
  }
  // one read covers the length prefix and (usually) the whole header
  const head = await storage.read(path, { start: 0, end: Math.min(size, 8 + 16 * 1024) });
  const n = readU64LE(head.subarray(0, 8));
  if (n > BigInt(SAFETENSORS_MAX_HEADER)) {
    p("SAFETENSORS_HEADER_TOO_LARGE", `${path}: header length ${n} exceeds ${SAFETENSORS_MAX_HEADER}`);
    return report;
  }
  const headerSize = Number(n);
  report.headerSize = headerSize;
  if (8 + headerSize > size) {
    p("SAFETENSORS_TRUNCATED", `${path}: header of ${headerSize} bytes does not fit in a ${size}-byte file`);
    return report;
  }
  const headerBytes =
    8 + headerSize <= head.length
      ? head.subarray(8, 8 + headerSize)
      : await storage.read(path, { start: 8, end: 8 + headerSize });
  let text: string;
  try {
    text = decoder.decode(headerBytes);
  } catch (error) {
    p("SAFETENSORS_HEADER_INVALID", `${path}: header is not valid UTF-8 (${String(error)})`);
    return report;
  }
  if (!text.startsWith("{")) {
    p("SAFETENSORS_HEADER_INVALID", `${path}: header does not start with '{'`);
    return report;
  }
  let header: unknown;
  try {
    header = parseLenientJson(text, { rejectDuplicateKeys: true, source: `${path} header`, maxDepth: 16 });
  } catch (error) {
    p("SAFETENSORS_HEADER_INVALID", error instanceof Error ? error.message : String(error));
    return report;
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    p("SAFETENSORS_HEADER_INVALID", `${path}: header is not a JSON object`);
    return report;
  }
  const tensors: SafetensorsTensor[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof info !== "object" || info === null || Array.isArray(info)) {
        p("SAFETENSORS_HEADER_INVALID", `${path}: __metadata__ is not an object`);
        continue;
      }
      for (const [k, v] of Object.entries(info)) {
        if (typeof v !== "string")
          p("SAFETENSORS_HEADER_INVALID", `${path}: __metadata__.${k} is not a string`);
        else report.metadata[k] = v;
      }
      continue;
    }
    const t = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t !== "object" || t === null) {
      p("SAFETENSORS_HEADER_INVALID", `${path}: tensor "${name}" is not an object`);
      continue;
    }
    const bits = typeof t.dtype === "string" ? SAFETENSORS_DTYPE_BITS[t.dtype] : undefined;
    if (bits === undefined) {
      p(
        "SAFETENSORS_HEADER_INVALID",
        `${path}: tensor "${name}" has unknown dtype ${JSON.stringify(t.dtype)}`,
      );
      continue;
    }
    const shape = t.shape;
    const offs = t.data_offsets;
    if (
      !Array.isArray(shape) ||
      !shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0) ||
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      !offs.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)
    ) {
      p("SAFETENSORS_HEADER_INVALID", `${path}: tensor "${name}" has a bad shape or data_offsets`);
      continue;
    }
    tensors.push({ name, dtype: t.dtype as string, shape: shape as number[], begin: offs[0], end: offs[1] });
  }
  if (problems.length) return report;
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let previous = 0;
  for (const t of sorted) {
    if (t.begin !== previous || t.end < t.begin) {
      p(
        "SAFETENSORS_BAD_OFFSETS",
        `${path}: tensor "${t.name}" starts at ${t.begin}, expected ${previous} (InvalidOffset)`,
      );
      return report;
    }
    let numel = 1n;
    for (const d of t.shape) numel *= BigInt(d);
    const bitsTotal = numel * BigInt(SAFETENSORS_DTYPE_BITS[t.dtype]!);
    if (bitsTotal % 8n !== 0n) {
      p(
        "SAFETENSORS_BAD_SIZE",
        `${path}: tensor "${t.name}" does not end on a byte boundary (MisalignedSlice)`,
      );
      return report;
    }
    if (BigInt(t.end - t.begin) !== bitsTotal / 8n) {
      p(
        "SAFETENSORS_BAD_SIZE",
        `${path}: tensor "${t.name}" spans ${t.end - t.begin} bytes but ${t.dtype}${JSON.stringify(t.shape)} needs ${bitsTotal / 8n}`,
      );
      return report;
    }
    previous = t.end;
  }
  report.tensors = tensors;
  report.dataBytes = previous;
  if (8 + headerSize + previous !== size) {
    p(
      8 + headerSize + previous > size ? "SAFETENSORS_TRUNCATED" : "SAFETENSORS_LENGTH_MISMATCH",
      `${path}: file is ${size} bytes but header + data need ${8 + headerSize + previous} (incomplete metadata, file not fully covered)`,
    );
    return report;
  }
  report.ok = true;
  return report;
}

/** An index file's `weight_map` parsed and checked for safe shard names. */
export interface ShardIndex {
  totalSize?: number;
  weightMap: Record<string, string>;
  shards: string[];
}

/** Parses `model.safetensors.index.json` / `pytorch_model.bin.index.json` text; problems for bad content. */
export function parseShardIndex(
  text: string,
  file: string,
  problems: CheckpointProblem[],
): ShardIndex | null {
  let value: unknown;
  try {
    value = parseLenientJson(text, { source: file });
  } catch (error) {
    problems.push({
      code: "INDEX_INVALID",
      message: String((error as Error).message),
      file,
      severity: "error",
    });
    return null;
  }
  const v = value as { weight_map?: unknown; metadata?: { total_size?: unknown } };
  if (typeof v !== "object" || v === null || typeof v.weight_map !== "object" || v.weight_map === null) {
    problems.push({ code: "INDEX_INVALID", message: `${file}: missing weight_map`, file, severity: "error" });
    return null;
  }
  const weightMap: Record<string, string> = {};
  const shards = new Set<string>();
  for (const [k, s] of Object.entries(v.weight_map as Record<string, unknown>)) {
    if (typeof s !== "string") {
      problems.push({
        code: "INDEX_INVALID",
        message: `${file}: weight_map["${k}"] is not a string`,
        file,
        severity: "error",
      });
      continue;
    }
    if (s === "" || s.startsWith("/") || s.split(/[\\/]/).includes("..")) {
      problems.push({
        code: "INDEX_INVALID",
        message: `${file}: shard "${s}" escapes the checkpoint folder`,
        file,
        severity: "error",
      });
      continue;
    }
    weightMap[k] = s;
    shards.add(s);
  }
  const ts = v.metadata?.total_size;
  return { totalSize: typeof ts === "number" ? ts : undefined, weightMap, shards: [...shards].sort() };
}

/**
 * Deep index check: every tensor named in `weight_map` is in its shard's header, every shard tensor is
 * listed, and `metadata.total_size` equals the summed tensor data bytes.
 */
export async function checkShardedSafetensors(
  storage: Storage,
  dir: string,
  index: ShardIndex,
  indexFile: string,
): Promise<CheckpointProblem[]> {
  const problems: CheckpointProblem[] = [];
  let total = 0;
  for (const shard of index.shards) {
    const path = joinPath(dir, shard);
    const stat = await storage.stat(path);
    if (!stat) {
      problems.push({
        code: "SHARD_MISSING",
        message: `${indexFile}: shard ${shard} is missing`,
        file: path,
        severity: "error",
      });
      continue;
    }
    const rep = await checkSafetensors(storage, path, stat.size);
    problems.push(...rep.problems);
    if (!rep.ok) continue;
    total += rep.dataBytes;
    const inShard = new Set(rep.tensors.map((t) => t.name));
    for (const [name, s] of Object.entries(index.weightMap)) {
      if (s === shard && !inShard.has(name))
        problems.push({
          code: "INDEX_MISMATCH",
          message: `${indexFile}: "${name}" is mapped to ${shard} but not in its header`,
          file: path,
          severity: "error",
        });
    }
    for (const name of inShard) {
      if (index.weightMap[name] !== shard)
        problems.push({
          code: "INDEX_MISMATCH",
          message: `${shard}: tensor "${name}" is not mapped to this shard in ${indexFile}`,
          file: path,
          severity: "error",
        });
    }
  }
  if (!problems.length && index.totalSize !== undefined && index.totalSize !== total)
    problems.push({
      code: "INDEX_MISMATCH",
      message: `${indexFile}: metadata.total_size is ${index.totalSize} but shards hold ${total} tensor bytes`,
      file: joinPath(dir, indexFile),
      severity: "error",
    });
  return problems;
}

/** Result of {@link checkTorchZip}. */
export interface ZipReport {
  ok: boolean;
  entries: number;
  problems: CheckpointProblem[];
}

const CHUNK = 4 * 1024 * 1024;

/**
 * Checks a torch `.pt/.pth/.bin/.ckpt` zip archive: end-of-central-directory record (zip64 aware),
 * central directory (names valid UTF-8 and equal to the local headers' names, as `torch.load`
 * requires), local headers, CRC-32 of every stored entry (streamed in 4 MiB ranges) and the pickle
 * STOP opcode at the end of `data.pkl`. `verifyCrc: false` checks only the structure.
 */
export async function checkTorchZip(
  storage: Storage,
  path: string,
  options: { fileSize?: number; verifyCrc?: boolean; endRecordOnly?: boolean } = {},
): Promise<ZipReport> {
  const problems: CheckpointProblem[] = [];
  const report: ZipReport = { ok: false, entries: 0, problems };
  const p = (code: string, message: string) =>
    problems.push({ code, message, file: path, severity: "error" });
  const size = options.fileSize ?? (await storage.stat(path))?.size;
  if (size === undefined) {
    p("FILE_MISSING", `${path}: file does not exist`);
    return report;
  }
  const end = await readZipEnd(storage, path, size);
  if (!end.ok) {
    p(end.code, end.message);
    return report;
  }
  if (options.endRecordOnly) {
    report.entries = end.count;
    report.ok = true;
    return report;
  }
  const cd = await storage.read(path, { start: end.cdOffset, end: end.cdOffset + end.cdSize });
  const dir = parseCentralDirectory(cd, end.count, path);
  if (!dir.ok) {
    p(dir.code, dir.message);
    return report;
  }
  let sawPkl = false;
  for (const entry of dir.entries) {
    const { name, crc, compSize, uncompSize, method } = entry;
    const lh = await readLocalHeader(storage, path, size, entry);
    if (!lh.ok) {
      p("ZIP_INVALID", lh.message);
      return report;
    }
    if (!lh.nameMatches) {
      p(
        "ZIP_NAME_MISMATCH",
        `${path}: entry ${name}: the central-directory and local-header names differ (one is corrupt)`,
      );
      return report;
    }
    const dataStart = lh.dataStart;
    if (dataStart + compSize > size) {
      p("ZIP_TRUNCATED", `${path}: entry ${name} data runs past end of file`);
      return report;
    }
    const isPkl = name === "data.pkl" || name.endsWith("/data.pkl");
    if (method !== 0) {
      if (isPkl) sawPkl = true;
      problems.push({
        code: "ZIP_COMPRESSED",
        message: `${path}: entry ${name} is compressed (method ${method}); CRC not verified`,
        file: path,
        severity: "warning",
      });
      continue;
    }
    if (compSize !== uncompSize) {
      p("ZIP_INVALID", `${path}: stored entry ${name} has different compressed/uncompressed sizes`);
      return report;
    }
    if (options.verifyCrc !== false) {
      let c = 0;
      for (let pos = 0; pos < compSize; pos += CHUNK) {
        const chunk = await storage.read(path, {
          start: dataStart + pos,
          end: dataStart + Math.min(compSize, pos + CHUNK),
        });
        c = crc32(chunk, c);
      }
      if (c !== crc) {
        p(
          "ZIP_CRC_MISMATCH",
          `${path}: entry ${name} CRC-32 is ${c.toString(16)}, expected ${crc.toString(16)}`,
        );
        return report;
      }
    }
    if (isPkl) {
      sawPkl = true;
      const last =
        compSize > 0
          ? await storage.read(path, { start: dataStart + compSize - 1, end: dataStart + compSize })
          : new Uint8Array();
      if (last[0] !== 0x2e) {
        p("PICKLE_NO_STOP", `${path}: ${name} does not end with the pickle STOP opcode`);
        return report;
      }
    }
  }
  report.entries = end.count;
  if (!sawPkl) {
    p("ZIP_NOT_TORCH", `${path}: archive has no data.pkl entry`);
    return report;
  }
  report.ok = true;
  return report;
}

/** Name of the manifest file {@link writeManifest} writes inside a checkpoint folder. */
export const MANIFEST_NAME = "rlops-manifest.json";

/** One file of a sha256 manifest. */
export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

/** Content of `rlops-manifest.json`. */
export interface Manifest {
  version: 1;
  files: ManifestEntry[];
}

async function listFilesRecursive(
  storage: Storage,
  dir: string,
  prefix = "",
): Promise<Array<{ rel: string; size: number }>> {
  const out: Array<{ rel: string; size: number }> = [];
  const entries = await storage.list(dir);
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    const full = joinPath(dir, e.name);
    if (e.type === "dir") out.push(...(await listFilesRecursive(storage, full, rel)));
    else if (e.type === "file") {
      if (!prefix && e.name === MANIFEST_NAME) continue;
      out.push({ rel, size: e.size ?? (await storage.stat(full))?.size ?? 0 });
    }
  }
  return out;
}

/** sha256 of a file, read in 4 MiB ranges. */
export async function sha256File(storage: Storage, path: string, size?: number): Promise<string> {
  const total = size ?? (await storage.stat(path))?.size ?? 0;
  const h = new Sha256();
  for (let pos = 0; pos < total; pos += CHUNK)
    h.update(await storage.read(path, { start: pos, end: Math.min(total, pos + CHUNK) }));
  return h.hex();
}

/** Builds the sha256 manifest of every file under `dir` (sorted by path). */
export async function buildManifest(storage: Storage, dir: string): Promise<Manifest> {
  const files = (await listFilesRecursive(storage, dir)).sort((a, b) => (a.rel < b.rel ? -1 : 1));
  const out: ManifestEntry[] = [];
  for (const f of files)
    out.push({ path: f.rel, size: f.size, sha256: await sha256File(storage, joinPath(dir, f.rel), f.size) });
  return { version: 1, files: out };
}

/** Verifies `dir` against a manifest: missing, extra, resized and changed files are problems. */
export async function verifyManifest(
  storage: Storage,
  dir: string,
  manifest: Manifest,
): Promise<CheckpointProblem[]> {
  const problems: CheckpointProblem[] = [];
  const present = new Map((await listFilesRecursive(storage, dir)).map((f) => [f.rel, f.size]));
  for (const entry of manifest.files) {
    const size = present.get(entry.path);
    const file = joinPath(dir, entry.path);
    if (size === undefined) {
      problems.push({
        code: "MANIFEST_FILE_MISSING",
        message: `${file}: listed in ${MANIFEST_NAME} but missing`,
        file,
        severity: "error",
      });
      continue;
    }
    present.delete(entry.path);
    if (size !== entry.size) {
      problems.push({
        code: "MANIFEST_SIZE_MISMATCH",
        message: `${file}: ${size} bytes, manifest says ${entry.size}`,
        file,
        severity: "error",
      });
      continue;
    }
    const digest = await sha256File(storage, file, size);
    if (digest !== entry.sha256)
      problems.push({
        code: "MANIFEST_HASH_MISMATCH",
        message: `${file}: sha256 ${digest} differs from the manifest`,
        file,
        severity: "error",
      });
  }
  for (const rel of present.keys())
    problems.push({
      code: "MANIFEST_EXTRA_FILE",
      message: `${joinPath(dir, rel)}: not listed in ${MANIFEST_NAME}`,
      file: joinPath(dir, rel),
      severity: "warning",
    });
  return problems;
}
