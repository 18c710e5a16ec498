import { type DirEntry, joinPath, mapLimit, type Storage } from "../storage.js";

/** How much file content listing reads. */
export type VerifyLevel = "presence" | "headers";

/** Shared options of the scanners. */
export interface ScanContext {
  storage: Storage;
  /** Read file sizes (one stat per file when the adapter does not list them). */
  sizes: boolean;
  /** `headers`: also read safetensors headers and zip end records (cheap truncation checks). */
  verify: VerifyLevel;
}

/** Lists a directory, stat-ing files for sizes when requested and not provided. */
export async function listDir(ctx: ScanContext, dir: string): Promise<DirEntry[]> {
  const entries = await ctx.storage.list(dir);
  if (!ctx.sizes) return entries;
  const missing = entries.filter((e) => e.type === "file" && e.size === undefined);
  if (missing.length) {
    await mapLimit(missing, 16, async (e) => {
      const s = await ctx.storage.stat(joinPath(dir, e.name));
      e.size = s?.size ?? 0;
      if (s?.mtimeMs !== undefined) e.mtimeMs = s.mtimeMs;
    });
  }
  return entries;
}

/** Lists a directory or returns `null` when it does not exist. */
export async function tryListDir(ctx: ScanContext, dir: string): Promise<DirEntry[] | null> {
  try {
    return await listDir(ctx, dir);
  } catch (error) {
    if ((error as { code?: string }).code === "NOT_FOUND") return null;
    throw error;
  }
}
