import { CheckpointError } from "./errors.js";
import { listDir } from "./folder.js";
import { scanAreal } from "./layouts/areal.js";
import type { ScanOptions, ScanResult } from "./layouts/common.js";
import { scanDcp } from "./layouts/dcp.js";
import { scanDeepSpeed } from "./layouts/deepspeed.js";
import { detectFromEntries } from "./layouts/detect.js";
import { scanHf } from "./layouts/hf.js";
import { parseLightningName, scanLightning } from "./layouts/lightning.js";
import { scanStaged } from "./layouts/staged.js";
import { scanStepFolders } from "./layouts/step-folders.js";
import { scanTinker } from "./layouts/tinker.js";
import { compareCheckpoints, type Layout } from "./model.js";
import { type DirEntry, type Storage, trimSlash } from "./storage.js";

export type { ProgressCallback, ScanOptions, ScanResult, TinkerRemoteInfo } from "./layouts/common.js";
export type { LayoutCandidate, LayoutDetection } from "./layouts/detect.js";
export { parseArealName } from "./layouts/names.js";
export { detectFromEntries, parseLightningName };

const SCANNERS: Record<
  Layout,
  (opts: ScanOptions, root: string, entries: DirEntry[]) => Promise<ScanResult>
> = {
  hf: scanHf,
  areal: scanAreal,
  staged: scanStaged,
  tinker: scanTinker,
  "step-folders": scanStepFolders,
  lightning: scanLightning,
  deepspeed: scanDeepSpeed,
  dcp: scanDcp,
};

/** Lists the root, detects (or uses) the layout, scans, and sorts oldest → newest. */
export async function scanRun(
  opts: ScanOptions,
  dir: string,
  layout?: Layout,
): Promise<ScanResult & { layout: Layout }> {
  const root = trimSlash(dir);
  await requireDir(opts.storage, root);
  const entries = await listDir(opts, root);
  let chosen = layout;
  if (!chosen) {
    const det = await detectFromEntries(opts, root, entries);
    if (!det.layout)
      throw new CheckpointError({
        code: "LAYOUT_UNKNOWN",
        message: `${root}: no known checkpoint layout (looked for checkpoint-N/, epoch…globalstep…/, stage_N/, checkpoints.jsonl, step_N/, *.ckpt, global_stepN/, .metadata)`,
        details: { path: root, hint: "pass --layout to choose one explicitly" },
      });
    chosen = det.layout;
  }
  const result = await SCANNERS[chosen](opts, root, entries);
  result.checkpoints.sort(compareCheckpoints);
  return { ...result, layout: chosen };
}

/** Throws `NOT_FOUND` / `INVALID_INPUT` unless `root` is an existing directory of `storage`. */
export async function requireDir(storage: Storage, root: string): Promise<void> {
  const stat = await storage.stat(root);
  if (!stat)
    throw new CheckpointError({
      code: "NOT_FOUND",
      message: `${root}: no such directory`,
      details: { path: root },
    });
  if (stat.type !== "dir")
    throw new CheckpointError({
      code: "INVALID_INPUT",
      message: `${root}: not a directory`,
      details: { path: root },
    });
}
