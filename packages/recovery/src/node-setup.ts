import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { link, lstat, mkdir, open, readdir, readlink, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { messageOf } from "@rlops/errors";
import type { ResumeCommand } from "./command.js";
import { RecoveryError } from "./errors.js";
import { acquireLease, cleanStaleTemps, type Lease, tempNameFor } from "./node-lease.js";
import { type RecoveryManifest, VERSION } from "./node-manifest.js";
import type { ResumePlan } from "./plan.js";
import {
  buildRecoveryResume,
  type ResumeStory,
  recoveryFolderOf,
  resumeStory,
  sourceRunOf,
} from "./story.js";

function errnoOf(value: unknown): string | undefined {
  const code = (value as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

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
  /**
   * Temporary folders of earlier attempts whose lease is older than this are removed
   * (default `LEASE_STALE_MS`, 10 minutes).
   */
  staleAfterMs?: number;
  /** How often the lease of this setup's temporary folder is refreshed (default `LEASE_HEARTBEAT_MS`, 15 s). */
  heartbeatMs?: number;
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
  /** The resume story (the same steps `recover plan` and the report print), with setup marked done. */
  story: ResumeStory;
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

/** Default recovery folder for a plan (the plan's own `recovery.target`, resolved). */
export function defaultTarget(plan: ResumePlan): string {
  return resolve(plan.recovery?.target ?? recoveryFolderOf(plan.runDir, plan.chosen, plan.trainer).target);
}

/** The real paths of a setup, checked: the run, the checkpoint inside it, the target's parent and the target. */
interface SetupPaths {
  step: number;
  runReal: string;
  sourceReal: string;
  parentReal: string;
  target: string;
}

/** Resolves and checks the paths of a setup (`UNSAFE_PATH`, `TARGET_EXISTS`, `SOURCE_ERROR`). */
async function resolveSetupPaths(plan: ResumePlan, options: SetupOptions): Promise<SetupPaths> {
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
  const targetAbs = resolve(options.target ?? `${runReal}-recover-step${step}`);
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
  return { step, runReal, sourceReal, parentReal, target };
}

/** A file to place in the temporary folder: its source, destination, and path in the manifest. */
interface PlacedFile extends SourceFile {
  dest: string;
  manifestPath: string;
}

/** What goes where: the checkpoint's files (and AReaL's `recover_info/`), the planned actions. */
interface SetupLayout {
  checkpointPath: string;
  files: PlacedFile[];
  actions: string[];
  warnings: string[];
  temp: string;
}

async function layoutSetup(plan: ResumePlan, paths: SetupPaths, mode: SetupMode): Promise<SetupLayout> {
  const { runReal, sourceReal, target, parentReal, step } = paths;
  const relName = relative(runReal, sourceReal) || basename(sourceReal);
  let checkpointRel = relName;
  if (plan.trainer === "areal") {
    const model = relName.split(sep)[0] && relName.includes(sep) ? relName.split(sep)[0]! : "default";
    checkpointRel = join(model, "recover_checkpoint");
  }
  const checkpointPath = join(target, checkpointRel);
  const sourceFiles = await collectFiles(sourceReal, runReal);
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
  const temp = join(parentReal, tempNameFor(target));
  const verb = mode === "copy" ? "copy" : "link";
  const actions = [`mkdir ${temp}`];
  for (const f of sourceFiles)
    actions.push(`${verb} ${f.abs} -> ${join(checkpointPath, sourceIsFile ? "" : f.rel)}`);
  for (const f of extraFiles) actions.push(`${verb} ${f.abs} -> ${join(target, f.rel)}`);
  actions.push(
    `verify ${sourceFiles.length + extraFiles.length} files`,
    `write ${join(target, "recovery-manifest.json")}`,
    `rename ${temp} -> ${target}`,
  );
  const files: PlacedFile[] = [
    ...sourceFiles.map((f) => ({
      ...f,
      dest: sourceIsFile ? join(temp, checkpointRel) : join(temp, checkpointRel, f.rel),
      manifestPath: sourceIsFile ? checkpointRel : join(checkpointRel, f.rel),
    })),
    ...extraFiles.map((f) => ({ ...f, dest: join(temp, f.rel), manifestPath: f.rel })),
  ];
  return { checkpointPath, files, actions, warnings, temp };
}

type SetupMode = NonNullable<SetupOptions["mode"]>;
type Fail = (what: string, cause: unknown) => never;

/** Copies (or links) every file into the temporary folder; the manifest entries, in order. */
async function placeFiles(
  files: readonly PlacedFile[],
  mode: SetupMode,
  checksums: boolean,
  hook: NonNullable<SetupOptions["onStep"]>,
  fail: Fail,
): Promise<RecoveryManifest["files"]> {
  const out: RecoveryManifest["files"] = [];
  for (const f of files) {
    let sha: string | null = null;
    try {
      await mkdir(dirname(f.dest), { recursive: true });
      if (mode === "hardlink") {
        await link(f.abs, f.dest);
        sha = checksums ? await hashFile(f.abs) : null;
      } else sha = await copyFile(f.abs, f.dest, checksums);
    } catch (cause) {
      fail(`cannot ${mode} ${f.abs}`, cause);
    }
    out.push({ path: f.manifestPath.split(sep).join("/"), size: f.bytes, sha256: sha });
    await hook("file-copied", { path: f.dest });
  }
  return out;
}

/** Checks every placed file's size and sha256 against its manifest entry (`VERIFY_FAILED`). */
async function verifyFiles(files: readonly PlacedFile[], entries: RecoveryManifest["files"]): Promise<void> {
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const info = await stat(f.dest);
    const expected = entries[i]!;
    if (info.size !== expected.size)
      throw new RecoveryError({
        code: "VERIFY_FAILED",
        message: `${f.dest}: ${info.size} bytes, source ${f.abs} has ${expected.size}`,
        details: { path: f.dest },
      });
    if (expected.sha256 !== null && (await hashFile(f.dest)) !== expected.sha256)
      throw new RecoveryError({
        code: "VERIFY_FAILED",
        message: `${f.dest}: sha256 differs from the source ${f.abs}`,
        details: { path: f.dest },
      });
  }
}

/** Writes `recovery-manifest.json` into the temporary folder (fsynced, renamed into place). */
async function writeManifest(temp: string, manifest: RecoveryManifest, fail: Fail): Promise<void> {
  const manifestTemp = join(temp, "recovery-manifest.json.part");
  try {
    const handle = await open(manifestTemp, "wx");
    try {
      await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(manifestTemp, join(temp, "recovery-manifest.json"));
  } catch (cause) {
    fail(`cannot write ${join(temp, "recovery-manifest.json")}`, cause);
  }
  await fsyncDir(temp);
}

/**
 * Builds the recovery folder for a plan without ever modifying the source run: refuses an existing
 * target, paths outside `root`, targets inside the source and symlinks pointing outside the run;
 * copies (or hard-links) the checkpoint into a temporary sibling, verifies sizes and sha256,
 * writes `recovery-manifest.json`, fsyncs, and renames the folder into place. A crash at any
 * point leaves no target (stale temp folders are removed by the next attempt) or the complete one.
 */
export async function setupRecovery(plan: ResumePlan, options: SetupOptions = {}): Promise<SetupResult> {
  const paths = await resolveSetupPaths(plan, options);
  const { target, parentReal, step } = paths;
  const dryRun = options.dryRun ?? false;
  const mode = options.mode ?? "copy";
  const hook = options.onStep ?? (() => undefined);
  const { checkpointPath, files, actions, warnings, temp } = await layoutSetup(plan, paths, mode);
  const recovery = { target, checkpointPath };
  const resume = buildRecoveryResume({
    trainer: plan.trainer,
    checkpoint: plan.chosen,
    recovery,
    command: plan.command ?? undefined,
    ...plan.names,
  });
  const story = (done: boolean) =>
    resumeStory({
      runDir: plan.runDir,
      checkpoint: plan.chosen,
      recovery,
      resume,
      setupFlags: plan.story.steps.find((s) => s.kind === "setup")?.argv.slice(4) ?? [],
      setupDone: done,
    });
  const manifestBase = {
    format: "rlops.recovery.manifest" as const,
    version: 1 as const,
    library: `@rlops/recovery@${VERSION}`,
    sourceRun: paths.runReal,
    sourceCheckpoint: { name: plan.chosen.name, location: paths.sourceReal, step },
    target,
    checkpointPath,
    mode,
    decision: plan.decision ?? null,
    warnings,
    resume: { argv: resume.argv, command: resume.command, complete: resume.complete },
  };
  const result = (
    files: RecoveryManifest["files"],
    manifest: RecoveryManifest,
    done: boolean,
    cleaned: string[],
  ) => ({
    dryRun,
    target,
    checkpointPath,
    actions,
    files,
    manifest,
    resume,
    story: story(done),
    cleaned,
  });
  if (dryRun) {
    const manifest: RecoveryManifest = {
      ...manifestBase,
      files: files.map((f) => ({ path: f.rel, size: f.bytes, sha256: null })),
    };
    return result(manifest.files, manifest, false, []);
  }
  const fail: Fail = (what, cause) => {
    throw new RecoveryError({
      code: "SETUP_FAILED",
      message: `setupRecovery: ${what}: ${messageOf(cause)}`,
      cause,
      details: { temp, target, ...(errnoOf(cause) ? { errno: errnoOf(cause) } : {}) },
    });
  };
  const cleaned = await cleanStaleTemps(target, options.staleAfterMs);
  await hook("preflight", {});
  let lease: Lease | null = null;
  try {
    lease = await acquireLease(temp, options.heartbeatMs).catch((cause) =>
      fail(`cannot write the lease of ${temp}`, cause),
    );
    await mkdir(temp).catch((cause) => fail(`cannot create ${temp}`, cause));
    await hook("temp-created", { path: temp });
    const manifestFiles = await placeFiles(files, mode, options.checksums ?? true, hook, fail);
    await hook("copied", {});
    await verifyFiles(files, manifestFiles);
    await hook("verified", {});
    const manifest: RecoveryManifest = { ...manifestBase, files: manifestFiles };
    await writeManifest(temp, manifest, fail);
    await hook("manifest-written", {});
    if (await exists(target))
      throw new RecoveryError({
        code: "TARGET_EXISTS",
        message: `${target} appeared while the recovery folder was being built; refusing to overwrite it`,
        details: { target },
      });
    // The lease goes first: a kill after the rename leaves nothing behind but the finished folder.
    await lease?.release();
    lease = null;
    await rename(temp, target).catch((cause) => fail(`cannot rename ${temp} to ${target}`, cause));
    await fsyncDir(parentReal);
    await hook("renamed", { path: target });
    return result(manifestFiles, manifest, true, cleaned);
  } catch (error) {
    // No partial output: the temporary folder goes, whatever failed (a full disk anywhere included).
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    if (RecoveryError.isInstance(error)) throw error;
    fail("unexpected file-system error", error);
    throw error;
  } finally {
    await lease?.release();
  }
}
