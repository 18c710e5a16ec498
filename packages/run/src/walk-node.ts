import { lstat } from "node:fs/promises";
import { listRunFiles } from "@rlops/recovery/node";

/** Every file of a run tree with its size (one walk: disk use, metric discovery and response logs). */
export interface WalkResult {
  files: { path: string; size: number }[];
  totalBytes: number;
  truncated: boolean;
}

/**
 * The run's files with their sizes: `@rlops/recovery`'s `listRunFiles` (the walk its metric
 * discovery uses: depth ≤ 12, `SKIP_DIRS` skipped, at most `maxFiles`), then one `lstat` per file;
 * `onScan` is called every 1,000 files.
 */
export async function walkRun(
  root: string,
  maxFiles: number,
  onScan?: (done: number) => void,
): Promise<WalkResult> {
  const listed = await listRunFiles(root, maxFiles);
  const files: { path: string; size: number }[] = [];
  let totalBytes = 0;
  for (const path of listed.files) {
    const size = (await lstat(path)).size;
    files.push({ path, size });
    totalBytes += size;
    if (files.length % 1000 === 0) onScan?.(files.length);
  }
  return { files, totalBytes, truncated: listed.truncated };
}
