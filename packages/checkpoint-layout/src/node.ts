import { createHash } from "node:crypto";
import {
  close as closeCb,
  open as openCb,
  read as readCb,
  readdir as readdirCb,
  readFile as readFileCb,
  stat as statCb,
} from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  detectLayout as coreDetect,
  listCheckpoints as coreList,
  writeManifest as coreWriteManifest,
  type ListOptions,
} from "./api.js";
import { CheckpointError } from "./errors.js";
import {
  validateCheckpoint as coreValidate,
  type ValidateOptions,
  type ValidationReport,
} from "./validate-checkpoint.js";

export type { CheckpointErrorCode } from "./errors.js";
/** The package's error class, also from `/node` (check with `CheckpointError.isInstance(e)`). */
export { CheckpointError } from "./errors.js";

import type { HashedManifest } from "./integrity.js";
import { latestCheckpoint as coreLatest, type LatestOptions, type LatestResult } from "./latest.js";
import type { LayoutDetection } from "./layouts.js";
import type { CheckpointListing } from "./model.js";
import {
  type ApplyOptions,
  applyRetention as coreApply,
  planRunRetention as corePlanRun,
  type PlanRunOptions,
  type RetentionResult,
} from "./retention-apply.js";
import type { ParsedRetentionPlan, RetentionPlan, RetentionPolicy } from "./retention-schema.js";
import type { DirEntry, Storage } from "./storage.js";
import {
  validatePath as coreValidatePath,
  validateRun as coreValidateRun,
  type PathValidation,
  type RunValidationReport,
} from "./validate-run.js";

// The callback APIs avoid the per-call FileHandle overhead of fs/promises (open + fstat + read +
// close round trips through JS), which dominated listing time in the benchmark profile.
const readdir = (path: string) =>
  new Promise<import("node:fs").Dirent[]>((resolve, reject) =>
    readdirCb(path, { withFileTypes: true }, (error, entries) => (error ? reject(error) : resolve(entries))),
  );
const readFileText = (path: string) =>
  new Promise<string>((resolve, reject) =>
    readFileCb(path, "utf8", (error, text) => (error ? reject(error) : resolve(text))),
  );
const readFileBytes = (path: string) =>
  new Promise<Buffer>((resolve, reject) =>
    readFileCb(path, (error, data) => (error ? reject(error) : resolve(data))),
  );
const statPath = (path: string) =>
  new Promise<import("node:fs").Stats>((resolve, reject) =>
    statCb(path, (error, s) => (error ? reject(error) : resolve(s))),
  );

/** `pread` of `len` bytes at `start` through the callback API (short at end of file). */
function readRange(path: string, start: number, len: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    openCb(path, "r", (openError, fd) => {
      if (openError) return reject(openError);
      const buf = new Uint8Array(len);
      let got = 0;
      const finish = (error: Error | null) =>
        closeCb(fd, (closeError) => {
          if (error ?? closeError) reject(error ?? closeError);
          else resolve(got === len ? buf : buf.subarray(0, got));
        });
      const step = () => {
        if (got >= len) return finish(null);
        readCb(fd, buf, got, len - got, start + got, (readError, bytesRead) => {
          if (readError) return finish(readError);
          if (bytesRead === 0) return finish(null);
          got += bytesRead;
          step();
        });
      };
      step();
    });
  });
}

function wrap(error: unknown, path: string): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR")
    throw new CheckpointError({
      code: "NOT_FOUND",
      message: `${path}: no such file or directory`,
      cause: error,
      details: { path },
    });
  throw new CheckpointError({
    code: "STORAGE_ERROR",
    message: `${path}: ${(error as Error).message}`,
    cause: error,
    details: { path, errno: code },
  });
}

/**
 * A {@link Storage} over the local file system (`node:fs`). Symlinks are followed; SHA-256 of
 * manifests uses `node:crypto`.
 */
export function createNodeStorage(): Storage {
  return {
    async list(path) {
      let dirents: import("node:fs").Dirent[];
      try {
        dirents = await readdir(path);
      } catch (error) {
        wrap(error, path);
      }
      const out: DirEntry[] = [];
      for (const d of dirents!) {
        if (d.isDirectory()) out.push({ name: d.name, type: "dir" });
        else if (d.isFile()) out.push({ name: d.name, type: "file" });
        else if (d.isSymbolicLink()) {
          const s = await statPath(`${path}/${d.name}`).catch(() => null);
          out.push({ name: d.name, type: s?.isDirectory() ? "dir" : s?.isFile() ? "file" : "other" });
        } else out.push({ name: d.name, type: "other" });
      }
      return out;
    },
    async stat(path) {
      try {
        const s = await statPath(path);
        return {
          type: s.isDirectory() ? "dir" : s.isFile() ? "file" : "other",
          size: s.size,
          mtimeMs: s.mtimeMs,
        };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return null;
        wrap(error, path);
      }
    },
    async read(path, range) {
      try {
        if (!range) return new Uint8Array(await readFileBytes(path));
        return await readRange(path, range.start, Math.max(0, range.end - range.start));
      } catch (error) {
        if (CheckpointError.isInstance(error)) throw error;
        wrap(error, path);
      }
    },
    async readText(path) {
      try {
        return await readFileText(path);
      } catch (error) {
        wrap(error, path);
      }
    },
    async remove(path) {
      try {
        await stat(path);
        await rm(path, { recursive: true, force: false });
      } catch (error) {
        wrap(error, path);
      }
    },
    async write(path, data) {
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, data);
      } catch (error) {
        wrap(error, path);
      }
    },
    createSha256() {
      const h = createHash("sha256");
      return { update: (data) => h.update(data), hex: () => h.digest("hex") };
    },
  };
}

let defaultStorage: Storage | undefined;
const local = () => {
  defaultStorage ??= createNodeStorage();
  return defaultStorage;
};

/** Options with `storage` optional (defaults to the local file system). */
export type NodeOptions<T extends { storage: Storage }> = Omit<T, "storage"> & { storage?: Storage };

/** {@link coreDetect | detectLayout} on the local file system by default. */
export function detectLayout(dir: string, options: { storage?: Storage } = {}): Promise<LayoutDetection> {
  return coreDetect(dir, { storage: options.storage ?? local() });
}

/** `listCheckpoints` on the local file system by default: `listCheckpoints("/runs/x")`. */
export function listCheckpoints(
  dir: string,
  options: NodeOptions<ListOptions> = {},
): Promise<CheckpointListing> {
  return coreList(dir, { ...options, storage: options.storage ?? local() });
}

/** `latestCheckpoint` on the local file system by default. */
export function latestCheckpoint(
  dir: string,
  options: NodeOptions<LatestOptions> = {},
): Promise<LatestResult> {
  return coreLatest(dir, { ...options, storage: options.storage ?? local() });
}

/** `validateCheckpoint` on the local file system by default. */
export function validateCheckpoint(
  path: string,
  options: NodeOptions<ValidateOptions> = {},
): Promise<ValidationReport> {
  return coreValidate(path, { ...options, storage: options.storage ?? local() });
}

/** `validateRun` (every checkpoint of a run) on the local file system by default. */
export function validateRun(
  dir: string,
  options: NodeOptions<ValidateOptions> = {},
): Promise<RunValidationReport> {
  return coreValidateRun(dir, { ...options, storage: options.storage ?? local() });
}

/** `validatePath` (a run directory or one checkpoint) on the local file system by default. */
export function validatePath(
  path: string,
  options: NodeOptions<ValidateOptions> = {},
): Promise<PathValidation> {
  return coreValidatePath(path, { ...options, storage: options.storage ?? local() });
}

/** `planRunRetention` on the local file system by default. */
export function planRunRetention(
  dir: string,
  policy: RetentionPolicy,
  options: NodeOptions<PlanRunOptions> = {},
): Promise<ParsedRetentionPlan> {
  return corePlanRun(dir, policy, { ...options, storage: options.storage ?? local() });
}

/** `applyRetention` on the local file system by default. */
export function applyRetention(
  plan: RetentionPlan,
  options: NodeOptions<ApplyOptions> = {},
): Promise<RetentionResult> {
  return coreApply(plan, { ...options, storage: options.storage ?? local() });
}

/** `writeManifest` on the local file system by default. */
export function writeManifest(path: string, options: { storage?: Storage } = {}): Promise<HashedManifest> {
  return coreWriteManifest(path, { storage: options.storage ?? local() });
}

export {
  /** Applies step filters to a list of checkpoints. */
  filterCheckpoints,
} from "./api.js";
export {
  /** Pure, dry-run retention plan. */
  planRetention,
} from "./retention.js";
export {
  /** Compares a dry-run plan with a fresh plan of the same run. */
  diffPlans,
} from "./retention-apply.js";
export {
  /** zod schema of a retention plan (`rlops ckpt prune --json`). */
  retentionPlanSchema,
} from "./retention-schema.js";
export {
  /** zod schema of a rejected candidate. */
  rejectedCandidateSchema,
  /** The one checkpoint selector over a listing (pure). */
  selectCheckpoint,
} from "./select.js";
