import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import {
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Layout } from "@rlops/checkpoint-layout";
import { listCheckpoints } from "@rlops/checkpoint-layout/node";
import { z } from "zod";
import { buildResumeCommand, type ResumeCommand, type Trainer } from "./command.js";
import { RecoveryError } from "./errors.js";
import {
  type CheckpointLike,
  type PlanCommandOptions,
  planFromSelection,
  type ResumePlan,
  type SelectOptions,
  selectResumeCheckpoint,
  sourceRunOf,
} from "./plan.js";
import { parseJsonWithNonFinite } from "./sources.js";

declare const __RLOPS_VERSION__: string | undefined;
const VERSION = typeof __RLOPS_VERSION__ === "string" ? __RLOPS_VERSION__ : "0.0.0-dev";

/** A checkpoint listing as returned by `@rlops/checkpoint-layout/node` `listCheckpoints`. */
export interface CheckpointListingLike {
  layout: string;
  root?: string;
  checkpoints: CheckpointLike[];
}

/** Lists the checkpoints of a run directory. */
export type ListCheckpointsFn = (dir: string, options: { layout?: string }) => Promise<CheckpointListingLike>;

const LAYOUT_TRAINER: Record<string, Trainer> = {
  hf: "hf",
  areal: "areal",
  staged: "staged",
  tinker: "tinker",
  "step-folders": "step-folder",
  lightning: "lightning",
  deepspeed: "hf",
};

const defaultList: ListCheckpointsFn = (dir, options) =>
  listCheckpoints(dir, options.layout === undefined ? {} : { layout: options.layout as Layout });

/** `max_steps` from an HF checkpoint's `trainer_state.json`, when there is one. */
async function trainerStateMaxSteps(checkpoint: CheckpointLike): Promise<number | undefined> {
  if (checkpoint.location.startsWith("tinker://")) return undefined;
  try {
    const path = join(checkpoint.location, "trainer_state.json");
    const info = await stat(path);
    if (!info.isFile() || info.size > 64 * 1024 * 1024) return undefined;
    const value = parseJsonWithNonFinite(await readFile(path, "utf8")) as { max_steps?: unknown } | null;
    if (value === null || typeof value !== "object") return undefined;
    return typeof value.max_steps === "number" && value.max_steps > 0 ? value.max_steps : undefined;
  } catch {
    return undefined;
  }
}

/** Options of {@link planResume}. */
export interface PlanResumeOptions extends SelectOptions, Omit<PlanCommandOptions, "trainer"> {
  /** Trainer for the resume command; default from the detected layout. */
  trainer?: Trainer | undefined;
  /** Force a checkpoint layout (checkpoint-layout names: hf, areal, staged, tinker, step-folders, …). */
  layout?: string | undefined;
  /** Checkpoint lister; default `@rlops/checkpoint-layout/node` `listCheckpoints`. */
  list?: ListCheckpointsFn | undefined;
}

/** A resume plan on disk: {@link ResumePlan} plus the detected layout. */
export interface DiskResumePlan extends ResumePlan {
  layout: string;
}

/**
 * Plans a resume: lists the run's checkpoints (checkpoint-layout), picks the newest complete,
 * resumable one before `beforeStep` (or the decision's first bad step), explains every rejection,
 * warns about retention, and builds the exact resume command.
 */
export async function planResume(runDir: string, options: PlanResumeOptions): Promise<DiskResumePlan> {
  const list = options.list ?? defaultList;
  let listing: CheckpointListingLike;
  try {
    listing = await list(runDir, options.layout === undefined ? {} : { layout: options.layout });
  } catch (cause) {
    if (RecoveryError.isInstance(cause)) throw cause;
    throw new RecoveryError({
      code: "SOURCE_ERROR",
      message: `${runDir}: cannot list checkpoints: ${(cause as Error).message}`,
      cause,
      details: { path: runDir },
    });
  }
  const selection = selectResumeCheckpoint(listing.checkpoints, options);
  if (options.maxSteps === undefined) {
    const maxSteps = await trainerStateMaxSteps(selection.chosen);
    if (maxSteps !== undefined && (selection.chosen.step as number) >= maxSteps)
      selection.warnings.push(
        `${selection.chosen.name} is at step ${selection.chosen.step} >= max_steps ${maxSteps} (trainer_state.json): the resume would train 0 steps — raise --max_steps`,
      );
  }
  const trainer = options.trainer ?? LAYOUT_TRAINER[listing.layout] ?? "hf";
  let { experimentName, trialName } = options;
  if (trainer === "areal" && (experimentName === undefined || trialName === undefined)) {
    const trialDir = resolve(sourceRunOf(runDir, selection.chosen));
    trialName ??= basename(trialDir);
    experimentName ??= basename(dirname(trialDir));
  }
  const plan = planFromSelection(runDir, selection, { ...options, trainer, experimentName, trialName });
  return { ...plan, layout: listing.layout };
}

/** The manifest written into every recovery folder (`recovery-manifest.json`). */
export const manifestSchema = z.object({
  format: z.literal("rlops.recovery.manifest"),
  version: z.literal(1),
  library: z.string(),
  sourceRun: z.string(),
  sourceCheckpoint: z.object({
    name: z.string(),
    location: z.string(),
    step: z.number().int().nonnegative(),
  }),
  target: z.string(),
  checkpointPath: z.string(),
  mode: z.enum(["copy", "hardlink"]),
  files: z.array(
    z.object({ path: z.string(), bytes: z.number().int().nonnegative(), sha256: z.string().nullable() }),
  ),
  decision: z.unknown().nullable(),
  warnings: z.array(z.string()),
  resume: z.object({ argv: z.array(z.string()), command: z.string(), complete: z.boolean() }),
});
/** See {@link manifestSchema}. */
export type RecoveryManifest = z.infer<typeof manifestSchema>;

/** The checkpoints between which `setupRecovery` calls `onStep` (used by fault-injection tests). */
export type SetupStep =
  | "preflight"
  | "temp-created"
  | "file-copied"
  | "copied"
  | "verified"
  | "manifest-written"
  | "renamed";

/** Options of {@link setupRecovery}. */
export interface SetupOptions {
  /** Print the plan only; touch nothing. */
  dryRun?: boolean;
  /** Recovery folder; default a new sibling of the run (`<run>-recover-<step>`; AReaL: a new trial). */
  target?: string;
  /** Root every path must stay inside; default the run directory's parent. */
  root?: string;
  /** Copy (default) or hard-link the checkpoint files. */
  mode?: "copy" | "hardlink";
  /** sha256 of every file in the manifest, checked after the copy (default true). */
  checksums?: boolean;
  /** Called after each step (fault injection, progress). */
  onStep?: (step: SetupStep, info: { path?: string }) => void | Promise<void>;
}

/** Result of {@link setupRecovery}. */
export interface SetupResult {
  dryRun: boolean;
  target: string;
  /** Path of the checkpoint inside the recovery folder. */
  checkpointPath: string;
  /** Planned (dry run) or performed operations, in order. */
  actions: string[];
  files: RecoveryManifest["files"];
  manifest: RecoveryManifest;
  /** Resume command pointing into the recovery folder. */
  resume: ResumeCommand;
  /** Stale temporary folders of interrupted earlier attempts that were removed. */
  cleaned: string[];
}

function unsafe(message: string, details: Record<string, unknown> = {}): RecoveryError {
  return new RecoveryError({ code: "UNSAFE_PATH", message, details });
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

interface SourceFile {
  rel: string;
  abs: string;
  bytes: number;
}

/** Walks a checkpoint (folder or single file), refusing symlinks that resolve outside `runReal`. */
async function collectFiles(sourceReal: string, runReal: string): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  const top = await stat(sourceReal);
  if (top.isFile()) return [{ rel: basename(sourceReal), abs: sourceReal, bytes: top.size }];
  const walk = async (dir: string, relDir: string, depth: number): Promise<void> => {
    if (depth > 32) throw unsafe(`${dir}: nested deeper than 32 levels`);
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const abs = join(dir, e.name);
      const rel = relDir === "" ? e.name : `${relDir}/${e.name}`;
      let real = abs;
      if (e.isSymbolicLink()) {
        try {
          real = await realpath(abs);
        } catch (cause) {
          throw new RecoveryError({
            code: "UNSAFE_PATH",
            message: `${abs}: dangling symlink -> ${await readlink(abs).catch(() => "?")}`,
            cause,
          });
        }
        if (!inside(real, runReal))
          throw unsafe(`${abs}: symlink points outside the run (${real})`, { path: abs, target: real });
      }
      const info = await stat(real);
      if (info.isDirectory()) {
        if (e.isSymbolicLink() && inside(sourceReal, real))
          throw unsafe(`${abs}: symlink loops back into the checkpoint`, { path: abs });
        await walk(real, rel, depth + 1);
      } else if (info.isFile()) out.push({ rel, abs: real, bytes: info.size });
      else throw unsafe(`${abs}: not a regular file or folder`, { path: abs });
    }
  };
  await walk(sourceReal, "", 0);
  return out;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

async function copyFile(from: string, to: string, withHash: boolean): Promise<string | null> {
  const hash = withHash ? createHash("sha256") : null;
  const out = createWriteStream(to, { flags: "wx" });
  const input = createReadStream(from);
  if (hash) input.on("data", (chunk) => hash.update(chunk));
  await pipeline(input, out);
  const handle = await open(to, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return hash ? hash.digest("hex") : null;
}

async function fsyncDir(path: string): Promise<void> {
  try {
    const handle = await open(path, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // directory fsync is not supported everywhere (e.g. Windows); best effort
  }
}

const TEMP_MARK = ".rlops-recovery-tmp-";

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes temp siblings of `target` left by interrupted attempts whose process is gone. */
async function cleanStaleTemps(target: string): Promise<string[]> {
  const parent = dirname(target);
  const prefix = `.${basename(target)}${TEMP_MARK}`;
  const cleaned: string[] = [];
  let names: string[] = [];
  try {
    names = await readdir(parent);
  } catch {
    return cleaned;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split("-")[0]);
    if (Number.isInteger(pid) && pid > 0 && pidAlive(pid) && pid !== process.pid) continue;
    await rm(join(parent, name), { recursive: true, force: true });
    cleaned.push(join(parent, name));
  }
  return cleaned;
}

/** Default recovery folder for a plan. */
export function defaultTarget(plan: ResumePlan): string {
  const run = resolve(plan.runDir);
  const step = plan.chosen.step as number;
  return `${run}-recover-step${step}`;
}

/**
 * Builds the recovery folder for a plan without ever modifying the source run: refuses an existing
 * target, paths outside `root`, targets inside the source and symlinks pointing outside the run;
 * copies (or hard-links) the checkpoint into a temporary sibling, verifies sizes and sha256,
 * writes `recovery-manifest.json`, fsyncs, and renames the folder into place. A crash at any
 * point leaves no target (stale temp folders are removed by the next attempt) or the complete one.
 */
export async function setupRecovery(plan: ResumePlan, options: SetupOptions = {}): Promise<SetupResult> {
  const step = plan.chosen.step;
  if (typeof step !== "number")
    throw new RecoveryError({
      code: "INVALID_INPUT",
      message: "setupRecovery: the plan's checkpoint has no step",
    });
  if (plan.chosen.location.startsWith("tinker://") || plan.trainer === "tinker")
    throw new RecoveryError({
      code: "INVALID_INPUT",
      message: `setupRecovery: ${plan.chosen.location} is a remote Tinker checkpoint; there is no folder to build — resume with the plan's load_state command`,
    });
  const dryRun = options.dryRun ?? false;
  const mode = options.mode ?? "copy";
  const checksums = options.checksums ?? true;
  const hook = options.onStep ?? (() => undefined);
  let runReal: string;
  let sourceReal: string;
  try {
    runReal = await realpath(plan.trainer === "areal" ? sourceRunOf(plan.runDir, plan.chosen) : plan.runDir);
    sourceReal = await realpath(plan.chosen.location);
  } catch (cause) {
    throw new RecoveryError({
      code: "SOURCE_ERROR",
      message: `setupRecovery: cannot resolve ${plan.runDir} / ${plan.chosen.location}: ${(cause as Error).message}`,
      cause,
    });
  }
  if (!inside(sourceReal, runReal))
    throw unsafe(`${plan.chosen.location} resolves outside the run ${runReal}`, { path: sourceReal });
  const rootReal = await realpath(options.root ?? dirname(runReal)).catch((cause) => {
    throw new RecoveryError({ code: "UNSAFE_PATH", message: `root ${options.root}: does not exist`, cause });
  });
  const trialName = plan.trainer === "areal" ? `${basename(runReal)}-recover-step${step}` : undefined;
  const targetInput =
    options.target ??
    (trialName !== undefined ? join(dirname(runReal), trialName) : `${runReal}-recover-step${step}`);
  const targetAbs = resolve(targetInput);
  const parentReal = await realpath(dirname(targetAbs)).catch((cause) => {
    throw new RecoveryError({
      code: "UNSAFE_PATH",
      message: `${dirname(targetAbs)}: the target's parent folder does not exist`,
      cause,
    });
  });
  const target = join(parentReal, basename(targetAbs));
  if (!inside(target, rootReal) || target === rootReal)
    throw unsafe(`target ${target} is outside the run root ${rootReal}`, { target, root: rootReal });
  if (inside(target, sourceReal) || inside(target, runReal))
    throw unsafe(`target ${target} lies inside the source run ${runReal}; the source run is never modified`, {
      target,
    });
  if (await exists(target))
    throw new RecoveryError({
      code: "TARGET_EXISTS",
      message: `${target} already exists; refusing to overwrite it (choose another --target or remove it)`,
      details: { target },
    });
  const relName = relative(runReal, sourceReal) || basename(sourceReal);
  let checkpointRel: string;
  if (plan.trainer === "areal") {
    const model = relName.split(sep)[0] && relName.includes(sep) ? relName.split(sep)[0]! : "default";
    checkpointRel = join(model, "recover_checkpoint");
  } else checkpointRel = relName;
  const checkpointPath = join(target, checkpointRel);
  const files = await collectFiles(sourceReal, runReal);
  const sourceIsFile = (await stat(sourceReal)).isFile();
  const extraFiles: SourceFile[] = [];
  const warnings = [...plan.warnings];
  if (plan.trainer === "areal") {
    const info = join(runReal, "recover_info");
    if (plan.chosen.role === "recover" && (await exists(info))) {
      for (const f of await collectFiles(info, runReal))
        extraFiles.push({ ...f, rel: `recover_info/${f.rel}` });
    } else
      warnings.push(
        `no recover_info/ for step ${step}: AReaL starts fresh unless a matching recover_info/ (step_info.json, dataloader_info.pkl, …) is added`,
      );
  }
  const resume = rebuildResume(plan, checkpointPath, target, trialName);
  const actions: string[] = [];
  const tempName = `.${basename(target)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString("hex")}`;
  const temp = join(parentReal, tempName);
  actions.push(`mkdir ${temp}`);
  const tempCheckpoint = (rel: string) =>
    sourceIsFile ? join(temp, checkpointRel) : join(temp, checkpointRel, rel);
  for (const f of files)
    actions.push(
      `${mode === "copy" ? "copy" : "link"} ${f.abs} -> ${join(checkpointPath, sourceIsFile ? "" : f.rel)}`,
    );
  for (const f of extraFiles)
    actions.push(`${mode === "copy" ? "copy" : "link"} ${f.abs} -> ${join(target, f.rel)}`);
  actions.push(
    `verify ${files.length + extraFiles.length} files`,
    `write ${join(target, "recovery-manifest.json")}`,
    `rename ${temp} -> ${target}`,
  );
  const manifestBase = {
    format: "rlops.recovery.manifest" as const,
    version: 1 as const,
    library: `@rlops/recovery@${VERSION}`,
    sourceRun: runReal,
    sourceCheckpoint: { name: plan.chosen.name, location: sourceReal, step },
    target,
    checkpointPath,
    mode,
    decision: plan.decision ?? null,
    warnings,
    resume: { argv: resume.argv, command: resume.command, complete: resume.complete },
  };
  if (dryRun) {
    const manifest: RecoveryManifest = {
      ...manifestBase,
      files: [...files, ...extraFiles].map((f) => ({ path: f.rel, bytes: f.bytes, sha256: null })),
    };
    return { dryRun, target, checkpointPath, actions, files: manifest.files, manifest, resume, cleaned: [] };
  }
  const cleaned = await cleanStaleTemps(target);
  await hook("preflight", {});
  const fail = (what: string, cause: unknown): never => {
    throw new RecoveryError({
      code: "SETUP_FAILED",
      message: `setupRecovery: ${what}: ${(cause as Error).message}`,
      cause,
      details: { temp, target },
    });
  };
  const manifestFiles: RecoveryManifest["files"] = [];
  try {
    await mkdir(temp).catch((cause) => fail(`cannot create ${temp}`, cause));
    await hook("temp-created", { path: temp });
    const all = [
      ...files.map((f) => ({
        ...f,
        dest: tempCheckpoint(f.rel),
        manifestPath: sourceIsFile ? checkpointRel : join(checkpointRel, f.rel),
      })),
      ...extraFiles.map((f) => ({ ...f, dest: join(temp, f.rel), manifestPath: f.rel })),
    ];
    for (const f of all) {
      await mkdir(dirname(f.dest), { recursive: true });
      let sha: string | null = null;
      try {
        if (mode === "hardlink") {
          await link(f.abs, f.dest);
          sha = checksums ? await hashFile(f.abs) : null;
        } else sha = await copyFile(f.abs, f.dest, checksums);
      } catch (cause) {
        fail(`cannot ${mode} ${f.abs}`, cause);
      }
      manifestFiles.push({ path: f.manifestPath.split(sep).join("/"), bytes: f.bytes, sha256: sha });
      await hook("file-copied", { path: f.dest });
    }
    await hook("copied", {});
    for (let i = 0; i < all.length; i++) {
      const f = all[i]!;
      const info = await stat(f.dest);
      const expected = manifestFiles[i]!;
      if (info.size !== expected.bytes)
        throw new RecoveryError({
          code: "VERIFY_FAILED",
          message: `${f.dest}: ${info.size} bytes, source ${f.abs} has ${expected.bytes}`,
          details: { path: f.dest },
        });
      if (expected.sha256 !== null && (await hashFile(f.dest)) !== expected.sha256)
        throw new RecoveryError({
          code: "VERIFY_FAILED",
          message: `${f.dest}: sha256 differs from the source ${f.abs}`,
          details: { path: f.dest },
        });
    }
    await hook("verified", {});
    const manifest: RecoveryManifest = { ...manifestBase, files: manifestFiles };
    const manifestTemp = join(temp, "recovery-manifest.json.part");
    const handle = await open(manifestTemp, "wx");
    try {
      await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(manifestTemp, join(temp, "recovery-manifest.json"));
    await fsyncDir(temp);
    await hook("manifest-written", {});
    if (await exists(target))
      throw new RecoveryError({
        code: "TARGET_EXISTS",
        message: `${target} appeared while the recovery folder was being built; refusing to overwrite it`,
        details: { target },
      });
    await rename(temp, target).catch((cause) => fail(`cannot rename ${temp} to ${target}`, cause));
    await fsyncDir(parentReal);
    await hook("renamed", { path: target });
    return { dryRun, target, checkpointPath, actions, files: manifestFiles, manifest, resume, cleaned };
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

function rebuildResume(
  plan: ResumePlan,
  checkpointPath: string,
  target: string,
  trialName: string | undefined,
): ResumeCommand {
  const r = plan.resume;
  return buildResumeCommand({
    trainer: plan.trainer,
    checkpoint: checkpointPath,
    step: plan.chosen.step as number,
    command: r.complete ? r.argv : undefined,
    trialName,
    experimentName: plan.trainer === "areal" ? overrideFrom(r.argv, "experiment_name") : undefined,
    loadDir: target,
    outputDir: target,
  });
}

function overrideFrom(argv: readonly string[], key: string): string | undefined {
  for (const a of argv) if (a.startsWith(`${key}=`)) return a.slice(key.length + 1);
  return undefined;
}

/** Reads and validates a recovery folder's `recovery-manifest.json`. */
export async function readRecoveryManifest(target: string): Promise<RecoveryManifest> {
  const path = join(target, "recovery-manifest.json");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new RecoveryError({ code: "SOURCE_ERROR", message: `${path}: cannot read`, cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new RecoveryError({ code: "VERIFY_FAILED", message: `${path}: not valid JSON`, cause });
  }
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success)
    throw new RecoveryError({
      code: "VERIFY_FAILED",
      message: `${path}: ${parsed.error.issues[0]!.path.join(".")}: ${parsed.error.issues[0]!.message}`,
      cause: parsed.error,
    });
  return parsed.data;
}

/** Writes a JSON file atomically (temp + fsync + rename); used for decision/state files. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`, { flag: "wx" });
  const handle = await open(temp, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}
