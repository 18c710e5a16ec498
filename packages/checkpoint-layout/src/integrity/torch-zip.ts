import { crc32 } from "../hash.js";
import type { CheckpointProblem, CheckpointProblemCode } from "../model.js";
import type { Storage } from "../storage.js";
import { parseCentralDirectory, readLocalHeader, readZipEnd } from "../zip.js";
import { READ_CHUNK as CHUNK } from "./chunk.js";

/** Result of {@link checkTorchZip}. */
export interface ZipReport {
  ok: boolean;
  entries: number;
  problems: CheckpointProblem[];
}

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
  const p = (code: CheckpointProblemCode, message: string) =>
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
