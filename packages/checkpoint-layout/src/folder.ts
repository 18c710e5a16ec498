import { checkDcpRanges } from "./dcp.js";
import { baseModelHint, savedOnlyModel, stoppedHere } from "./folder-hints.js";
import { checkSafetensors, checkTorchZip, parseShardIndex } from "./integrity.js";
import { parseLenientJson } from "./json.js";
import type { CheckpointProblem } from "./model.js";
import { compareStepText, isDigits, normalizeDigits } from "./model.js";
import { type DirEntry, joinPath, mapLimit, type Storage } from "./storage.js";

/** How much file content listing reads. */
export type VerifyLevel = "presence" | "headers";

/** Shared options of the scanners. */
export interface ScanContext {
  storage: Storage;
  /** Read file sizes (one stat per file when the adapter does not list them). */
  sizes: boolean;
  /** `headers`: also read safetensors headers and zip end records (cheap truncation checks). */
  verify: VerifyLevel;
}

/** Lists a directory, stat-ing files for sizes when requested and not provided. */
export async function listDir(ctx: ScanContext, dir: string): Promise<DirEntry[]> {
  const entries = await ctx.storage.list(dir);
  if (!ctx.sizes) return entries;
  const missing = entries.filter((e) => e.type === "file" && e.size === undefined);
  if (missing.length) {
    await mapLimit(missing, 16, async (e) => {
      const s = await ctx.storage.stat(joinPath(dir, e.name));
      e.size = s?.size ?? 0;
      if (s?.mtimeMs !== undefined) e.mtimeMs = s.mtimeMs;
    });
  }
  return entries;
}

/** Lists a directory or returns `null` when it does not exist. */
export async function tryListDir(ctx: ScanContext, dir: string): Promise<DirEntry[] | null> {
  try {
    return await listDir(ctx, dir);
  } catch (error) {
    if ((error as { code?: string }).code === "NOT_FOUND") return null;
    throw error;
  }
}

/** Result of analysing one model folder. */
export interface FolderAnalysis {
  problems: CheckpointProblem[];
  resume: boolean;
  inference: boolean;
  files: string[];
  bytes: number | null;
  metrics?: Record<string, number>;
  bestModelCheckpoint?: string | null;
  globalStepText?: string;
  /** `trainer_state.json` says training ended here (`global_step >= max_steps`, or `should_training_stop`). */
  trainingStopped?: boolean;
}

/** What the folder is expected to hold. */
export interface FolderExpectations {
  /** `training`: a resumable trainer checkpoint; `export`: weights only by design; `auto`: training if it has optimizer/trainer state. */
  kind: "training" | "export" | "auto";
  /** Folder step (digits) that `trainer_state.global_step` must equal. */
  expectedStep?: string;
  /** `trainer_state.json` is required for resume (HF Trainer). */
  requireTrainerState: boolean;
  /** A missing `scheduler.pt` blocks resume (HF Trainer) or is only a warning. */
  requireScheduler: boolean;
}

const SINGLE_WEIGHTS = [
  "model.safetensors",
  "pytorch_model.bin",
  "adapter_model.safetensors",
  "adapter_model.bin",
];
const INDEX_FILES = ["model.safetensors.index.json", "pytorch_model.bin.index.json"];

function rngRank(name: string): number | null | undefined {
  if (name === "rng_state.pth") return null;
  if (!name.startsWith("rng_state_") || !name.endsWith(".pth")) return undefined;
  const mid = name.slice(10, -4);
  return isDigits(mid) ? Number(mid) : undefined;
}

/** Reads `global_step` fast (JSON.parse, falling back to the lenient parser for NaN / big ints). */
function readTrainerStateFast(
  text: string,
  source: string,
): { globalStepText: string; raw: Record<string, unknown> } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
    const gs = (raw as { global_step?: unknown }).global_step;
    if (typeof gs !== "number" || !Number.isSafeInteger(gs)) raw = undefined;
  } catch {
    raw = undefined;
  }
  if (raw === undefined) raw = parseLenientJson(text, { source });
  // Only the fields listing needs are checked here (deep validation applies the full zod schema):
  // a multi-megabyte log_history is not walked.
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new Error(`${source}: (root): expected an object`);
  const r = raw as Record<string, unknown>;
  const gs = r.global_step;
  const okStep =
    (typeof gs === "number" && Number.isSafeInteger(gs) && gs >= 0) || (typeof gs === "bigint" && gs >= 0n);
  if (!okStep)
    throw new Error(
      `${source}: global_step: expected a non-negative integer, got ${JSON.stringify(String(gs))}`,
    );
  if (r.log_history !== undefined && !Array.isArray(r.log_history))
    throw new Error(`${source}: log_history: expected an array`);
  const bmc = r.best_model_checkpoint;
  if (bmc !== undefined && bmc !== null && typeof bmc !== "string")
    throw new Error(`${source}: best_model_checkpoint: expected a string or null`);
  return {
    globalStepText: normalizeDigits(String(gs)),
    raw: raw as Record<string, unknown>,
  };
}

function metricsAtStep(
  raw: Record<string, unknown>,
  stepText: string | undefined,
): Record<string, number> | undefined {
  const history = raw.log_history;
  if (!Array.isArray(history) || stepText === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const entry of history) {
    if (typeof entry !== "object" || entry === null) continue;
    const s = (entry as { step?: unknown }).step;
    if (s === undefined || compareStepText(String(s), stepText) !== 0) continue;
    for (const [k, v] of Object.entries(entry)) if (typeof v === "number" && k !== "step") out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** DeepSpeed `latest` + `global_stepN/` checks inside `dir`. */
export async function analyzeDeepSpeed(
  ctx: ScanContext,
  dir: string,
  entries: DirEntry[],
  problems: CheckpointProblem[],
  files: string[],
  forcedTag?: string,
): Promise<{ modelStates: boolean; optimStates: boolean; world: number | null; bytes: number }> {
  const out = { modelStates: false, optimStates: false, world: null as number | null, bytes: 0 };
  const latest = entries.find((e) => e.type === "file" && e.name === "latest");
  let tag: string | null = null;
  if (forcedTag !== undefined) tag = forcedTag;
  else if (latest) {
    tag = (await ctx.storage.readText(joinPath(dir, "latest"))).trim();
  } else {
    const tags = entries.filter(
      (e) => e.type === "dir" && e.name.startsWith("global_step") && isDigits(e.name.slice(11)),
    );
    if (!tags.length) return out;
    problems.push({
      code: "DEEPSPEED_LATEST_MISSING",
      message: `${dir}: global_step* folder without a DeepSpeed 'latest' file (save interrupted?)`,
      file: joinPath(dir, "latest"),
      severity: "error",
    });
    tags.sort((a, b) => compareStepText(a.name.slice(11), b.name.slice(11)));
    tag = tags[tags.length - 1]!.name;
  }
  if (!tag || tag.includes("/") || tag === "..") {
    problems.push({
      code: "DEEPSPEED_TAG_MISSING",
      message: `${dir}/latest: names no usable tag (${JSON.stringify(tag)})`,
      file: joinPath(dir, "latest"),
      severity: "error",
    });
    return out;
  }
  const tagEntries = entries.some((e) => e.type === "dir" && e.name === tag)
    ? await tryListDir(ctx, joinPath(dir, tag))
    : null;
  if (!tagEntries) {
    problems.push({
      code: "DEEPSPEED_TAG_MISSING",
      message: `${dir}/latest points to "${tag}", which does not exist`,
      file: joinPath(dir, tag),
      severity: "error",
    });
    return out;
  }
  const model = new Set<number>();
  const optim = new Set<number>();
  let mpOnly = false;
  for (const e of tagEntries) {
    if (e.type !== "file") continue;
    files.push(`${tag}/${e.name}`);
    out.bytes += e.size ?? 0;
    const n = e.name;
    if (n.startsWith("zero_pp_rank_") && n.endsWith("_model_states.pt"))
      model.add(Number(n.slice(13, n.indexOf("_", 13))));
    else if (n.startsWith("mp_rank_") && n.endsWith("_model_states.pt")) mpOnly = true;
    const o = n.startsWith("bf16_") ? n.slice(5) : n;
    if (o.startsWith("zero_pp_rank_") && o.endsWith("_optim_states.pt"))
      optim.add(Number(o.slice(13, o.indexOf("_", 13))));
    if (e.size === 0)
      problems.push({
        code: "EMPTY_FILE",
        message: `${dir}/${tag}/${n}: file is empty`,
        file: joinPath(dir, tag, n),
        severity: "error",
      });
  }
  out.modelStates = model.size > 0 || mpOnly;
  if (!out.modelStates)
    problems.push({
      code: "DEEPSPEED_RANK_MISSING",
      message: `${dir}/${tag}: no *_model_states.pt file`,
      file: joinPath(dir, tag),
      severity: "error",
    });
  const allRanks = [...optim, ...model];
  const world = allRanks.length ? Math.max(...allRanks) + 1 : null;
  out.world = world;
  if (world !== null) {
    for (let r = 0; r < world; r++) {
      if (!optim.has(r))
        problems.push({
          code: "DEEPSPEED_RANK_MISSING",
          message: `${dir}/${tag}: optimizer state of data-parallel rank ${r} is missing (zero_pp_rank_${r}_mp_rank_00_optim_states.pt)`,
          file: joinPath(dir, tag),
          severity: "error",
        });
      if (model.size && !model.has(r))
        problems.push({
          code: "DEEPSPEED_RANK_MISSING",
          message: `${dir}/${tag}: model state of rank ${r} is missing`,
          file: joinPath(dir, tag),
          severity: "error",
        });
    }
  }
  out.optimStates = optim.size > 0;
  return out;
}

/** DCP folder checks (`.metadata` commit marker, no `.metadata.tmp`, `.distcp` data). */
export function checkDcpEntries(dir: string, entries: DirEntry[], problems: CheckpointProblem[]): boolean {
  const names = new Set(entries.filter((e) => e.type === "file").map((e) => e.name));
  let ok = true;
  if (names.has(".metadata.tmp")) {
    problems.push({
      code: "DCP_WRITE_IN_PROGRESS",
      message: `${dir}: .metadata.tmp present (torch.distributed.checkpoint save not finished)`,
      file: joinPath(dir, ".metadata.tmp"),
      severity: "error",
    });
    ok = false;
  }
  const meta = entries.find((e) => e.name === ".metadata" && e.type === "file");
  if (!meta) {
    problems.push({
      code: "DCP_METADATA_MISSING",
      message: `${dir}: no .metadata (the DCP commit marker)`,
      file: joinPath(dir, ".metadata"),
      severity: "error",
    });
    ok = false;
  } else if (meta.size === 0) {
    problems.push({
      code: "EMPTY_FILE",
      message: `${dir}/.metadata is empty`,
      file: joinPath(dir, ".metadata"),
      severity: "error",
    });
    ok = false;
  }
  if (![...names].some((n) => n.endsWith(".distcp"))) {
    problems.push({
      code: "DCP_DATA_MISSING",
      message: `${dir}: no __<rank>_<n>.distcp data file`,
      file: dir,
      severity: "error",
    });
    ok = false;
  }
  return ok;
}

/**
 * Analyses one folder holding model weights (HF `checkpoint-N`, `final_checkpoint`, step folders,
 * AReaL exports): weights (single, sharded index coverage, adapter, FSDP, DeepSpeed), trainer state
 * step, optimizer **and** scheduler, RNG file per rank, the incomplete marker, empty files.
 */
export async function analyzeModelFolder(
  ctx: ScanContext,
  dir: string,
  entries: DirEntry[],
  expect: FolderExpectations,
): Promise<FolderAnalysis> {
  const problems: CheckpointProblem[] = [];
  const fileMap = new Map<string, DirEntry>();
  const dirs: string[] = [];
  const files: string[] = [];
  let bytes = 0;
  let sizesKnown = ctx.sizes;
  for (const e of entries) {
    if (e.type === "file") {
      fileMap.set(e.name, e);
      files.push(e.name);
      if (e.size === undefined) sizesKnown = false;
      else bytes += e.size;
    } else if (e.type === "dir") {
      dirs.push(e.name);
      files.push(`${e.name}/`);
    }
  }
  const err = (code: string, message: string, file?: string) =>
    problems.push({ code, message, file: file === undefined ? dir : joinPath(dir, file), severity: "error" });
  const warn = (code: string, message: string, file?: string) =>
    problems.push({
      code,
      message,
      file: file === undefined ? dir : joinPath(dir, file),
      severity: "warning",
    });

  let inferBlocked = false;
  if (fileMap.has("checkpoint-is-incomplete.txt")) {
    err(
      "INCOMPLETE_MARKER",
      `${dir}: checkpoint-is-incomplete.txt present (the save did not finish)`,
      "checkpoint-is-incomplete.txt",
    );
    inferBlocked = true;
  }
  let inferWeights = false;
  let resumeWeights = false;
  const weightFiles: string[] = [];
  for (const name of SINGLE_WEIGHTS) {
    const e = fileMap.get(name);
    if (!e) continue;
    if (e.size === 0) {
      err("EMPTY_FILE", `${dir}/${name}: weights file is empty`, name);
      inferBlocked = true;
      continue;
    }
    inferWeights = resumeWeights = true;
    weightFiles.push(name);
  }
  if (
    (fileMap.has("adapter_model.safetensors") || fileMap.has("adapter_model.bin")) &&
    !fileMap.has("adapter_config.json")
  ) {
    err(
      "ADAPTER_CONFIG_MISSING",
      `${dir}: adapter weights without adapter_config.json`,
      "adapter_config.json",
    );
    inferBlocked = true;
  }
  for (const idx of INDEX_FILES) {
    if (!fileMap.has(idx)) continue;
    const index = parseShardIndex(
      await ctx.storage.readText(joinPath(dir, idx)),
      joinPath(dir, idx),
      problems,
    );
    if (!index) {
      inferBlocked = true;
      continue;
    }
    if (!index.shards.length) {
      err("INDEX_INVALID", `${dir}/${idx}: weight_map lists no shard`, idx);
      inferBlocked = true;
      continue;
    }
    let missing = 0;
    for (const shard of index.shards) {
      const e =
        fileMap.get(shard) ??
        (shard.includes("/") ? await ctx.storage.stat(joinPath(dir, shard)) : undefined);
      if (!e) {
        err("SHARD_MISSING", `${dir}: shard ${shard} listed in ${idx} is missing`, shard);
        missing++;
      } else if (e.size === 0) {
        err("EMPTY_FILE", `${dir}/${shard}: shard is empty`, shard);
        missing++;
      } else if (shard.endsWith(".safetensors")) weightFiles.push(shard);
    }
    if (missing) inferBlocked = true;
    else inferWeights = resumeWeights = true;
  }
  // FSDP
  for (const d of dirs) {
    if (!d.includes("pytorch_model_fsdp")) continue;
    const sub = await tryListDir(ctx, joinPath(dir, d));
    if (sub && checkDcpEntries(joinPath(dir, d), sub, problems)) resumeWeights = true;
    for (const e of sub ?? []) {
      if (e.type !== "file") continue;
      files.push(`${d}/${e.name}`);
      bytes += e.size ?? 0;
    }
  }
  for (const name of fileMap.keys())
    if (name.startsWith("pytorch_model_fsdp") && name.endsWith(".bin")) resumeWeights = true;
  // DeepSpeed
  const ds = await analyzeDeepSpeed(ctx, dir, entries, problems, files);
  bytes += ds.bytes;
  if (ds.modelStates) resumeWeights = true;
  // named adapter subfolders
  if (!inferWeights && !resumeWeights) {
    for (const d of dirs) {
      if (d.startsWith("global_step") || d.startsWith("optimizer")) continue;
      const sub = await tryListDir(ctx, joinPath(dir, d));
      if (
        sub?.some(
          (e) =>
            e.type === "file" &&
            (e.name === "adapter_model.safetensors" || e.name === "adapter_model.bin") &&
            e.size !== 0,
        )
      ) {
        inferWeights = resumeWeights = true;
        for (const e of sub) if (e.type === "file") files.push(`${d}/${e.name}`);
      }
    }
  }
  if (
    !inferWeights &&
    !resumeWeights &&
    !problems.some((p) => p.code === "SHARD_MISSING" || p.code === "EMPTY_FILE")
  )
    err(
      "WEIGHTS_MISSING",
      `${dir}: no model weights (model.safetensors, sharded index, pytorch_model.bin, adapter, FSDP or DeepSpeed states)`,
    );

  // cheap truncation checks
  if (ctx.verify === "headers") {
    for (const w of weightFiles) {
      if (w.endsWith(".bin") && !w.includes("/")) {
        const z = await checkTorchZip(ctx.storage, joinPath(dir, w), {
          fileSize: fileMap.get(w)?.size,
          verifyCrc: false,
          endRecordOnly: true,
        });
        if (!z.ok) {
          problems.push(...z.problems.filter((p) => p.severity === "error"));
          inferBlocked = true;
        }
        continue;
      }
      if (!w.endsWith(".safetensors")) continue;
      const rep = await checkSafetensors(ctx.storage, joinPath(dir, w), fileMap.get(w)?.size);
      if (!rep.ok) {
        problems.push(...rep.problems);
        inferBlocked = true;
      }
    }
  }

  // trainer state
  let globalStepText: string | undefined;
  let metrics: Record<string, number> | undefined;
  let bestModelCheckpoint: string | null | undefined;
  let trainingStopped: boolean | undefined;
  const hasState = fileMap.has("trainer_state.json");
  const hasOptimizer =
    ds.optimStates ||
    ["optimizer.pt", "optimizer.bin"].some(
      (n) => (fileMap.get(n)?.size ?? 0) > 0 || (fileMap.has(n) && fileMap.get(n)!.size === undefined),
    ) ||
    dirs.some((d) => d.includes("optimizer")) ||
    [...fileMap.keys()].some((n) => n.startsWith("rank") && n.endsWith("-optimizer.pt"));
  const training = expect.kind === "training" || (expect.kind === "auto" && (hasState || hasOptimizer));
  let resumeBlocked = false;
  if (hasState) {
    try {
      const ts = readTrainerStateFast(
        await ctx.storage.readText(joinPath(dir, "trainer_state.json")),
        joinPath(dir, "trainer_state.json"),
      );
      globalStepText = ts.globalStepText;
      const bmc = ts.raw.best_model_checkpoint;
      bestModelCheckpoint = typeof bmc === "string" ? bmc : null;
      trainingStopped = stoppedHere(ts.raw);
      metrics = metricsAtStep(ts.raw, expect.expectedStep ?? globalStepText);
      if (expect.expectedStep !== undefined && compareStepText(globalStepText, expect.expectedStep) !== 0) {
        err(
          "STEP_MISMATCH",
          `${dir}/trainer_state.json: global_step is ${globalStepText} but the folder says ${normalizeDigits(expect.expectedStep)}`,
          "trainer_state.json",
        );
        resumeBlocked = true;
      }
    } catch (error) {
      err(
        "TRAINER_STATE_INVALID",
        error instanceof Error ? error.message : String(error),
        "trainer_state.json",
      );
      resumeBlocked = true;
    }
  } else if (training && expect.requireTrainerState) {
    err(
      "TRAINER_STATE_MISSING",
      `${dir}: no trainer_state.json (resume would fail with FileNotFoundError)`,
      "trainer_state.json",
    );
    resumeBlocked = true;
  }
  if (training) {
    for (const n of ["optimizer.pt", "optimizer.bin", "scheduler.pt", "scaler.pt"]) {
      const e = fileMap.get(n);
      if (e && e.size === 0) {
        err("EMPTY_FILE", `${dir}/${n}: file is empty`, n);
        resumeBlocked = true;
      }
    }
    const saveOnlyModel =
      (!hasOptimizer || !fileMap.has("scheduler.pt")) && fileMap.has("training_args.bin")
        ? await savedOnlyModel(ctx, joinPath(dir, "training_args.bin"))
        : false;
    if (saveOnlyModel) {
      // save_only_model=True: weights + trainer state by design; resuming starts a fresh optimizer
      warn(
        "SAVE_ONLY_MODEL",
        `${dir}: saved with save_only_model=True (training_args.bin): no optimizer, scheduler or RNG state; usable for inference, not for an exact resume`,
      );
      resumeBlocked = true;
    } else if (!hasOptimizer) {
      err(
        "OPTIMIZER_MISSING",
        `${dir}: no optimizer state (optimizer.pt); resuming would silently start a fresh optimizer`,
        "optimizer.pt",
      );
      resumeBlocked = true;
    }
    if (!fileMap.has("scheduler.pt") && !saveOnlyModel) {
      if (expect.requireScheduler && !ds.optimStates) {
        err(
          "SCHEDULER_MISSING",
          `${dir}: no scheduler.pt; HF loads optimizer state only when the scheduler is present too`,
          "scheduler.pt",
        );
        resumeBlocked = true;
      } else warn("SCHEDULER_MISSING", `${dir}: no scheduler.pt`, "scheduler.pt");
    }
    if (ctx.verify === "headers") {
      for (const n of ["optimizer.pt", "scheduler.pt"]) {
        const e = fileMap.get(n);
        if (!e || e.size === 0) continue;
        const rep = await checkTorchZip(ctx.storage, joinPath(dir, n), {
          fileSize: e.size,
          verifyCrc: false,
          endRecordOnly: true,
        });
        if (!rep.ok) {
          problems.push(...rep.problems.filter((p) => p.severity === "error"));
          resumeBlocked = true;
        }
      }
    }
    // RNG: one file per rank
    const ranks: number[] = [];
    let single = false;
    for (const name of fileMap.keys()) {
      const r = rngRank(name);
      if (r === null) single = true;
      else if (r !== undefined) ranks.push(r);
    }
    if (!single && !ranks.length && !saveOnlyModel)
      warn("RNG_MISSING", `${dir}: no rng_state*.pth (reproducibility is not guaranteed)`);
    else if (ranks.length) {
      const world = Math.max(ds.world ?? 0, Math.max(...ranks) + 1);
      const have = new Set(ranks);
      for (let r = 0; r < world; r++)
        if (!have.has(r)) {
          err(
            "RNG_RANK_MISSING",
            `${dir}: rng_state_${r}.pth missing (expected one RNG file per rank, ${world} ranks)`,
            `rng_state_${r}.pth`,
          );
          resumeBlocked = true;
        }
    }
  }
  const full =
    SINGLE_WEIGHTS.slice(0, 2).some((n) => fileMap.has(n)) || INDEX_FILES.some((n) => fileMap.has(n));
  if (
    !full &&
    fileMap.has("adapter_config.json") &&
    (fileMap.has("adapter_model.safetensors") || fileMap.has("adapter_model.bin"))
  )
    warn("NEEDS_BASE_MODEL", await baseModelHint(ctx, dir), "adapter_config.json");
  const hasErrors = problems.some((p) => p.severity === "error");
  const resume = training && resumeWeights && !resumeBlocked && !hasErrors;
  const inference = inferWeights && !inferBlocked;
  return {
    problems,
    resume,
    inference,
    files,
    bytes: sizesKnown ? bytes : null,
    metrics,
    bestModelCheckpoint,
    globalStepText,
    ...(trainingStopped === undefined ? {} : { trainingStopped }),
  };
}

const RESUME_ZIPS = new Set(["optimizer.pt", "scheduler.pt", "discriminator.pt"]);
const WEIGHT_ZIPS = new Set(["pytorch_model.bin", "generator.pt", "adapter_model.bin"]);

/**
 * Header-level checks of one already listed checkpoint (safetensors headers, zip end records,
 * AReaL `dataloader_info.pkl` STOP byte). Appends problems and clears the capabilities they break.
 * Used by `latestCheckpoint` to verify only the candidates it walks.
 */
export async function verifyCheckpointHeaders(
  storage: Storage,
  c: import("./model.js").Checkpoint,
): Promise<void> {
  if (c.layout === "tinker") return;
  const add = (problems: CheckpointProblem[], breaks: "both" | "resume") => {
    const errors = problems.filter((p) => p.severity === "error");
    if (!errors.length) return;
    c.problems.push(...errors);
    c.complete = false;
    c.capabilities.resume = false;
    if (breaks === "both") c.capabilities.inference = false;
  };
  if (c.layout === "dcp" || (c.role === "recover" && c.files.includes(".metadata"))) {
    add(await checkDcpRanges(storage, c.location), "both");
    if (c.layout === "dcp") return;
  }
  if (c.layout === "lightning") {
    add(
      (await checkTorchZip(storage, c.location, { verifyCrc: false, endRecordOnly: true })).problems,
      "both",
    );
    return;
  }
  for (const f of c.files) {
    if (f.includes("/")) continue;
    const path = joinPath(c.location, f);
    if (f.endsWith(".safetensors")) add((await checkSafetensors(storage, path)).problems, "both");
    else if (RESUME_ZIPS.has(f) || WEIGHT_ZIPS.has(f))
      add(
        (await checkTorchZip(storage, path, { verifyCrc: false, endRecordOnly: true })).problems,
        WEIGHT_ZIPS.has(f) ? "both" : "resume",
      );
  }
  if (c.role === "recover") {
    if (c.files.some((f) => f.endsWith("recover_info/dataloader_info.pkl"))) {
      for (const up of [["..", ".."], [".."]]) {
        const real = normalizeDots(joinPath(c.location, ...up, "recover_info", "dataloader_info.pkl"));
        const s = await storage.stat(real);
        if (!s) continue;
        if (s.size > 0) {
          const last = await storage.read(real, { start: s.size - 1, end: s.size });
          if (last[0] !== 0x2e)
            add(
              [
                {
                  code: "PICKLE_NO_STOP",
                  message: `${real}: does not end with the pickle STOP opcode (truncated?)`,
                  file: real,
                  severity: "error",
                },
              ],
              "resume",
            );
        }
        break;
      }
    }
  }
}

function normalizeDots(path: string): string {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "..") out.pop();
    else if (seg !== ".") out.push(seg);
  }
  return out.join("/") || "/";
}
