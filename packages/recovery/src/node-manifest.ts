import { randomBytes } from "node:crypto";
import { open, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { manifestSchema as baseManifestSchema, manifestEntrySchema } from "@rlops/checkpoint-layout";
import { formatIssuePath } from "@rlops/errors";
import * as z from "zod";
import { RecoveryError } from "./errors.js";

declare const __RLOPS_VERSION__: string | undefined;
/** The package version recorded in manifests. */
export const VERSION = typeof __RLOPS_VERSION__ === "string" ? __RLOPS_VERSION__ : "0.0.0-dev";

/**
 * A file entry of a manifest written before recovery shared checkpoint-layout's manifest: `bytes`
 * where the shared entry says `size`. Read as the shared shape, so old recovery folders still verify.
 */
function legacyEntry(value: unknown): unknown {
  if (typeof value !== "object" || value === null || "size" in value || !("bytes" in value)) return value;
  const { bytes, ...rest } = value as { bytes: unknown };
  return { ...rest, size: bytes };
}

/**
 * The manifest written into every recovery folder (`recovery-manifest.json`): checkpoint-layout's
 * `manifestSchema` (`version`, `files: [{path, size, sha256}]`, `sha256: null` when not hashed)
 * extended with where the copy came from and how to resume it.
 */
export const manifestSchema = baseManifestSchema.extend({
  format: z.literal("rlops.recovery.manifest"),
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
  files: z.array(z.preprocess(legacyEntry, manifestEntrySchema)),
  decision: z.unknown().nullable(),
  warnings: z.array(z.string()),
  resume: z.object({ argv: z.array(z.string()), command: z.string(), complete: z.boolean() }),
});
/** See {@link manifestSchema}. */
export type RecoveryManifest = z.infer<typeof manifestSchema>;

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
      message: `${path}: ${formatIssuePath(parsed.error.issues[0]!.path)}: ${parsed.error.issues[0]!.message}`,
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
