import { formatIssuePath } from "@rlops/errors";
import { listCheckpoints } from "./api.js";
import { CheckpointError } from "./errors.js";
import { Sha256 } from "./hash.js";
import { parseLenientJson } from "./json.js";
import type { Checkpoint, CheckpointListing, Layout } from "./model.js";
import { compareStepText } from "./model.js";
import { type PlanOptions, planRetention, type RetentionCandidate } from "./retention.js";
import {
  type FolderFingerprint,
  type ParsedRetentionPlan,
  type RetentionDecision,
  type RetentionPlan,
  type RetentionPolicy,
  retentionPlanSchema,
} from "./retention-schema.js";
import { baseName, joinPath, mapLimit, type Storage, trimSlash } from "./storage.js";

const MAX_DEPTH = 8;
const MAX_ENTRIES = 1_000_000;
const encoder = new TextEncoder();
const isRemote = (location: string) => location.includes("://");

/**
 * Content identity of a folder (or a single file): sha256 over the sorted `path\0size\0mtime` lines
 * of every file below it. A save in progress, a rewrite in place or a lost file changes it.
 */
export async function fingerprintFolder(
  storage: Storage,
  location: string,
): Promise<FolderFingerprint | null> {
  const root = trimSlash(location);
  const stat = await storage.stat(root);
  if (!stat) return null;
  const lines: string[] = [];
  let bytes = 0;
  const add = (rel: string, size: number, mtimeMs: number | undefined) => {
    lines.push(`${rel}\0${size}\0${mtimeMs ?? ""}`);
    bytes += size;
  };
  if (stat.type !== "dir") add(baseName(root), stat.size, stat.mtimeMs);
  else {
    const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
      const entries = await storage.list(dir);
      await mapLimit(entries, 16, async (e) => {
        const path = joinPath(dir, e.name);
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.type === "dir") {
          lines.push(`${r}/\0\0`);
          if (depth < MAX_DEPTH) await walk(path, r, depth + 1);
        } else {
          const s = e.size !== undefined && e.mtimeMs !== undefined ? e : await storage.stat(path);
          add(r, s?.size ?? 0, s?.mtimeMs);
        }
        if (lines.length > MAX_ENTRIES)
          throw new CheckpointError({
            code: "INVALID_INPUT",
            message: `${root}: more than ${MAX_ENTRIES} entries; not a checkpoint folder`,
          });
      });
    };
    await walk(root, "", 0);
  }
  lines.sort();
  const h = new Sha256();
  for (const l of lines) h.update(encoder.encode(`${l}\n`));
  return { files: lines.filter((l) => !l.includes("/\0")).length, bytes, digest: h.hex() };
}

/** Options of {@link planRunRetention}. */
export interface PlanRunOptions extends PlanOptions {
  storage: Storage;
  /** Use this layout instead of detecting it. */
  layout?: Layout;
}

/** `best_model_checkpoint` of the newest readable `trainer_state.json` of an HF run (what HF rotates with). */
export async function hfBestModelCheckpoint(
  listing: CheckpointListing,
  storage: Storage,
): Promise<string | null> {
  const withState = listing.checkpoints
    .filter((c) => c.stepText !== null && c.files.includes("trainer_state.json"))
    .sort((a, b) => compareStepText(b.stepText!, a.stepText!));
  for (const c of withState) {
    try {
      const raw = parseLenientJson(await storage.readText(joinPath(c.location, "trainer_state.json")));
      const best = (raw as { best_model_checkpoint?: unknown } | null)?.best_model_checkpoint;
      return typeof best === "string" ? best : null;
    } catch {
      // a torn or unreadable state file: the next older one is what HF last wrote completely
    }
  }
  return null;
}

/**
 * Lists a run and plans its retention: for `hf` every `checkpoint-*` sibling HF would rotate and
 * the `best_model_checkpoint` of the newest `trainer_state.json` (HF always protects it) are
 * included; folder mtimes and content fingerprints of every deletion and every guarded kept
 * checkpoint are recorded so {@link applyRetention} can refuse what changed.
 */
export async function planRunRetention(
  dir: string,
  policy: RetentionPolicy,
  options: PlanRunOptions,
): Promise<ParsedRetentionPlan> {
  const { storage } = options;
  const listing = await listCheckpoints(dir, { storage, layout: options.layout });
  let candidates: RetentionCandidate[] = listing.checkpoints;
  let pol = policy;
  if (policy.kind === "hf") {
    if (listing.layout !== "hf")
      throw new CheckpointError({
        code: "INVALID_INPUT",
        message: `policy hf needs a Hugging Face run, ${listing.root} is ${listing.layout}`,
        details: { hint: "use the safe policy for this layout" },
      });
    candidates = [
      ...listing.checkpoints,
      ...listing.ignored
        .filter((i) => baseName(i.path).startsWith("checkpoint-"))
        .map((i) => ({ name: baseName(i.path), location: i.path, mtimeMs: i.mtimeMs })),
    ];
    if (policy.bestModelCheckpoint === undefined)
      pol = { ...policy, bestModelCheckpoint: await hfBestModelCheckpoint(listing, storage) };
  }
  candidates = await mapLimit(candidates, 16, async (c) => {
    if (!c.location || isRemote(c.location)) return c;
    const s = await storage.stat(c.location);
    return s?.mtimeMs === undefined ? c : { ...c, mtimeMs: s.mtimeMs };
  });
  const plan = planRetention(candidates, pol, options);
  const needs = [...plan.delete, ...plan.keep.filter((k) => k.guard)].filter((d) => !isRemote(d.location));
  await mapLimit(needs, 8, async (d) => {
    const fp = await fingerprintFolder(storage, d.location);
    if (fp) d.fingerprint = fp;
  });
  plan.run = { root: listing.root, layout: listing.layout };
  return plan;
}

/** How a given plan differs from a fresh one. */
export interface PlanDifference {
  /** Reasons the given plan is no longer safe to apply (non-empty → refuse). */
  changed: string[];
  /** Deletions the fresh plan adds (left alone when the given plan is applied). */
  extra: string[];
}

/** Compares a plan from a dry run with a fresh plan of the same run and policy. */
export function diffPlans(given: RetentionPlan, fresh: RetentionPlan): PlanDifference {
  const changed: string[] = [];
  if (canonical(given.policy) !== canonical(fresh.policy))
    changed.push("the policy differs from the one the plan was made with");
  if (given.run && fresh.run && trimSlash(given.run.root) !== trimSlash(fresh.run.root))
    changed.push(`the plan is for ${given.run.root}, not ${fresh.run.root}`);
  const freshDelete = new Map(fresh.delete.map((d) => [trimSlash(d.location), d]));
  const freshKeep = new Map(fresh.keep.map((d) => [trimSlash(d.location), d]));
  for (const d of given.delete) {
    const loc = trimSlash(d.location);
    const now = freshDelete.get(loc);
    if (!now) {
      const kept = freshKeep.get(loc);
      changed.push(
        kept
          ? `${d.name}: planned for deletion, now kept (${kept.reason})`
          : `${d.name}: planned for deletion, no longer exists`,
      );
    } else if (d.fingerprint && now.fingerprint && d.fingerprint.digest !== now.fingerprint.digest)
      changed.push(`${d.name}: its content changed since the plan (names, sizes or mtimes)`);
  }
  const givenDelete = new Set(given.delete.map((d) => trimSlash(d.location)));
  const extra = fresh.delete.filter((d) => !givenDelete.has(trimSlash(d.location))).map((d) => d.name);
  return { changed, extra };
}

/** Result of {@link applyRetention}. */
export interface RetentionResult {
  deleted: string[];
  skipped: Array<{ location: string; reason: string }>;
}

/** Options of {@link applyRetention}. */
export interface ApplyOptions {
  storage: Storage;
  /** Re-list the run (`plan.run`) and re-check the guarded kept checkpoints first. Default true. */
  revalidate?: boolean;
}

function parsePlan(plan: unknown): ParsedRetentionPlan {
  const r = retentionPlanSchema.safeParse(plan);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new CheckpointError({
      code: "INVALID_INPUT",
      message: `${formatIssuePath(["plan", ...issue.path])}: ${issue.message} (expected a plan from planRetention / rlops ckpt prune --json)`,
      cause: r.error,
    });
  }
  return r.data;
}

function keptSetInvalid(message: string, deleted: string[]): never {
  throw new CheckpointError({
    code: "KEPT_SET_INVALID",
    message: `${message}; stopped after ${deleted.length} deletion(s)`,
    details: { deleted, hint: "re-run the dry run (rlops ckpt prune without --apply) and check the run" },
  });
}

/** Re-lists the run and checks every guard still exists and (newest resumable) still resumes. */
async function revalidateGuards(
  plan: ParsedRetentionPlan,
  guards: RetentionDecision[],
  storage: Storage,
  deleted: string[],
): Promise<void> {
  if (!guards.length) return;
  if (!plan.run) {
    for (const g of guards)
      if (!(await storage.stat(g.location)))
        keptSetInvalid(`${g.name} (${g.reason}) no longer exists`, deleted);
    return;
  }
  const listing = await listCheckpoints(plan.run.root, { storage, layout: plan.run.layout });
  const byLocation = new Map<string, Checkpoint>(listing.checkpoints.map((c) => [trimSlash(c.location), c]));
  for (const g of guards) {
    const c = byLocation.get(trimSlash(g.location));
    if (!c && !(await storage.stat(g.location)))
      keptSetInvalid(`${g.name} (${g.reason}) no longer exists`, deleted);
    if (g.guard === "newest-resumable" && !(c?.complete && c.capabilities.resume)) {
      const why = c?.problems.filter((p) => p.severity === "error").map((p) => p.code) ?? [];
      keptSetInvalid(
        `${g.name}, the newest resumable checkpoint the plan keeps, is no longer resumable${why.length ? ` (${why.join(", ")})` : ""}`,
        deleted,
      );
    }
  }
}

/**
 * Deletes exactly the plan's `delete` entries. First the guarded kept checkpoints (newest
 * resumable, best, protected) are re-validated against a fresh listing; before each deletion
 * their content identity is re-checked (a change re-validates them, a failure stops with
 * `KEPT_SET_INVALID`), and the folder to delete must still exist, not be remote or kept, and
 * have the recorded content identity (names, sizes, mtimes) or, without one, the recorded mtime.
 * Anything else — including checkpoints that appeared after planning — is never touched.
 */
export async function applyRetention(plan: RetentionPlan, options: ApplyOptions): Promise<RetentionResult> {
  if (!options?.storage)
    throw new CheckpointError({ code: "INVALID_INPUT", message: "options.storage is required" });
  const storage = options.storage;
  const p = parsePlan(plan);
  const keepLocations = new Set(p.keep.map((k) => trimSlash(k.location)));
  const guards = p.keep.filter((k) => k.guard !== undefined && !isRemote(k.location));
  const result: RetentionResult = { deleted: [], skipped: [] };
  if (options.revalidate !== false) await revalidateGuards(p, guards, storage, result.deleted);
  const guardPrints = new Map<RetentionDecision, FolderFingerprint | null | undefined>(
    guards.map((g) => [g, g.fingerprint]),
  );
  for (const d of p.delete) {
    const location = trimSlash(d.location);
    if (isRemote(location)) {
      result.skipped.push({ location, reason: "remote checkpoint: delete it with the provider's tools" });
      continue;
    }
    if (keepLocations.has(location)) {
      result.skipped.push({ location, reason: "also listed in keep" });
      continue;
    }
    const stat = await storage.stat(location);
    if (!stat) {
      result.skipped.push({ location, reason: "no longer exists" });
      continue;
    }
    if (d.fingerprint) {
      const now = await fingerprintFolder(storage, location);
      if (now?.digest !== d.fingerprint.digest) {
        result.skipped.push({
          location,
          reason:
            "content changed since the plan (names, sizes or mtimes): a save may be in progress; re-plan",
        });
        continue;
      }
    } else if (d.mtimeMs !== undefined && stat.mtimeMs !== undefined && stat.mtimeMs !== d.mtimeMs) {
      result.skipped.push({
        location,
        reason: "modified since the plan was made (a save may be in progress); re-plan",
      });
      continue;
    }
    // the kept set: unchanged, or re-validated
    let changed = false;
    for (const [g, before] of guardPrints) {
      const now = await fingerprintFolder(storage, g.location);
      if (!now) keptSetInvalid(`${g.name} (${g.reason}) no longer exists`, result.deleted);
      if (before === undefined || now.digest !== before?.digest) changed = true;
      guardPrints.set(g, now);
    }
    if (changed) await revalidateGuards(p, guards, storage, result.deleted);
    try {
      await storage.remove(location);
      result.deleted.push(location);
    } catch (error) {
      throw new CheckpointError({
        code: "STORAGE_ERROR",
        message: `${location}: delete failed after ${result.deleted.length} deletion(s): ${(error as Error).message}`,
        cause: error,
        details: { deleted: result.deleted },
      });
    }
  }
  return result;
}

/** JSON with sorted keys and no `undefined` members (a plan read back from JSON compares equal). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}
