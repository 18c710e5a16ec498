import * as z from "zod";
import { Sha256 } from "../hash.js";
import type { CheckpointProblem } from "../model.js";
import { joinPath, type Storage } from "../storage.js";
import { READ_CHUNK as CHUNK } from "./chunk.js";

/** Name of the manifest file {@link writeManifest} writes inside a checkpoint folder. */
export const MANIFEST_NAME = "rlops-manifest.json";

/** One file of a manifest: its path relative to the folder, its size and its sha256. */
export const manifestEntrySchema = z.object({
  /** Path relative to the folder, `/`-separated. */
  path: z.string().min(1),
  /** Size in bytes. */
  size: z.number().int().nonnegative(),
  /** Lower-case hex sha256, or `null` when the writer did not hash the file (only the size is checked). */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
});
/** One file of a manifest (see {@link manifestEntrySchema}). */
export type ManifestEntry = z.infer<typeof manifestEntrySchema>;

/**
 * The one manifest of a folder's files (`rlops-manifest.json`): `version` 1 and every file with its
 * size and sha256. Other manifests extend it (`manifestSchema.extend({...})`, e.g. recovery's
 * `recovery-manifest.json`), so what reads a `Manifest` reads any of them.
 */
export const manifestSchema = z.object({
  version: z.literal(1),
  files: z.array(manifestEntrySchema),
});
/** Content of `rlops-manifest.json` (see {@link manifestSchema}). */
export type Manifest = z.infer<typeof manifestSchema>;
/** A manifest whose every file is hashed (what `buildManifest` and `writeManifest` return). */
export type HashedManifest = Omit<Manifest, "files"> & { files: Array<ManifestEntry & { sha256: string }> };

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

/** sha256 of a file, read in 4 MiB ranges (with the storage's native SHA-256 when it has one). */
export async function sha256File(storage: Storage, path: string, size?: number): Promise<string> {
  const total = size ?? (await storage.stat(path))?.size ?? 0;
  const h = storage.createSha256?.() ?? new Sha256();
  for (let pos = 0; pos < total; pos += CHUNK)
    h.update(await storage.read(path, { start: pos, end: Math.min(total, pos + CHUNK) }));
  return h.hex();
}

/** Builds the sha256 manifest of every file under `dir` (sorted by path). */
export async function buildManifest(storage: Storage, dir: string): Promise<HashedManifest> {
  const files = (await listFilesRecursive(storage, dir)).sort((a, b) => (a.rel < b.rel ? -1 : 1));
  const out: HashedManifest["files"] = [];
  for (const f of files)
    out.push({ path: f.rel, size: f.size, sha256: await sha256File(storage, joinPath(dir, f.rel), f.size) });
  return { version: 1, files: out };
}

/**
 * Verifies `dir` against a manifest: missing, extra, resized and changed files are problems (a file
 * whose `sha256` is `null` is checked by size only).
 */
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
    if (entry.sha256 === null) continue;
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
