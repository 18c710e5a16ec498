import { CheckpointError } from "./errors.js";
import { attachFaults, faultIsolating } from "./faults.js";
import { listDir, type ScanContext, type VerifyLevel } from "./folder.js";
import { buildManifest, type HashedManifest, MANIFEST_NAME } from "./integrity.js";
import {
  detectFromEntries,
  type LayoutDetection,
  type ProgressCallback,
  requireDir,
  scanRun,
  type TinkerRemoteInfo,
} from "./layouts.js";
import { type Checkpoint, type CheckpointListing, compareStepText, LAYOUTS, type Layout } from "./model.js";
import { stepBoundText } from "./select.js";
import { joinPath, type Storage, trimSlash } from "./storage.js";

/** Options every function accepts. */
export interface StorageOptions {
  /** Where files are read from. The `/node` entry defaults it to the local file system. */
  storage: Storage;
}

/** A step bound: a number, a bigint, or decimal digits. */
export type StepBound = number | bigint | string;

/** Options of {@link listCheckpoints}. */
export interface ListOptions extends StorageOptions {
  /** Use this layout instead of detecting it. */
  layout?: Layout;
  /** Keep steps `< beforeStep` (checkpoints without a step are left out). */
  beforeStep?: StepBound;
  /** Keep steps `≤ maxStep` (checkpoints without a step are left out). */
  maxStep?: StepBound;
  /** `complete` keeps only checkpoints without error problems. Default `all`. */
  include?: "all" | "complete";
  /** Read file sizes for `bytes` (one stat per file on the node adapter). Default true. */
  sizes?: boolean;
  /** `headers` (default) also reads safetensors headers and zip end records to catch truncation. */
  verify?: VerifyLevel;
  /** Called as candidate folders are analysed (for progress bars). */
  onProgress?: ProgressCallback;
  /** Remote knowledge for Tinker expiry/deletion. */
  tinker?: TinkerRemoteInfo;
}

/** Checks a layout name. */
export function checkLayout(layout: string | undefined): Layout | undefined {
  if (layout === undefined) return undefined;
  if (!(LAYOUTS as readonly string[]).includes(layout))
    throw new CheckpointError({
      code: "INVALID_INPUT",
      message: `layout: unknown layout "${layout}" (expected one of ${LAYOUTS.join(", ")})`,
      details: { layout },
    });
  return layout as Layout;
}

/** The storage of `options`, or a typed error. */
export function requireStorage(options: Partial<StorageOptions> | undefined): Storage {
  if (!options?.storage)
    throw new CheckpointError({
      code: "INVALID_INPUT",
      message: "options.storage is required (use @rlops/checkpoint-layout/node for the local file system)",
    });
  return options.storage;
}

/** Applies the step filters: steps `< beforeStep` and `≤ maxStep`; stepless checkpoints drop out when a filter is set. */
export function filterCheckpoints(
  checkpoints: Checkpoint[],
  filter: { beforeStep?: StepBound; maxStep?: StepBound; include?: "all" | "complete" },
): Checkpoint[] {
  const before = filter.beforeStep === undefined ? undefined : stepBoundText(filter.beforeStep, "beforeStep");
  const max = filter.maxStep === undefined ? undefined : stepBoundText(filter.maxStep, "maxStep");
  return checkpoints.filter((c) => {
    if (filter.include === "complete" && !c.complete) return false;
    if (before === undefined && max === undefined) return true;
    if (c.stepText === null) return false;
    if (before !== undefined && compareStepText(c.stepText, before) >= 0) return false;
    if (max !== undefined && compareStepText(c.stepText, max) > 0) return false;
    return true;
  });
}

/**
 * Detects which checkpoint layout `dir` holds (HF `checkpoint-N/`, AReaL, staged, Tinker, step folders,
 * Lightning, DeepSpeed, DCP) and returns every matching candidate with evidence.
 */
export async function detectLayout(dir: string, options: StorageOptions): Promise<LayoutDetection> {
  const storage = requireStorage(options);
  const root = trimSlash(dir);
  await requireDir(storage, root);
  const ctx: ScanContext = { storage, sizes: false, verify: "presence" };
  return detectFromEntries(ctx, root, await listDir(ctx, root));
}

/**
 * Lists every checkpoint of a run directory, oldest → newest (numeric step order), with completeness
 * problems, capabilities and the siblings it ignored. Returns the `rlops ckpt list --json` shape.
 */
export async function listCheckpoints(dir: string, options: ListOptions): Promise<CheckpointListing> {
  const layout = checkLayout(options.layout);
  const iso = faultIsolating(requireStorage(options), dir);
  const result = await scanRun(
    {
      storage: iso.storage,
      sizes: options.sizes ?? true,
      verify: options.verify ?? "headers",
      onProgress: options.onProgress,
      tinker: options.tinker,
    },
    dir,
    layout,
  );
  // unreadable entries are problems on their checkpoint, never a failure of the listing
  attachFaults(iso.faults, result.checkpoints, result.ignored);
  return {
    layout: result.layout,
    root: result.root,
    checkpoints: filterCheckpoints(result.checkpoints, options),
    ignored: result.ignored,
    ...(result.trainingArgs ? { trainingArgs: result.trainingArgs } : {}),
  };
}

/**
 * Writes `rlops-manifest.json` (path, size, sha256 of every file) into a checkpoint folder, for
 * later `validateCheckpoint(path, {deep: true})`. Needs a storage with `write`.
 */
export async function writeManifest(path: string, options: StorageOptions): Promise<HashedManifest> {
  const storage = requireStorage(options);
  if (!storage.write)
    throw new CheckpointError({
      code: "STORAGE_ERROR",
      message: `${path}: this storage adapter cannot write files`,
    });
  const dir = trimSlash(path);
  const manifest = await buildManifest(storage, dir);
  await storage.write(joinPath(dir, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
