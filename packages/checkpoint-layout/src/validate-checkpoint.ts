import { checkLayout, listCheckpoints, requireStorage, type StorageOptions } from "./api.js";
import { CheckpointError } from "./errors.js";
import { analyzeModelFolder, listDir, type ScanContext } from "./folder.js";
import {
  type DeepCheckKind,
  type DeepFile,
  deepCheckFor,
  MANIFEST_NAME,
  manifestSchema,
  verifyManifest,
  ZIP_SUFFIXES,
} from "./integrity.js";
import type { Checkpoint, CheckpointProblem, Layout } from "./model.js";
import { parseWithSchema } from "./schemas.js";
import { baseName, dirName, joinPath, type StatInfo, type Storage, trimSlash } from "./storage.js";

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
    kind: "layout" | "manifest" | DeepCheckKind;
    ok: boolean;
  }>;
}

/** The checkpoint at `location` as a listing of its run sees it (parent, then up to two levels up). */
async function findListedCheckpoint(
  storage: Storage,
  location: string,
  layout: Layout | undefined,
): Promise<Checkpoint | null> {
  const parent = dirName(location);
  for (const runRoot of [parent, dirName(parent), dirName(dirName(parent))]) {
    if (runRoot === location || runRoot === ".") break;
    try {
      const listing = await listCheckpoints(runRoot, { storage, layout, verify: "headers" });
      const found = listing.checkpoints.find((c) => trimSlash(c.location) === location);
      if (found) return found;
    } catch (error) {
      if (!CheckpointError.isInstance(error)) throw error;
    }
    if (runRoot === "/") break;
  }
  return null;
}

/** Completeness problems: the listed checkpoint's, or the folder's own rules, or "not a checkpoint". */
async function layoutProblems(
  storage: Storage,
  location: string,
  stat: StatInfo,
  checkpoint: Checkpoint | null,
): Promise<CheckpointProblem[]> {
  if (checkpoint) return [...checkpoint.problems];
  const name = baseName(location);
  if (stat.type === "dir") {
    // not part of a recognised run: analyse the folder on its own
    const ctx: ScanContext = { storage, sizes: true, verify: "headers" };
    const digits = name.startsWith("checkpoint-") ? name.slice(11) : undefined;
    const a = await analyzeModelFolder(ctx, location, await listDir(ctx, location), {
      kind: "auto",
      expectedStep: digits !== undefined && /^\d+$/.test(digits) ? digits : undefined,
      requireTrainerState: name.startsWith("checkpoint-"),
      requireScheduler: name.startsWith("checkpoint-"),
    });
    return a.problems;
  }
  if (ZIP_SUFFIXES.some((s) => name.endsWith(s)) || name.endsWith(".safetensors")) return [];
  return [
    {
      code: "UNKNOWN_FILE",
      message: `${location}: not a checkpoint folder or a known checkpoint file`,
      file: location,
      severity: "error",
    },
  ];
}

/** The files a deep validation looks at: the file itself, or the folder's files up to 3 levels down. */
async function deepFiles(storage: Storage, location: string, stat: StatInfo): Promise<DeepFile[]> {
  if (stat.type === "file") return [{ path: location, size: stat.size, rel: baseName(location) }];
  const files: DeepFile[] = [];
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
  return files;
}

/** Verifies the folder's `rlops-manifest.json` when present; `null` when there is none. */
async function checkManifestOf(storage: Storage, dir: string): Promise<CheckpointProblem[] | null> {
  const mpath = joinPath(dir, MANIFEST_NAME);
  if (!(await storage.stat(mpath))) return null;
  try {
    const manifest = parseWithSchema(manifestSchema, await storage.readText(mpath), mpath);
    return await verifyManifest(storage, dir, manifest);
  } catch (error) {
    if (!CheckpointError.isInstance(error)) throw error;
    return [{ code: "MANIFEST_INVALID", message: error.message, file: mpath, severity: "error" }];
  }
}

/** Adds the deep checks' findings to `report`, each problem once (by code and file). */
async function runDeepChecks(
  storage: Storage,
  report: ValidationReport,
  stat: StatInfo,
  manifest: boolean,
): Promise<void> {
  const seen = new Set(report.problems.map((p) => `${p.code}|${p.file}`));
  const add = (ps: CheckpointProblem[]) => {
    for (const p of ps) {
      const k = `${p.code}|${p.file}`;
      if (seen.has(k)) continue;
      seen.add(k);
      report.problems.push(p);
    }
  };
  for (const f of await deepFiles(storage, report.location, stat)) {
    const check = deepCheckFor(f);
    if (!check) continue;
    const result = await check.check(storage, f);
    add(result.problems);
    report.checked.push({ file: f.path, kind: check.kind, ok: result.ok });
  }
  if (stat.type !== "dir" || !manifest) return;
  const probs = await checkManifestOf(storage, report.location);
  if (!probs) return;
  add(probs);
  report.checked.push({
    file: joinPath(report.location, MANIFEST_NAME),
    kind: "manifest",
    ok: !probs.some((p) => p.severity === "error"),
  });
}

/**
 * Validates one checkpoint folder or file without Python. Shallow: the layout's completeness rules
 * plus safetensors headers and zip end records. Deep: also every shard header vs
 * `model.safetensors.index.json`, CRC-32 of every torch zip entry, the pickle STOP of `data.pkl`,
 * the byte ranges a DCP `.metadata` names, and the sha256 manifest when present.
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
  const checkpoint =
    options.checkpoint && trimSlash(options.checkpoint.location) === location
      ? options.checkpoint
      : await findListedCheckpoint(storage, location, checkLayout(options.layout));
  const problems = await layoutProblems(storage, location, stat, checkpoint);
  const report: ValidationReport = { location, ok: false, deep, checkpoint, problems, checked: [] };
  report.checked.push({ file: location, kind: "layout", ok: !problems.some((p) => p.severity === "error") });
  if (deep) await runDeepChecks(storage, report, stat, options.manifest ?? true);
  report.ok = !report.problems.some((p) => p.severity === "error");
  return report;
}
