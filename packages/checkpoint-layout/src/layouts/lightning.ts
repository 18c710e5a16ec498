import { CheckpointError } from "../errors.js";
import { listDir, tryListDir } from "../folder.js";
import { checkTorchZip } from "../integrity.js";
import { type Checkpoint, type CheckpointProblem, compareStepText, isDigits } from "../model.js";
import { type LightningCheckpointMeta, readLightningCheckpointMeta } from "../pickle/meta.js";
import { type DirEntry, joinPath } from "../storage.js";
import { makeCheckpoint, progressMap, type ScanOptions, type ScanResult } from "./common.js";

/** Parses a Lightning checkpoint file name (`epoch=0-step=4.ckpt`, `last-v1.ckpt`, `epoch=2-val_loss=0.12.ckpt`). */
export function parseLightningName(file: string): {
  last: boolean;
  version?: number;
  epoch?: string;
  step?: string;
  metrics: Record<string, number>;
} | null {
  if (!file.endsWith(".ckpt")) return null;
  let base = file.slice(0, -5);
  let version: number | undefined;
  const v = base.lastIndexOf("-v");
  if (v >= 0 && isDigits(base.slice(v + 2))) {
    version = Number(base.slice(v + 2));
    base = base.slice(0, v);
  }
  const out: {
    last: boolean;
    version?: number;
    epoch?: string;
    step?: string;
    metrics: Record<string, number>;
  } = { last: base === "last" || base.startsWith("last"), metrics: {} };
  if (version !== undefined) out.version = version;
  for (const tok of base.split("-")) {
    const eq = tok.indexOf("=");
    if (eq < 0) continue;
    const k = tok.slice(0, eq);
    const val = tok.slice(eq + 1);
    if (k === "epoch" && isDigits(val)) out.epoch = val;
    else if (k === "step" && isDigits(val)) out.step = val;
    else if (val !== "" && Number.isFinite(Number(val))) out.metrics[k] = Number(val);
  }
  return out;
}

const MAX_LOGGERS = 64;
const MAX_VERSIONS = 256;

/**
 * Folders that hold `.ckpt` files: the root, `checkpoints/`, and `<logger name>/version_N/checkpoints/`
 * for any logger name (`lightning_logs`, `CSVLogger(name="csv")` → `csv/`, several loggers → joined
 * names), plus `.ckpt` files directly inside `version_N/`.
 */
async function checkpointDirs(opts: ScanOptions, root: string, rootEntries: DirEntry[]) {
  const dirs: Array<{ dir: string; prefix: string; entries: DirEntry[] }> = [
    { dir: root, prefix: "", entries: rootEntries },
  ];
  const ck = rootEntries.find((e) => e.type === "dir" && e.name === "checkpoints");
  if (ck)
    dirs.push({
      dir: joinPath(root, "checkpoints"),
      prefix: "checkpoints/",
      entries: await listDir(opts, joinPath(root, "checkpoints")),
    });
  const loggers = rootEntries
    .filter((e) => e.type === "dir" && e.name !== "checkpoints")
    .slice(0, MAX_LOGGERS);
  for (const lg of loggers) {
    const ldir = joinPath(root, lg.name);
    const versions = (await tryListDir(opts, ldir))?.filter(
      (v) => v.type === "dir" && v.name.startsWith("version_"),
    );
    for (const v of (versions ?? []).slice(0, MAX_VERSIONS)) {
      const vdir = joinPath(ldir, v.name);
      const ventries = await tryListDir(opts, vdir);
      if (!ventries) continue;
      if (ventries.some((e) => e.type === "file" && e.name.endsWith(".ckpt")))
        dirs.push({ dir: vdir, prefix: `${lg.name}/${v.name}/`, entries: ventries });
      if (ventries.some((e) => e.type === "dir" && e.name === "checkpoints")) {
        const d = joinPath(vdir, "checkpoints");
        const entries = await tryListDir(opts, d);
        if (entries) dirs.push({ dir: d, prefix: `${lg.name}/${v.name}/checkpoints/`, entries });
      }
    }
  }
  return dirs;
}

/** True when a root (or a logger folder under it) holds Lightning checkpoints. */
export async function hasLightningCheckpoints(
  opts: ScanOptions,
  root: string,
  rootEntries: DirEntry[],
): Promise<string | null> {
  for (const d of await checkpointDirs(opts, root, rootEntries))
    if (d.entries.some((e) => e.type === "file" && e.name.endsWith(".ckpt"))) return `${d.prefix}*.ckpt`;
  return null;
}

const base = (p: string) => p.slice(p.lastIndexOf("/") + 1);

async function readMeta(
  opts: ScanOptions,
  path: string,
  problems: CheckpointProblem[],
): Promise<LightningCheckpointMeta | null> {
  try {
    return await readLightningCheckpointMeta(opts.storage, path);
  } catch (error) {
    if (!CheckpointError.isInstance(error)) throw error;
    problems.push({
      code: "CKPT_UNREADABLE",
      message: `${path}: the checkpoint's pickle is unreadable (${error.message})`,
      file: path,
      severity: "error",
    });
    return null;
  }
}

/**
 * Lightning `.ckpt` files. `last*.ckpt` get their step and epoch from the file's own pickle; the
 * `ModelCheckpoint` callback state of each folder's newest file names the best checkpoint
 * (`best: true`) and the top-k scores (`metrics.best_k_score`).
 */
export async function scanLightning(
  opts: ScanOptions,
  root: string,
  rootEntries: DirEntry[],
): Promise<ScanResult> {
  const dirs = await checkpointDirs(opts, root, rootEntries);
  const perDir: Checkpoint[][] = [];
  for (const d of dirs) {
    const jobs = d.entries.flatMap((e) => {
      const parsed = e.type === "file" ? parseLightningName(e.name) : null;
      return parsed ? [{ e, parsed }] : [];
    });
    const metas = new Map<string, LightningCheckpointMeta>();
    const out = await progressMap(opts, jobs, async ({ e, parsed }) => {
      const path = joinPath(d.dir, e.name);
      const problems: CheckpointProblem[] = [];
      const size = e.size ?? (await opts.storage.stat(path))?.size ?? 0;
      let ok = size > 0;
      if (!ok)
        problems.push({
          code: "EMPTY_FILE",
          message: `${path}: file is empty`,
          file: path,
          severity: "error",
        });
      else if (opts.verify === "headers") {
        const rep = await checkTorchZip(opts.storage, path, {
          fileSize: size,
          verifyCrc: false,
          endRecordOnly: true,
        });
        if (!rep.ok) {
          problems.push(...rep.problems.filter((p) => p.severity === "error"));
          ok = false;
        }
      }
      let step = parsed.step ?? null;
      let epoch = parsed.epoch === undefined ? undefined : Number(parsed.epoch);
      if (ok && (parsed.last || step === null)) {
        // last.ckpt (or a custom file name): the step is inside the file
        const meta = await readMeta(opts, path, problems);
        if (meta) {
          metas.set(e.name, meta);
          if (meta.global_step !== null) step = String(meta.global_step);
          if (meta.epoch !== null) epoch = meta.epoch;
        } else ok = false;
      }
      const c = makeCheckpoint(
        "lightning",
        path,
        d.prefix + e.name,
        "intermediate",
        step,
        {
          problems,
          resume: ok,
          inference: ok,
          files: [e.name],
          bytes: opts.sizes ? size : null,
          metrics: Object.keys(parsed.metrics).length ? parsed.metrics : undefined,
        },
        { mtimeMs: e.mtimeMs },
      );
      if (epoch !== undefined) c.epoch = epoch;
      return c;
    });
    await markBest(opts, d.dir, out, metas);
    perDir.push(out);
  }
  return { root, checkpoints: perDir.flat(), ignored: [] };
}

/** Marks the folder's ModelCheckpoint best (from the newest readable file's callback state). */
async function markBest(
  opts: ScanOptions,
  dir: string,
  out: Checkpoint[],
  metas: Map<string, LightningCheckpointMeta>,
): Promise<void> {
  const readable = out.filter((c) => c.complete);
  if (!readable.length) return;
  // newest by step; last.ckpt (a copy of the newest save) wins ties
  const newest = readable.reduce((a, b) =>
    a.stepText !== null && b.stepText !== null && compareStepText(b.stepText, a.stepText) > 0 ? b : a,
  );
  const name = base(newest.location);
  const meta = metas.get(name) ?? (await readMeta(opts, joinPath(dir, name), []));
  const mc = meta?.model_checkpoints.find((m) => m.best_model_path);
  if (!mc?.best_model_path) return;
  const bestFile = base(mc.best_model_path);
  for (const c of out) {
    if (base(c.location) !== bestFile) continue;
    c.best = true;
    if (mc.best_model_score !== null)
      c.metrics = { ...c.metrics, [mc.monitor ?? "best_model_score"]: mc.best_model_score };
  }
}
