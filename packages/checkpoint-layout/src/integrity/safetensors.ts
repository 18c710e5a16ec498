import { parseLenientJson } from "../json.js";
import type { CheckpointProblem, CheckpointProblemCode } from "../model.js";
import type { Storage } from "../storage.js";

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
const SAFETENSORS_MAX_HEADER = 100_000_000;

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
  const p = (code: CheckpointProblemCode, message: string) =>
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
