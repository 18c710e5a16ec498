import type { z } from "zod";
import { CheckpointError } from "./errors.js";
import { attachFaults, faultIsolating } from "./faults.js";
import { analyzeModelFolder, listDir, type ScanContext, type VerifyLevel } from "./folder.js";
import {
  buildManifest,
  checkSafetensors,
  checkShardedSafetensors,
  checkTorchZip,
  MANIFEST_NAME,
  type Manifest,
  parseShardIndex,
  verifyManifest,
} from "./integrity.js";
import { parseLenientJson } from "./json.js";
import {
  detectFromEntries,
  type LayoutDetection,
  type ProgressCallback,
  requireDir,
  scanRun,
  type TinkerRemoteInfo,
} from "./layouts.js";
import {
  type Checkpoint,
  type CheckpointListing,
  type CheckpointProblem,
  compareStepText,
  LAYOUTS,
  type Layout,
} from "./model.js";
import {
  adapterConfigSchema,
  finalCheckpointInfoSchema,
  metricsFileSchema,
  parseWithSchema,
  trainerStateSchema,
  trainingConfigSchema,
  trainingInfoSchema,
} from "./schemas.js";
import { stepBoundText } from "./select.js";
import { baseName, dirName, joinPath, type Storage, trimSlash } from "./storage.js";

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

/** Options of {@link validateCheckpoint}. */
export interface ValidateOptions extends StorageOptions {
  /** Deep checks: safetensors headers of every shard vs the index, torch zip CRC-32 + pickle STOP, manifest. */
  deep?: boolean;
  /** Layout of the run the checkpoint belongs to (detected from the parent folder otherwise). */
  layout?: Layout;
  /** Verify `rlops-manifest.json` when present (default true with `deep`). */
  manifest?: boolean;
  /** The checkpoint as a listing of its run (verify `headers`) saw it: skips re-listing the run. */
  checkpoint?: Checkpoint;
}

/** Result of {@link validateCheckpoint}. */
export interface ValidationReport {
  location: string;
  /** True when no error problem was found. */
  ok: boolean;
  deep: boolean;
  /** The checkpoint as the listing sees it, when the path is one. */
  checkpoint: Checkpoint | null;
  problems: CheckpointProblem[];
  /**
   * What was checked, never empty: first the layout's completeness rules with header checks
   * (`layout`, on the checkpoint itself), then with `deep` every file checked in depth.
   */
  checked: Array<{
    file: string;
    kind: "layout" | "safetensors" | "torch-zip" | "index" | "manifest" | "metadata";
    ok: boolean;
  }>;
}

const ZIP_SUFFIXES = [".pt", ".pth", ".bin", ".ckpt"];

/** Metadata files checked against their zod schema in deep validation. */
const METADATA_SCHEMAS: Record<string, z.ZodType> = {
  "trainer_state.json": trainerStateSchema,
  "adapter_config.json": adapterConfigSchema,
  "training_info.json": trainingInfoSchema,
  "metrics.json": metricsFileSchema,
  "training_config.json": trainingConfigSchema,
  "final_checkpoint_info.json": finalCheckpointInfoSchema,
};

/**
 * Validates one checkpoint folder or file without Python. Shallow: the layout's completeness rules
 * plus safetensors headers and zip end records. Deep: also every shard header vs
 * `model.safetensors.index.json`, CRC-32 of every torch zip entry, the pickle STOP of `data.pkl`,
 * and the sha256 manifest when present.
 */
export async function validateCheckpoint(path: string, options: ValidateOptions): Promise<ValidationReport> {
  const storage = requireStorage(options);
  const location = trimSlash(path);
  const stat = await storage.stat(location);
  if (!stat)
    throw new CheckpointError({
      code: "NOT_FOUND",
      message: `${location}: no such file or directory`,
      details: { path: location },
    });
  const deep = options.deep ?? false;
  const report: ValidationReport = { location, ok: false, deep, checkpoint: null, problems: [], checked: [] };
  const parent = dirName(location);
  const name = baseName(location);
  if (options.checkpoint && trimSlash(options.checkpoint.location) === location)
    report.checkpoint = options.checkpoint;
  // find the checkpoint through its run listing (parent, grand-parent for nested layouts)
  for (const runRoot of report.checkpoint ? [] : [parent, dirName(parent), dirName(dirName(parent))]) {
    if (runRoot === location || runRoot === ".") break;
    try {
      const listing = await listCheckpoints(runRoot, {
        storage,
        layout: checkLayout(options.layout),
        verify: "headers",
      });
      const found = listing.checkpoints.find((c) => trimSlash(c.location) === location);
      if (found) {
        report.checkpoint = found;
        break;
      }
    } catch (error) {
      if (!CheckpointError.isInstance(error)) throw error;
    }
    if (runRoot === "/") break;
  }
  if (!report.checkpoint && stat.type === "dir") {
    // not part of a recognised run: analyse the folder on its own
    const ctx: ScanContext = { storage, sizes: true, verify: "headers" };
    const entries = await listDir(ctx, location);
    const digits = name.startsWith("checkpoint-") ? name.slice(11) : undefined;
    const a = await analyzeModelFolder(ctx, location, entries, {
      kind: "auto",
      expectedStep: digits !== undefined && /^\d+$/.test(digits) ? digits : undefined,
      requireTrainerState: name.startsWith("checkpoint-"),
      requireScheduler: name.startsWith("checkpoint-"),
    });
    report.problems.push(...a.problems);
  } else if (report.checkpoint) report.problems.push(...report.checkpoint.problems);
  else if (!ZIP_SUFFIXES.some((s) => name.endsWith(s)) && !name.endsWith(".safetensors"))
    report.problems.push({
      code: "UNKNOWN_FILE",
      message: `${location}: not a checkpoint folder or a known checkpoint file`,
      file: location,
      severity: "error",
    });

  report.checked.push({
    file: location,
    kind: "layout",
    ok: !report.problems.some((p) => p.severity === "error"),
  });

  if (deep) {
    const files: Array<{ path: string; size: number; rel: string }> = [];
    if (stat.type === "file") files.push({ path: location, size: stat.size, rel: name });
    else {
      const walk = async (d: string, rel: string, depth: number) => {
        for (const e of await storage.list(d)) {
          const p = joinPath(d, e.name);
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.type === "dir" && depth < 3) await walk(p, r, depth + 1);
          else if (e.type === "file")
            files.push({ path: p, size: e.size ?? (await storage.stat(p))?.size ?? 0, rel: r });
        }
      };
      await walk(location, "", 0);
    }
    const seen = new Set(report.problems.map((p) => `${p.code}|${p.file}`));
    const add = (ps: CheckpointProblem[]) => {
      for (const p of ps) {
        const k = `${p.code}|${p.file}`;
        if (!seen.has(k)) {
          seen.add(k);
          report.problems.push(p);
        }
      }
    };
    for (const f of files) {
      if (f.rel.endsWith(".safetensors")) {
        const rep = await checkSafetensors(storage, f.path, f.size);
        add(rep.problems);
        report.checked.push({ file: f.path, kind: "safetensors", ok: rep.ok });
      } else if (ZIP_SUFFIXES.some((s) => f.rel.endsWith(s)) && f.size > 0) {
        const rep = await checkTorchZip(storage, f.path, { fileSize: f.size });
        add(rep.problems);
        report.checked.push({ file: f.path, kind: "torch-zip", ok: rep.ok });
      } else if (METADATA_SCHEMAS[baseName(f.rel)]) {
        const probs: CheckpointProblem[] = [];
        try {
          parseWithSchema(METADATA_SCHEMAS[baseName(f.rel)]!, await storage.readText(f.path), f.path);
        } catch (error) {
          probs.push({
            code: "METADATA_INVALID",
            message: (error as Error).message,
            file: f.path,
            severity: "error",
          });
        }
        add(probs);
        report.checked.push({ file: f.path, kind: "metadata", ok: probs.length === 0 });
      } else if (
        f.rel === "model.safetensors.index.json" ||
        f.rel.endsWith("/model.safetensors.index.json")
      ) {
        const probs: CheckpointProblem[] = [];
        const index = parseShardIndex(await storage.readText(f.path), f.path, probs);
        if (index)
          probs.push(...(await checkShardedSafetensors(storage, dirName(f.path), index, baseName(f.path))));
        add(probs);
        report.checked.push({ file: f.path, kind: "index", ok: !probs.some((p) => p.severity === "error") });
      }
    }
    if (stat.type === "dir" && (options.manifest ?? true)) {
      const mpath = joinPath(location, MANIFEST_NAME);
      if (await storage.stat(mpath)) {
        const probs: CheckpointProblem[] = [];
        try {
          const manifest = parseLenientJson(await storage.readText(mpath), {
            source: mpath,
          }) as unknown as Manifest;
          if (!manifest || !Array.isArray((manifest as Manifest).files))
            throw new Error(`${mpath}: no files array`);
          probs.push(...(await verifyManifest(storage, location, manifest)));
        } catch (error) {
          probs.push({
            code: "MANIFEST_INVALID",
            message: (error as Error).message,
            file: mpath,
            severity: "error",
          });
        }
        add(probs);
        report.checked.push({
          file: mpath,
          kind: "manifest",
          ok: !probs.some((p) => p.severity === "error"),
        });
      }
    }
  }
  report.ok = !report.problems.some((p) => p.severity === "error");
  return report;
}

/**
 * Writes `rlops-manifest.json` (path, size, sha256 of every file) into a checkpoint folder, for
 * later `validateCheckpoint(path, {deep: true})`. Needs a storage with `write`.
 */
export async function writeManifest(path: string, options: StorageOptions): Promise<Manifest> {
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
