import type { Dirent } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { SKIP_DIRS } from "@rlops/recovery/node";

/** Every file of a run tree with its size (one walk: disk use, metric discovery and response logs). */
export interface WalkResult {
  files: { path: string; size: number }[];
  totalBytes: number;
  truncated: boolean;
}

/** Deepest folder level walked below the run root. */
const MAX_DEPTH = 12;

/**
 * Walks the run tree once (skipping `@rlops/recovery`'s `SKIP_DIRS`, at most `maxFiles` files), with
 * each file's size; `onScan` is called every 1,000 files.
 */
export async function walkRun(
  root: string,
  maxFiles: number,
  onScan?: (done: number) => void,
): Promise<WalkResult> {
  const files: { path: string; size: number }[] = [];
  let totalBytes = 0;
  let truncated = false;
  const stack: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
  while (stack.length > 0) {
    const { dir, depth } = stack.pop() as { dir: string; depth: number };
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH && !SKIP_DIRS.has(entry.name)) stack.push({ dir: path, depth: depth + 1 });
      } else if (entry.isFile()) {
        if (files.length >= maxFiles) {
          truncated = true;
          continue;
        }
        const info = await lstat(path);
        files.push({ path, size: info.size });
        totalBytes += info.size;
        if (files.length % 1000 === 0) onScan?.(files.length);
      }
    }
  }
  return { files, totalBytes, truncated };
}
