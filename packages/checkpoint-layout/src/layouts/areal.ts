import { checkDcpRanges } from "../dcp.js";
import { analyzeModelFolder, checkDcpEntries, listDir, tryListDir } from "../folder.js";
import { parseLenientJson } from "../json.js";
import type { Checkpoint, CheckpointProblem, IgnoredEntry } from "../model.js";
import { arealRecoverInfoFiles, type stepInfoSchema, validateWithSchema } from "../schemas.js";
import { type DirEntry, dirName, joinPath, trimSlash } from "../storage.js";
import { makeCheckpoint, progressMap, type ScanOptions, type ScanResult } from "./common.js";

import { parseArealName } from "./names.js";

// ---------------------------------------------------------------- AReaL

interface ArealSaveRoot {
  saveRoot: string;
  models: string[];
}

export async function findArealRoots(
  opts: ScanOptions,
  dir: string,
  entries: DirEntry[],
  depth: number,
): Promise<ArealSaveRoot[]> {
  const dirs = entries.filter((e) => e.type === "dir");
  if (
    dirs.some((e) => parseArealName(e.name) || e.name === "recover_checkpoint") &&
    !dirs.some((e) => e.name === "recover_info")
  ) {
    // a model save root given directly, or a save root holding a stray recover_checkpoint
    const hasExports = dirs.some((e) => parseArealName(e.name));
    if (hasExports) return [{ saveRoot: dir, models: ["."] }];
  }
  const models: string[] = [];
  for (const d of dirs) {
    if (d.name === "recover_info") continue;
    if (d.name === "recover_checkpoint") {
      models.push(".");
      continue;
    }
    if (dirs.length > 64) break;
    const sub = await tryListDir(opts, joinPath(dir, d.name));
    if (sub?.some((e) => e.type === "dir" && (parseArealName(e.name) || e.name === "recover_checkpoint")))
      models.push(d.name);
  }
  if (models.length || dirs.some((e) => e.name === "recover_info")) return [{ saveRoot: dir, models }];
  if (depth >= 4) return [];
  const out: ArealSaveRoot[] = [];
  for (const d of dirs.slice(0, 64)) {
    const sub = await tryListDir(opts, joinPath(dir, d.name));
    if (sub) out.push(...(await findArealRoots(opts, joinPath(dir, d.name), sub, depth + 1)));
  }
  return out;
}

async function checkRecoverInfo(
  opts: ScanOptions,
  saveRoot: string,
): Promise<{ problems: CheckpointProblem[]; step: string | null; epoch?: number; files: string[] }> {
  const problems: CheckpointProblem[] = [];
  const dir = joinPath(saveRoot, "recover_info");
  const entries = await tryListDir(opts, dir);
  const files: string[] = [];
  if (!entries) {
    problems.push({
      code: "RECOVER_INFO_MISSING",
      message: `${saveRoot}: no recover_info/ folder (AReaL would start fresh)`,
      file: dir,
      severity: "error",
    });
    return { problems, step: null, files };
  }
  const names = new Map(entries.filter((e) => e.type === "file").map((e) => [e.name, e]));
  let step: string | null = null;
  let epoch: number | undefined;
  for (const [name, schema] of Object.entries(arealRecoverInfoFiles)) {
    const file = joinPath(dir, name);
    if (!names.has(name)) {
      problems.push({
        code: "RECOVER_INFO_MISSING",
        message: `${file}: missing (all six recover_info files are needed)`,
        file,
        severity: "error",
      });
      continue;
    }
    files.push(`recover_info/${name}`);
    try {
      const value = validateWithSchema(
        schema,
        parseLenientJson(await opts.storage.readText(file), { source: file }),
        file,
      );
      if (name === "step_info.json") {
        const si = value as ReturnType<typeof stepInfoSchema.parse>;
        if (Number(si.epoch) < 0 || Number(si.global_step) < 0)
          problems.push({
            code: "RECOVER_STEP_NEGATIVE",
            message: `${file}: epoch/global_step is negative (no step finished yet)`,
            file,
            severity: "error",
          });
        else {
          step = String(si.global_step);
          epoch = Number(si.epoch);
        }
      }
    } catch (error) {
      problems.push({
        code: "RECOVER_INFO_INVALID",
        message: (error as Error).message,
        file,
        severity: "error",
      });
    }
  }
  const pkl = names.get("dataloader_info.pkl");
  const pklFile = joinPath(dir, "dataloader_info.pkl");
  if (!pkl)
    problems.push({
      code: "RECOVER_INFO_MISSING",
      message: `${pklFile}: missing`,
      file: pklFile,
      severity: "error",
    });
  else {
    files.push("recover_info/dataloader_info.pkl");
    const size = pkl.size ?? (await opts.storage.stat(pklFile))?.size ?? 0;
    if (size === 0)
      problems.push({
        code: "EMPTY_FILE",
        message: `${pklFile}: file is empty`,
        file: pklFile,
        severity: "error",
      });
    else if (opts.verify === "headers") {
      const last = await opts.storage.read(pklFile, { start: size - 1, end: size });
      if (last[0] !== 0x2e)
        problems.push({
          code: "PICKLE_NO_STOP",
          message: `${pklFile}: does not end with the pickle STOP opcode (truncated?)`,
          file: pklFile,
          severity: "error",
        });
    }
  }
  return { problems, step, epoch, files };
}

export async function scanAreal(
  opts: ScanOptions,
  root: string,
  rootEntries: DirEntry[],
): Promise<ScanResult> {
  const ignored: IgnoredEntry[] = [];
  const saveRoots = await findArealRoots(opts, root, rootEntries, 0);
  const out: Checkpoint[] = [];
  const multi = saveRoots.length > 1;
  for (const sr of saveRoots) {
    const rel = multi ? `${sr.saveRoot.slice(trimSlash(root).length + 1)}/` : "";
    let infoRoot = sr.saveRoot;
    if (!(await opts.storage.stat(joinPath(sr.saveRoot, "recover_info"))) && sr.models.includes(".")) {
      // a model folder given directly: recover_info/ lives in the save root above it
      const parent = dirName(sr.saveRoot);
      if (await opts.storage.stat(joinPath(parent, "recover_info"))) infoRoot = parent;
    }
    const info = sr.models.length ? await checkRecoverInfo(opts, infoRoot) : null;
    const modelsWithRecover: string[] = [];
    const jobs: Array<{
      dir: string;
      name: string;
      model: string;
      parsed: ReturnType<typeof parseArealName>;
      entry: DirEntry;
    }> = [];
    for (const m of sr.models) {
      const mdir = m === "." ? sr.saveRoot : joinPath(sr.saveRoot, m);
      const entries = await listDir(opts, mdir);
      for (const e of entries) {
        if (e.type !== "dir") continue;
        const parsed = parseArealName(e.name);
        const name = m === "." ? e.name : `${m}/${e.name}`;
        if (parsed) jobs.push({ dir: joinPath(mdir, e.name), name: rel + name, model: m, parsed, entry: e });
        else if (e.name === "recover_checkpoint") {
          modelsWithRecover.push(m);
          jobs.push({ dir: joinPath(mdir, e.name), name: rel + name, model: m, parsed: null, entry: e });
        } else if (m !== "." || e.name.startsWith("epoch"))
          ignored.push({
            path: joinPath(mdir, e.name),
            reason: "not an epoch{E}epochstep{S}globalstep{G} folder",
          });
      }
    }
    const checkpoints = await progressMap(opts, jobs, async (job) => {
      const entries = await listDir(opts, job.dir);
      if (job.parsed) {
        const a = await analyzeModelFolder(opts, job.dir, entries, {
          kind: "export",
          requireTrainerState: false,
          requireScheduler: false,
        });
        const c = makeCheckpoint("areal", job.dir, job.name, "intermediate", job.parsed.globalStep, a, {
          epoch: Number(job.parsed.epoch),
          mtimeMs: job.entry.mtimeMs,
        });
        c.problems.push({
          code: "EXPORT_ONLY",
          message: `${job.name}: HF-format export (no optimizer); AReaL resumes from recover_checkpoint only`,
          severity: "warning",
        });
        return c;
      }
      const problems: CheckpointProblem[] = [];
      let dcpOk = checkDcpEntries(job.dir, entries, problems);
      if (dcpOk && opts.verify === "headers") {
        const ranges = await checkDcpRanges(opts.storage, job.dir, entries);
        problems.push(...ranges);
        dcpOk = ranges.length === 0;
      }
      if (info) problems.push(...info.problems);
      for (const m of sr.models)
        if (!modelsWithRecover.includes(m) && info)
          problems.push({
            code: "RECOVER_CHECKPOINT_MISSING",
            message: `${m}/recover_checkpoint is missing; AReaL recovers every model together`,
            file: joinPath(sr.saveRoot, m, "recover_checkpoint"),
            severity: "error",
          });
      const files = entries.filter((e) => e.type === "file").map((e) => e.name);
      let bytes: number | null = opts.sizes ? 0 : null;
      for (const e of entries) if (bytes !== null && e.type === "file") bytes += e.size ?? 0;
      const ok = dcpOk && !problems.some((p) => p.severity === "error");
      return makeCheckpoint(
        "areal",
        job.dir,
        job.name,
        "recover",
        info?.step ?? null,
        {
          problems,
          resume: ok,
          inference: false,
          files: [...files, ...(info?.files.map((f) => `../${f}`) ?? [])],
          bytes,
        },
        { epoch: info?.epoch, mtimeMs: job.entry.mtimeMs },
      );
    });
    out.push(...checkpoints);
  }
  return { root, checkpoints: out, ignored };
}
