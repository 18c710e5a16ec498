import { checkDcpRanges } from "../dcp.js";
import { checkDcpEntries, tryListDir } from "../folder.js";
import type { CheckpointProblem } from "../model.js";
import { type DirEntry, joinPath } from "../storage.js";
import { makeCheckpoint, type ScanOptions, type ScanResult, trailingDigits } from "./common.js";

/** True when a folder's entries hold DCP files (`.metadata`, `.metadata.tmp`, `*.distcp`). */
export function isDcpFolder(entries: DirEntry[]): boolean {
  return entries.some(
    (e) =>
      e.type === "file" &&
      (e.name === ".metadata" || e.name === ".metadata.tmp" || e.name.endsWith(".distcp")),
  );
}

/** Where torchtitan and similar trainers put their DCP step folders, relative to the run root. */
export const DCP_PARENTS = ["outputs/checkpoint", "checkpoint", "checkpoints", "outputs/checkpoints"];

const MAX_DIRS = 4096;

/**
 * torch.distributed.checkpoint folders: the root itself, its sub-folders (`step-N/`), or the
 * torchtitan layout `outputs/checkpoint/step-N/` (and `checkpoint/`, `checkpoints/`) from the run
 * root. Each folder: `.metadata` commit marker, no `.metadata.tmp`, data present, and (verify
 * `headers`) every byte range `.metadata` names inside the data files.
 */
export async function scanDcp(opts: ScanOptions, root: string, rootEntries: DirEntry[]): Promise<ScanResult> {
  const jobs: Array<{ dir: string; name: string; entries: DirEntry[]; mtimeMs?: number }> = [];
  const collect = async (base: string, prefix: string, entries: DirEntry[]) => {
    for (const e of entries.slice(0, MAX_DIRS)) {
      if (e.type !== "dir") continue;
      const list = await tryListDir(opts, joinPath(base, e.name));
      if (list && isDcpFolder(list))
        jobs.push({ dir: joinPath(base, e.name), name: prefix + e.name, entries: list, mtimeMs: e.mtimeMs });
    }
  };
  if (isDcpFolder(rootEntries)) jobs.push({ dir: root, name: ".", entries: rootEntries });
  else {
    await collect(root, "", rootEntries);
    if (!jobs.length)
      for (const parent of DCP_PARENTS) {
        const list = await tryListDir(opts, joinPath(root, parent));
        if (list) await collect(joinPath(root, parent), `${parent}/`, list);
        if (jobs.length) break;
      }
  }
  const out = [];
  for (const j of jobs) {
    const problems: CheckpointProblem[] = [];
    let ok = checkDcpEntries(j.dir, j.entries, problems);
    if (ok && opts.verify === "headers") {
      const ranges = await checkDcpRanges(opts.storage, j.dir, j.entries);
      problems.push(...ranges);
      ok = !ranges.some((p) => p.severity === "error");
    }
    let bytes: number | null = opts.sizes ? 0 : null;
    for (const e of j.entries) if (bytes !== null && e.type === "file") bytes += e.size ?? 0;
    const base = j.name.split("/").pop()!;
    out.push(
      makeCheckpoint(
        "dcp",
        j.dir,
        j.name,
        "intermediate",
        j.name === "." ? null : trailingDigits(base),
        {
          problems,
          resume: ok,
          inference: false,
          files: j.entries.map((e) => (e.type === "dir" ? `${e.name}/` : e.name)),
          bytes,
        },
        j.mtimeMs === undefined ? {} : { mtimeMs: j.mtimeMs },
      ),
    );
  }
  return { root, checkpoints: out, ignored: [] };
}
