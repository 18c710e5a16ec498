import { CheckpointError } from "./errors.js";
import {
  analyzeDeepSpeed,
  analyzeModelFolder,
  checkDcpEntries,
  type FolderAnalysis,
  listDir,
  type ScanContext,
  tryListDir,
} from "./folder.js";
import { checkTorchZip } from "./integrity.js";
import { parseLenientJson } from "./json.js";
import {
  type Checkpoint,
  type CheckpointProblem,
  type CheckpointRole,
  compareCheckpoints,
  compareStepText,
  type IgnoredEntry,
  isDigits,
  type Layout,
  normalizeDigits,
  stepFromDigits,
} from "./model.js";
import {
  arealRecoverInfoFiles,
  finalCheckpointInfoSchema,
  parseCheckpointsJsonl,
  responseLogSchema,
  type stepInfoSchema,
  validateWithSchema,
} from "./schemas.js";
import { type DirEntry, dirName, joinPath, mapLimit, type Storage, trimSlash } from "./storage.js";
import { parseTinkerPath } from "./tinker.js";

/** Progress of a listing: `done` of `total` candidate folders analysed. */
export type ProgressCallback = (progress: { done: number; total: number }) => void;

/** Remote knowledge about Tinker checkpoints (e.g. from `RestClient.list_checkpoints`). */
export interface TinkerRemoteInfo {
  /** Current time (ms since epoch) used for `expires_at` checks; default `Date.now()`. */
  now?: number;
  /** Checkpoints that exist server-side; when given, addresses not in it count as deleted. */
  checkpoints?: Array<{ tinker_path: string; expires_at?: string | null }>;
}

/** Internal scan options. */
export interface ScanOptions extends ScanContext {
  onProgress?: ProgressCallback;
  tinker?: TinkerRemoteInfo;
}

/** What a scanner returns. */
export interface ScanResult {
  root: string;
  checkpoints: Checkpoint[];
  ignored: IgnoredEntry[];
}

const HF_RE_PREFIX = "checkpoint-";

function hfStep(name: string): string | null {
  if (!name.startsWith(HF_RE_PREFIX)) return null;
  const rest = name.slice(HF_RE_PREFIX.length);
  return isDigits(rest) ? rest : null;
}

/** `epoch{E}epochstep{S}globalstep{G}` → digits, or null. */
export function parseArealName(
  name: string,
): { epoch: string; epochStep: string; globalStep: string } | null {
  if (!name.startsWith("epoch")) return null;
  const a = name.indexOf("epochstep", 5);
  if (a < 0) return null;
  const b = name.indexOf("globalstep", a + 9);
  if (b < 0) return null;
  const epoch = name.slice(5, a);
  const epochStep = name.slice(a + 9, b);
  const globalStep = name.slice(b + 10);
  if (!isDigits(epoch) || !isDigits(epochStep) || !isDigits(globalStep)) return null;
  return { epoch, epochStep, globalStep };
}

function prefixedStep(name: string, prefix: string): string | null {
  if (!name.startsWith(prefix)) return null;
  const rest = name.slice(prefix.length);
  return isDigits(rest) ? rest : null;
}

function makeCheckpoint(
  layout: Layout,
  location: string,
  name: string,
  role: CheckpointRole,
  stepDigits: string | null,
  a: Pick<FolderAnalysis, "problems" | "resume" | "inference" | "files" | "bytes" | "metrics">,
  extra: Partial<Checkpoint> = {},
): Checkpoint {
  const step = stepDigits === null ? { step: null, stepText: null } : stepFromDigits(stepDigits);
  const c: Checkpoint = {
    layout,
    location,
    name,
    step: step.step,
    stepText: step.stepText,
    role,
    capabilities: { resume: a.resume, inference: a.inference },
    complete: !a.problems.some((p) => p.severity === "error"),
    problems: a.problems,
    files: a.files,
    bytes: a.bytes,
    ...extra,
  };
  if (a.metrics) c.metrics = a.metrics;
  if (step.step !== null && !Number.isSafeInteger(step.step))
    c.problems.push({
      code: "STEP_UNSAFE",
      message: `${name}: step ${step.stepText} exceeds 2^53; use stepText for exact value`,
      severity: "warning",
    });
  return c;
}

async function progressMap<T, R>(opts: ScanOptions, items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  let done = 0;
  const total = items.length;
  opts.onProgress?.({ done, total });
  return mapLimit(items, 32, async (item) => {
    const r = await fn(item);
    done++;
    if (opts.onProgress && (done === total || done % 50 === 0)) opts.onProgress({ done, total });
    return r;
  });
}

// ---------------------------------------------------------------- Hugging Face

async function scanHf(
  opts: ScanOptions,
  root: string,
  rootEntries: DirEntry[],
  prefix = "",
): Promise<ScanResult> {
  const ignored: IgnoredEntry[] = [];
  const jobs: Array<{ name: string; entry: DirEntry; step: string | null; role: CheckpointRole }> = [];
  const nested: DirEntry[] = [];
  for (const e of rootEntries) {
    if (e.type !== "dir") continue;
    const step = hfStep(e.name);
    if (step !== null) jobs.push({ name: e.name, entry: e, step, role: "intermediate" });
    else if (e.name === "final_checkpoint") jobs.push({ name: e.name, entry: e, step: null, role: "final" });
    else if (e.name === "last-checkpoint")
      jobs.push({ name: e.name, entry: e, step: null, role: "intermediate" });
    else if (e.name.startsWith("tmp-checkpoint-"))
      ignored.push({
        path: joinPath(root, e.name),
        reason: "staging folder of an interrupted save (tmp-checkpoint-*)",
      });
    else if (e.name.startsWith(HF_RE_PREFIX)) {
      const entry: IgnoredEntry = {
        path: joinPath(root, e.name),
        reason: "not a checkpoint-<N> folder (HF resume ignores it; save_total_limit may still rotate it)",
      };
      if (e.mtimeMs !== undefined) entry.mtimeMs = e.mtimeMs;
      ignored.push(entry);
    } else if (e.name.startsWith("run-") && !prefix) nested.push(e);
  }
  const checkpoints = await progressMap(opts, jobs, async (job) => {
    const dir = joinPath(root, job.name);
    const entries = await listDir(opts, dir);
    const a = await analyzeModelFolder(opts, dir, entries, {
      kind: job.role === "final" ? "auto" : "training",
      expectedStep: job.step ?? undefined,
      requireTrainerState: true,
      requireScheduler: true,
    });
    let stepDigits = job.step;
    if (stepDigits === null && job.name === "last-checkpoint" && a.globalStepText)
      stepDigits = a.globalStepText;
    // folder mtimes feed HF's mtime-ordered rotation; one stat per folder when sizes are read anyway
    const mtimeMs = job.entry.mtimeMs ?? (opts.sizes ? (await opts.storage.stat(dir))?.mtimeMs : undefined);
    const c = makeCheckpoint(
      "hf",
      dir,
      prefix + job.name,
      job.role,
      stepDigits,
      a,
      mtimeMs === undefined ? {} : { mtimeMs },
    );
    return { c, best: a.bestModelCheckpoint, gs: a.globalStepText };
  });
  // the newest trainer_state names the best checkpoint
  let newest: { best?: string | null; gs?: string } | undefined;
  for (const r of checkpoints) if (r.gs && (!newest?.gs || compareStepText(r.gs, newest.gs) > 0)) newest = r;
  const out = checkpoints.map((r) => r.c);
  if (newest?.best) {
    const bestName = trimSlash(newest.best).split("/").pop();
    const match = out.find((c) => c.name === prefix + bestName);
    if (match) match.best = true;
  }
  // root-level save_model() output
  if (
    !prefix &&
    rootEntries.some(
      (e) =>
        e.type === "file" &&
        (e.name === "model.safetensors" ||
          e.name === "adapter_model.safetensors" ||
          e.name === "model.safetensors.index.json" ||
          e.name === "pytorch_model.bin"),
    )
  ) {
    const a = await analyzeModelFolder(
      opts,
      root,
      rootEntries.filter((e) => e.type === "file"),
      { kind: "export", requireTrainerState: false, requireScheduler: false },
    );
    out.push(makeCheckpoint("hf", root, ".", "final", null, a));
  }
  for (const n of nested) {
    const sub = joinPath(root, n.name);
    const r = await scanHf(opts, sub, await listDir(opts, sub), `${n.name}/`);
    out.push(...r.checkpoints);
    ignored.push(...r.ignored);
  }
  return { root, checkpoints: out, ignored };
}

// ---------------------------------------------------------------- step folders

async function scanStepFolders(
  opts: ScanOptions,
  root: string,
  rootEntries: DirEntry[],
): Promise<ScanResult> {
  const ignored: IgnoredEntry[] = [];
  const hasCkptDir = rootEntries.some((e) => e.type === "dir" && e.name === "checkpoints");
  const ckptRoot = hasCkptDir ? joinPath(root, "checkpoints") : root;
  const ckptEntries = hasCkptDir ? await listDir(opts, ckptRoot) : rootEntries;
  const prefix = hasCkptDir ? "checkpoints/" : "";
  const jobs: Array<{
    dir: string;
    name: string;
    step: string | null;
    role: CheckpointRole;
    entry: DirEntry;
  }> = [];
  for (const e of ckptEntries) {
    if (e.type !== "dir") continue;
    const s = prefixedStep(e.name, "step_") ?? prefixedStep(e.name, "step-");
    if (s !== null)
      jobs.push({
        dir: joinPath(ckptRoot, e.name),
        name: prefix + e.name,
        step: s,
        role: "intermediate",
        entry: e,
      });
    else if (e.name.startsWith("step"))
      ignored.push({ path: joinPath(ckptRoot, e.name), reason: "not a step_<N> folder" });
  }
  for (const e of rootEntries)
    if (e.type === "dir" && (e.name === "final_model" || e.name === "final"))
      jobs.push({ dir: joinPath(root, e.name), name: e.name, step: null, role: "final", entry: e });
  // response logs, keyed by step
  const logDir = joinPath(root, "logs", "responses");
  const logs = rootEntries.some((e) => e.name === "logs") ? await tryListDir(opts, logDir) : null;
  const logByStep = new Map<string, string>();
  for (const e of logs ?? []) {
    if (e.type !== "file" || !e.name.startsWith("step_") || !e.name.endsWith(".json")) continue;
    const d = e.name.slice(5, -5);
    if (isDigits(d)) logByStep.set(normalizeDigits(d), e.name);
  }
  const out = await progressMap(opts, jobs, async (job) => {
    const entries = await listDir(opts, job.dir);
    const a = await analyzeModelFolder(opts, job.dir, entries, {
      kind: "auto",
      expectedStep: job.step ?? undefined,
      requireTrainerState: false,
      requireScheduler: false,
    });
    const c = makeCheckpoint("step-folders", job.dir, job.name, job.role, job.step, a, {
      mtimeMs: job.entry.mtimeMs,
    });
    const logName = job.step === null ? undefined : logByStep.get(normalizeDigits(job.step));
    if (logName) {
      const file = joinPath(logDir, logName);
      try {
        const log = validateWithSchema(
          responseLogSchema,
          parseLenientJson(await opts.storage.readText(file), { source: file }),
          file,
        );
        const acc = log.best_accuracy;
        if (typeof acc === "number") c.metrics = { ...c.metrics, best_accuracy: acc };
        if (compareStepText(String(log.step), job.step!) !== 0)
          c.problems.push({
            code: "RESPONSE_LOG_STEP_MISMATCH",
            message: `${file}: step is ${log.step}, file name says ${normalizeDigits(job.step!)}`,
            file,
            severity: "warning",
          });
      } catch (error) {
        ignored.push({ path: file, reason: `response log unreadable: ${(error as Error).message}` });
      }
    }
    return c;
  });
  return { root, checkpoints: out, ignored };
}

// ---------------------------------------------------------------- AReaL

interface ArealSaveRoot {
  saveRoot: string;
  models: string[];
}

async function findArealRoots(
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

async function scanAreal(opts: ScanOptions, root: string, rootEntries: DirEntry[]): Promise<ScanResult> {
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
      const dcpOk = checkDcpEntries(job.dir, entries, problems);
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

// ---------------------------------------------------------------- staged trainer

function flattenNumbers(value: unknown, prefix: string, out: Record<string, number>, depth = 0): void {
  if (depth > 4) return;
  if (typeof value === "number") out[prefix] = value;
  else if (typeof value === "object" && value !== null && !Array.isArray(value))
    for (const [k, v] of Object.entries(value))
      flattenNumbers(v, prefix ? `${prefix}.${k}` : k, out, depth + 1);
}

async function scanStaged(opts: ScanOptions, root: string, rootEntries: DirEntry[]): Promise<ScanResult> {
  const hasCkptDir =
    rootEntries.some((e) => e.type === "dir" && e.name === "checkpoints") &&
    !rootEntries.some((e) => e.type === "dir" && prefixedStep(e.name, "stage_"));
  const base = hasCkptDir ? joinPath(root, "checkpoints") : root;
  const entries = hasCkptDir ? await listDir(opts, base) : rootEntries;
  const prefix = hasCkptDir ? "checkpoints/" : "";
  const ignored: IgnoredEntry[] = [];
  const jobs: Array<{ e: DirEntry; step: string | null; role: CheckpointRole }> = [];
  for (const e of entries) {
    if (e.type !== "dir") continue;
    const s = prefixedStep(e.name, "stage_");
    if (s !== null) jobs.push({ e, step: s, role: "intermediate" });
    else if (e.name === "best") jobs.push({ e, step: null, role: "best" });
    else if (e.name === "final") jobs.push({ e, step: null, role: "final" });
    else if (e.name.startsWith("stage"))
      ignored.push({ path: joinPath(base, e.name), reason: "not a stage_<N> folder" });
  }
  const out = await progressMap(opts, jobs, async (job) => {
    const dir = joinPath(base, job.e.name);
    const list = await listDir(opts, dir);
    const files = new Map(list.filter((x) => x.type === "file").map((x) => [x.name, x]));
    const problems: CheckpointProblem[] = [];
    const bad = new Set<string>();
    for (const req of ["generator.pt", "discriminator.pt"]) {
      const f = files.get(req);
      if (!f) {
        problems.push({
          code: "STAGED_FILE_MISSING",
          message: `${dir}: ${req} missing`,
          file: joinPath(dir, req),
          severity: "error",
        });
        bad.add(req);
      } else if (f.size === 0) {
        problems.push({
          code: "EMPTY_FILE",
          message: `${dir}/${req}: file is empty`,
          file: joinPath(dir, req),
          severity: "error",
        });
        bad.add(req);
      } else if (opts.verify === "headers") {
        const rep = await checkTorchZip(opts.storage, joinPath(dir, req), {
          fileSize: f.size,
          verifyCrc: false,
          endRecordOnly: true,
        });
        if (!rep.ok) {
          problems.push(...rep.problems.filter((p) => p.severity === "error"));
          bad.add(req);
        }
      }
    }
    const metaName = job.role === "final" ? "training_config.json" : "metrics.json";
    let metrics: Record<string, number> | undefined;
    if (!files.has(metaName))
      problems.push({
        code: "METADATA_MISSING",
        message: `${dir}: ${metaName} missing`,
        file: joinPath(dir, metaName),
        severity: "warning",
      });
    else {
      try {
        const v = parseLenientJson(await opts.storage.readText(joinPath(dir, metaName)), {
          source: joinPath(dir, metaName),
        });
        if (typeof v !== "object" || v === null || Array.isArray(v))
          throw new Error(`${joinPath(dir, metaName)}: not a JSON object`);
        if (metaName === "metrics.json") {
          const m: Record<string, number> = {};
          flattenNumbers(v, "", m);
          if (Object.keys(m).length) metrics = m;
        }
      } catch (error) {
        problems.push({
          code: "METADATA_INVALID",
          message: (error as Error).message,
          file: joinPath(dir, metaName),
          severity: "warning",
        });
      }
    }
    let bytes: number | null = opts.sizes ? 0 : null;
    for (const x of list) if (bytes !== null && x.type === "file") bytes += x.size ?? 0;
    return makeCheckpoint(
      "staged",
      dir,
      prefix + job.e.name,
      job.role,
      job.step,
      {
        problems,
        resume: bad.size === 0,
        inference: !bad.has("generator.pt"),
        files: list.map((x) => (x.type === "dir" ? `${x.name}/` : x.name)),
        bytes,
        metrics,
      },
      { mtimeMs: job.e.mtimeMs, ...(job.role === "best" ? { best: true } : {}) },
    );
  });
  return { root, checkpoints: out, ignored };
}

// ---------------------------------------------------------------- Tinker

async function scanTinker(opts: ScanOptions, root: string, rootEntries: DirEntry[]): Promise<ScanResult> {
  const ignored: IgnoredEntry[] = [];
  let base = root;
  let names = new Set(rootEntries.filter((e) => e.type === "file").map((e) => e.name));
  if (!names.has("checkpoints.jsonl") && !names.has("final_checkpoint_info.json")) {
    base = joinPath(root, "checkpoints");
    names = new Set(
      ((await tryListDir(opts, base)) ?? []).filter((e) => e.type === "file").map((e) => e.name),
    );
  }
  const now = opts.tinker?.now ?? Date.now();
  const remote = opts.tinker?.checkpoints
    ? new Map(opts.tinker.checkpoints.map((c) => [c.tinker_path, c]))
    : null;
  const out: Checkpoint[] = [];
  const checkUri = (
    uri: string,
    kind: "weights" | "sampler_weights",
    what: string,
    problems: CheckpointProblem[],
    expiresAt?: string | null,
  ): boolean => {
    const parsed = parseTinkerPath(uri);
    if (!parsed || parsed.checkpointId.split("/")[0] !== kind) {
      problems.push({
        code: "TINKER_PATH_INVALID",
        message: `${what}: "${uri}" is not tinker://<run-id>/${kind}/<name>`,
        severity: "error",
      });
      return false;
    }
    const r = remote?.get(uri);
    if (remote && !r) {
      problems.push({
        code: "TINKER_DELETED",
        message: `${what}: ${uri} is not in the remote checkpoint list (deleted or expired)`,
        severity: "error",
      });
      return false;
    }
    const exp = r?.expires_at ?? expiresAt;
    if (exp) {
      const t = Date.parse(exp);
      if (Number.isFinite(t) && t <= now) {
        problems.push({
          code: "TINKER_EXPIRED",
          message: `${what}: ${uri} expired at ${exp}`,
          severity: "error",
        });
        return false;
      }
    }
    return true;
  };
  if (names.has("checkpoints.jsonl")) {
    const file = joinPath(base, "checkpoints.jsonl");
    const { records, problems } = parseCheckpointsJsonl(await opts.storage.readText(file), file);
    for (const p of problems) ignored.push({ path: `${file}:${p.line}`, reason: `${p.code}: ${p.message}` });
    // later rows with the same name supersede earlier ones (restarts append again)
    const lastIndex = new Map<string, number>();
    for (const [i, r] of records.entries()) lastIndex.set(r.name, i);
    let laterRolling = false;
    let laterFinal = false;
    const built: Checkpoint[] = [];
    for (let i = records.length - 1; i >= 0; i--) {
      const r = records[i]!;
      if (lastIndex.get(r.name) !== i) {
        ignored.push({
          path: `${file}:${r.line}`,
          reason: `superseded by a later row named "${r.name}" (line ${records[lastIndex.get(r.name)!]!.line})`,
        });
        continue;
      }
      const probs: CheckpointProblem[] = [];
      const what = `${file}:${r.line} (${r.name})`;
      const isFinal = r.name === "final" || r.final === true;
      const stateOk = r.state_path ? checkUri(r.state_path, "weights", what, probs, r.expires_at) : false;
      const samplerOk = r.sampler_path
        ? checkUri(r.sampler_path, "sampler_weights", what, probs, r.expires_at)
        : false;
      let resume = stateOk;
      if (r.rolling === true && (laterRolling || laterFinal)) {
        probs.push({
          code: "TINKER_DELETED",
          message: `${what}: rolling checkpoint replaced by a later save (deleted server-side)`,
          severity: "error",
        });
        resume = false;
      }
      if (r.rolling === true) laterRolling = true;
      if (isFinal) laterFinal = true;
      if (!r.state_path && !r.sampler_path)
        probs.push({
          code: "TINKER_PATH_INVALID",
          message: `${what}: row has neither state_path nor sampler_path`,
          severity: "error",
        });
      const legacyStep = (r as Record<string, unknown>).step;
      const stepDigits = isDigits(r.name)
        ? r.name
        : typeof legacyStep === "number" && Number.isSafeInteger(legacyStep) && legacyStep >= 0 && !isFinal
          ? String(legacyStep)
          : null;
      const uris: { state?: string; sampler?: string } = {};
      if (r.state_path) uris.state = r.state_path;
      if (r.sampler_path) uris.sampler = r.sampler_path;
      const extra: Partial<Checkpoint> = { uris };
      if (typeof r.epoch === "number") extra.epoch = r.epoch;
      const metrics: Record<string, number> = {};
      for (const [k, v] of Object.entries(r))
        if (typeof v === "number" && !["batch", "epoch", "line", "step"].includes(k)) metrics[k] = v;
      if (typeof r.batch === "number") metrics.batch = r.batch;
      built.push(
        makeCheckpoint(
          "tinker",
          r.state_path ?? r.sampler_path ?? `${file}:${r.line}`,
          r.name,
          isFinal ? "final" : "intermediate",
          stepDigits,
          {
            problems: probs,
            resume,
            inference: samplerOk,
            files: [],
            bytes: null,
            metrics: Object.keys(metrics).length ? metrics : undefined,
          },
          extra,
        ),
      );
    }
    out.push(...built.reverse());
  }
  if (names.has("final_checkpoint_info.json")) {
    const file = joinPath(base, "final_checkpoint_info.json");
    try {
      const info = validateWithSchema(
        finalCheckpointInfoSchema,
        parseLenientJson(await opts.storage.readText(file), { source: file }),
        file,
      );
      const state = info.checkpoints.final_state ?? undefined;
      const sampler = info.checkpoints.sampler_weights ?? undefined;
      const dupe = out.some(
        (c) => (state && c.uris?.state === state) || (sampler && c.uris?.sampler === sampler),
      );
      if (!dupe) {
        const probs: CheckpointProblem[] = [];
        const stateOk = state ? checkUri(state, "weights", file, probs) : false;
        const samplerOk = sampler ? checkUri(sampler, "sampler_weights", file, probs) : false;
        const uris: { state?: string; sampler?: string } = {};
        if (state) uris.state = state;
        if (sampler) uris.sampler = sampler;
        out.push(
          makeCheckpoint(
            "tinker",
            state ?? sampler ?? file,
            "final_checkpoint_info",
            "final",
            null,
            {
              problems: probs,
              resume: stateOk,
              inference: samplerOk,
              files: ["final_checkpoint_info.json"],
              bytes: null,
            },
            { uris },
          ),
        );
      }
    } catch (error) {
      ignored.push({ path: file, reason: (error as Error).message });
    }
  }
  return { root: base, checkpoints: out, ignored };
}

// ---------------------------------------------------------------- Lightning

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

async function scanLightning(opts: ScanOptions, root: string, rootEntries: DirEntry[]): Promise<ScanResult> {
  const dirs: Array<{ dir: string; prefix: string; entries: DirEntry[] }> = [
    { dir: root, prefix: "", entries: rootEntries },
  ];
  if (rootEntries.some((e) => e.type === "dir" && e.name === "checkpoints"))
    dirs.push({
      dir: joinPath(root, "checkpoints"),
      prefix: "checkpoints/",
      entries: await listDir(opts, joinPath(root, "checkpoints")),
    });
  if (rootEntries.some((e) => e.type === "dir" && e.name === "lightning_logs")) {
    const ll = joinPath(root, "lightning_logs");
    for (const v of await listDir(opts, ll)) {
      if (v.type !== "dir" || !v.name.startsWith("version_")) continue;
      const d = joinPath(ll, v.name, "checkpoints");
      const entries = await tryListDir(opts, d);
      if (entries) dirs.push({ dir: d, prefix: `lightning_logs/${v.name}/checkpoints/`, entries });
    }
  }
  const jobs: Array<{
    dir: string;
    name: string;
    e: DirEntry;
    parsed: NonNullable<ReturnType<typeof parseLightningName>>;
  }> = [];
  for (const d of dirs)
    for (const e of d.entries) {
      const parsed = e.type === "file" ? parseLightningName(e.name) : null;
      if (parsed) jobs.push({ dir: d.dir, name: d.prefix + e.name, e, parsed });
    }
  const out = await progressMap(opts, jobs, async (job) => {
    const path = joinPath(job.dir, job.e.name);
    const problems: CheckpointProblem[] = [];
    const size = job.e.size ?? (await opts.storage.stat(path))?.size ?? 0;
    let ok = size > 0;
    if (!ok)
      problems.push({ code: "EMPTY_FILE", message: `${path}: file is empty`, file: path, severity: "error" });
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
    const c = makeCheckpoint(
      "lightning",
      path,
      job.name,
      "intermediate",
      job.parsed.step ?? null,
      {
        problems,
        resume: ok,
        inference: ok,
        files: [job.e.name],
        bytes: opts.sizes ? size : null,
        metrics: Object.keys(job.parsed.metrics).length ? job.parsed.metrics : undefined,
      },
      { mtimeMs: job.e.mtimeMs },
    );
    if (job.parsed.epoch !== undefined) c.epoch = Number(job.parsed.epoch);
    return c;
  });
  return { root, checkpoints: out, ignored: [] };
}

// ---------------------------------------------------------------- DeepSpeed and DCP

async function scanDeepSpeed(opts: ScanOptions, root: string, rootEntries: DirEntry[]): Promise<ScanResult> {
  const ignored: IgnoredEntry[] = [];
  const latestEntry = rootEntries.find((e) => e.type === "file" && e.name === "latest");
  const latestTag = latestEntry ? (await opts.storage.readText(joinPath(root, "latest"))).trim() : null;
  const tags = rootEntries.filter((e) => e.type === "dir" && prefixedStep(e.name, "global_step") !== null);
  if (latestTag !== null && !tags.some((t) => t.name === latestTag))
    ignored.push({
      path: joinPath(root, "latest"),
      reason: `points to "${latestTag}", which does not exist`,
    });
  const latestStep = latestTag ? prefixedStep(latestTag, "global_step") : null;
  const out = await progressMap(opts, tags, async (t) => {
    const dir = joinPath(root, t.name);
    const step = prefixedStep(t.name, "global_step")!;
    const entries = await listDir(opts, dir);
    const problems: CheckpointProblem[] = [];
    const files: string[] = [];
    // analyse the tag folder as if `latest` pointed at it
    const ds = await analyzeDeepSpeed(opts, root, [t], problems, files, t.name);
    if (latestTag === null)
      problems.push({
        code: "DEEPSPEED_LATEST_MISSING",
        message: `${root}: no 'latest' file; DeepSpeed cannot pick a tag`,
        file: joinPath(root, "latest"),
        severity: "warning",
      });
    else if (latestStep !== null && compareStepText(step, latestStep) > 0)
      problems.push({
        code: "DEEPSPEED_NOT_COMMITTED",
        message: `${dir}: newer than the tag in 'latest' (${latestTag}); the save did not finish`,
        file: dir,
        severity: "error",
      });
    const okNoErr = !problems.some((p) => p.severity === "error");
    let bytes: number | null = opts.sizes ? 0 : null;
    for (const e of entries) if (bytes !== null && e.type === "file") bytes += e.size ?? 0;
    return makeCheckpoint(
      "deepspeed",
      dir,
      t.name,
      "intermediate",
      step,
      {
        problems,
        resume: okNoErr && ds.modelStates && ds.optimStates,
        inference: okNoErr && ds.modelStates,
        files: files.map((f) => f.slice(t.name.length + 1)),
        bytes,
      },
      { mtimeMs: t.mtimeMs },
    );
  });
  return { root, checkpoints: out, ignored };
}

function trailingDigits(name: string): string | null {
  let i = name.length;
  while (i > 0 && name.charCodeAt(i - 1) >= 0x30 && name.charCodeAt(i - 1) <= 0x39) i--;
  return i < name.length ? name.slice(i) : null;
}

async function scanDcp(opts: ScanOptions, root: string, rootEntries: DirEntry[]): Promise<ScanResult> {
  const isDcp = (entries: DirEntry[]) =>
    entries.some(
      (e) =>
        e.type === "file" &&
        (e.name === ".metadata" || e.name === ".metadata.tmp" || e.name.endsWith(".distcp")),
    );
  const jobs: Array<{ dir: string; name: string; entries: DirEntry[]; mtimeMs?: number }> = [];
  if (isDcp(rootEntries)) jobs.push({ dir: root, name: ".", entries: rootEntries });
  else
    for (const e of rootEntries) {
      if (e.type !== "dir") continue;
      const entries = await listDir(opts, joinPath(root, e.name));
      if (isDcp(entries))
        jobs.push({ dir: joinPath(root, e.name), name: e.name, entries, mtimeMs: e.mtimeMs });
    }
  const out = jobs.map((j) => {
    const problems: CheckpointProblem[] = [];
    const ok = checkDcpEntries(j.dir, j.entries, problems);
    let bytes: number | null = opts.sizes ? 0 : null;
    for (const e of j.entries) if (bytes !== null && e.type === "file") bytes += e.size ?? 0;
    return makeCheckpoint(
      "dcp",
      j.dir,
      j.name,
      "intermediate",
      j.name === "." ? null : trailingDigits(j.name),
      {
        problems,
        resume: ok,
        inference: false,
        files: j.entries.map((e) => (e.type === "dir" ? `${e.name}/` : e.name)),
        bytes,
      },
      j.mtimeMs === undefined ? {} : { mtimeMs: j.mtimeMs },
    );
  });
  return { root, checkpoints: out, ignored: [] };
}

// ---------------------------------------------------------------- detection

/** One layout that matched, with the evidence. */
export interface LayoutCandidate {
  layout: Layout;
  score: number;
  evidence: string[];
}

/** Result of `detectLayout`. */
export interface LayoutDetection {
  /** Best match, or `null` when nothing matched. */
  layout: Layout | null;
  root: string;
  candidates: LayoutCandidate[];
}

/** Scores every layout against `dir`'s entries (and `checkpoints/` one level down). */
export async function detectFromEntries(
  opts: ScanContext,
  root: string,
  entries: DirEntry[],
): Promise<LayoutDetection> {
  const scores = new Map<Layout, LayoutCandidate>();
  const add = (layout: Layout, score: number, why: string) => {
    const c = scores.get(layout) ?? { layout, score: 0, evidence: [] };
    c.score += score;
    if (c.evidence.length < 5) c.evidence.push(why);
    scores.set(layout, c);
  };
  const scan = (list: DirEntry[], where: string) => {
    for (const e of list) {
      const n = e.name;
      if (e.type === "dir") {
        if (hfStep(n) !== null) add("hf", 10, `${where}${n}/`);
        else if (n === "final_checkpoint" || n.startsWith("tmp-checkpoint-")) add("hf", 5, `${where}${n}/`);
        else if (parseArealName(n)) add("areal", 10, `${where}${n}/`);
        else if (n === "recover_info" || n === "recover_checkpoint") add("areal", 8, `${where}${n}/`);
        else if (prefixedStep(n, "stage_") !== null) add("staged", 10, `${where}${n}/`);
        else if (n === "best" || n === "final") add("staged", 2, `${where}${n}/`);
        else if (prefixedStep(n, "step_") !== null || prefixedStep(n, "step-") !== null)
          add("step-folders", 9, `${where}${n}/`);
        else if (n === "final_model") add("step-folders", 5, `${where}${n}/`);
        else if (prefixedStep(n, "global_step") !== null) add("deepspeed", 10, `${where}${n}/`);
        else if (n === "lightning_logs") add("lightning", 6, `${where}${n}/`);
      } else if (e.type === "file") {
        if (n === "checkpoints.jsonl" || n === "final_checkpoint_info.json")
          add("tinker", 20, `${where}${n}`);
        else if (n.endsWith(".ckpt")) add("lightning", 10, `${where}${n}`);
        else if (n === "latest" && !where) add("deepspeed", 3, n);
        else if ((n === ".metadata" || n.endsWith(".distcp")) && !where) add("dcp", 10, n);
      }
    }
  };
  scan(entries, "");
  const dirs = entries.filter((e) => e.type === "dir");
  for (const sub of ["checkpoints", "logs"]) {
    if (!dirs.some((e) => e.name === sub)) continue;
    const list = await tryListDir({ ...opts, sizes: false }, joinPath(root, sub));
    if (!list) continue;
    if (sub === "logs") {
      if (list.some((e) => e.name === "responses")) add("step-folders", 4, "logs/responses/");
      continue;
    }
    scan(list, "checkpoints/");
    // AReaL fileroot: checkpoints/<user>/<experiment>/<trial>
    if (!scores.size || [...scores.keys()].every((l) => l === "step-folders")) {
      const found = await findArealRoots({ ...opts, sizes: false }, joinPath(root, sub), list, 1);
      if (found.length)
        add("areal", 10, `checkpoints/…/${found[0]!.saveRoot.split("/").slice(-3).join("/")}`);
    }
  }
  const stepDir = dirs.find(
    (e) => prefixedStep(e.name, "step_") !== null || prefixedStep(e.name, "step-") !== null,
  );
  if (stepDir) {
    // torch.distributed.checkpoint folders are often named step-N too
    const list = await tryListDir({ ...opts, sizes: false }, joinPath(root, stepDir.name));
    if (
      list?.some(
        (e) =>
          e.type === "file" &&
          (e.name === ".metadata" || e.name === ".metadata.tmp" || e.name.endsWith(".distcp")),
      )
    )
      add("dcp", 20, `${stepDir.name}/.metadata`);
  }
  if (!scores.size && dirs.length && dirs.length <= 64) {
    // DCP step folders, AReaL save roots, HP-search run-* folders
    for (const d of dirs) {
      const list = await tryListDir({ ...opts, sizes: false }, joinPath(root, d.name));
      if (!list) continue;
      if (list.some((e) => e.type === "file" && e.name === ".metadata")) add("dcp", 5, `${d.name}/.metadata`);
      if (list.some((e) => e.type === "dir" && (parseArealName(e.name) || e.name === "recover_checkpoint")))
        add("areal", 8, `${d.name}/`);
      if (d.name.startsWith("run-") && list.some((e) => e.type === "dir" && hfStep(e.name) !== null))
        add("hf", 8, `${d.name}/checkpoint-*`);
    }
  }
  const candidates = [...scores.values()].sort((a, b) => b.score - a.score);
  return { layout: candidates[0]?.layout ?? null, root, candidates };
}

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
