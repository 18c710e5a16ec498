import { CheckpointError } from "./errors.js";
import { type Checkpoint, compareCheckpoints, compareStepText } from "./model.js";
import { baseName, type Storage, trimSlash } from "./storage.js";

/**
 * Hugging Face `save_total_limit` rotation, reproduced exactly: `version` 4 (late 4.5x: best
 * bubbled up to position len-2, limit raised to 2 for limit 1 + best) or 5 (protected set
 * `{newest, best}`), `ordering` numeric (prefix regex `.*checkpoint-([0-9]+)` on the full path) or
 * mtime (every `checkpoint-*` folder, falling back to numeric when all mtimes lie within 1 s).
 */
export interface HfRetentionPolicy {
  kind: "hf";
  saveTotalLimit: number;
  /** Default 5. */
  version?: 4 | 5;
  /** Default `mtime` (what 5.18.0 and 4.52+ pass to the rotation). */
  ordering?: "numeric" | "mtime";
  /** `best_model_checkpoint` (a path or a folder name such as `checkpoint-200`). */
  bestModelCheckpoint?: string | null;
  /** Also apply the end-of-training rule (limit 1 + best: delete everything but the best). */
  endOfTraining?: boolean;
}

/** A safe policy: never deletes the newest resumable, the best, the newest complete, final or recover checkpoints. */
export interface SafeRetentionPolicy {
  kind: "safe";
  /** Keep the K newest checkpoints that have a step. */
  keepLast: number;
  /** Also keep the best checkpoint (HF `best_model_checkpoint`, staged `best/`). Default true. */
  keepBest?: boolean;
  /** Keep every checkpoint whose step is a multiple of N. */
  keepEvery?: number;
  /** Keep the checkpoint with the best value of this metric (from `metrics`). */
  bestMetric?: { name: string; greaterIsBetter?: boolean };
}

/** Any retention policy. */
export type RetentionPolicy = HfRetentionPolicy | SafeRetentionPolicy;

/** The fields retention needs; a {@link Checkpoint} satisfies it, so do HF's ignored `checkpoint-*` siblings. */
export interface RetentionCandidate {
  name: string;
  location?: string;
  stepText?: string | null;
  step?: number | null;
  mtimeMs?: number;
  role?: Checkpoint["role"];
  best?: boolean;
  complete?: boolean;
  capabilities?: Checkpoint["capabilities"];
  metrics?: Record<string, number>;
  layout?: Checkpoint["layout"];
}

/** One decision of a plan. */
export interface RetentionDecision {
  name: string;
  location: string;
  step: number | null;
  reason: string;
  /** Modification time when planned; `applyRetention` refuses to delete a folder that changed since. */
  mtimeMs?: number;
}

/** A dry-run retention plan: nothing is deleted until {@link applyRetention}. */
export interface RetentionPlan {
  policy: RetentionPolicy;
  keep: RetentionDecision[];
  delete: RetentionDecision[];
  notes: string[];
}

function decision(c: RetentionCandidate, reason: string): RetentionDecision {
  const d: RetentionDecision = { name: c.name, location: c.location ?? c.name, step: c.step ?? null, reason };
  if (c.mtimeMs !== undefined) d.mtimeMs = c.mtimeMs;
  return d;
}

/** `re.match(".*checkpoint-([0-9]+)", path)`: the last `checkpoint-<digits>` occurrence (greedy `.*`). */
export function hfCheckpointNumber(path: string): string | null {
  let from = path.length;
  for (;;) {
    const i = path.lastIndexOf("checkpoint-", from);
    if (i < 0) return null;
    let j = i + 11;
    while (j < path.length && path.charCodeAt(j) >= 0x30 && path.charCodeAt(j) <= 0x39) j++;
    if (j > i + 11) return path.slice(i + 11, j);
    if (i === 0) return null;
    from = i - 1;
  }
}

const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function planHf(candidates: RetentionCandidate[], policy: HfRetentionPolicy): RetentionPlan {
  const notes: string[] = [];
  const limit = policy.saveTotalLimit;
  if (!Number.isInteger(limit))
    throw new CheckpointError({
      code: "INVALID_INPUT",
      message: `policy.saveTotalLimit: expected an integer, got ${limit}`,
    });
  const version = policy.version ?? 5;
  let ordering = policy.ordering ?? "mtime";
  const pathOf = (c: RetentionCandidate) => trimSlash(c.location ?? c.name);
  const globbed = candidates.filter((c) => baseName(pathOf(c)).startsWith("checkpoint-"));
  const keepAll = (reason: string): RetentionPlan => ({
    policy,
    keep: candidates.map((c) => decision(c, reason)),
    delete: [],
    notes,
  });
  if (limit <= 0) return keepAll("save_total_limit is unset or ≤ 0: HF never rotates");
  const sortNumeric = () => {
    const pairs: Array<{ key: string; path: string; c: RetentionCandidate }> = [];
    for (const c of globbed) {
      const key = hfCheckpointNumber(pathOf(c));
      if (key !== null) pairs.push({ key, path: pathOf(c), c });
    }
    pairs.sort((a, b) => compareStepText(a.key, b.key) || cmpStr(a.path, b.path));
    return pairs;
  };
  let sorted: Array<{ path: string; c: RetentionCandidate }>;
  if (ordering === "mtime") {
    if (globbed.some((c) => c.mtimeMs === undefined)) {
      notes.push("mtime ordering requested but some folders have no mtime: using numeric ordering");
      ordering = "numeric";
      sorted = sortNumeric();
    } else {
      const pairs = globbed.map((c) => ({ key: c.mtimeMs! / 1000, path: pathOf(c), c }));
      pairs.sort((a, b) => a.key - b.key || cmpStr(a.path, b.path));
      if (pairs.length > 1 && pairs[pairs.length - 1]!.key - pairs[0]!.key < 1.0) {
        notes.push(
          "mtimes lie within 1 s (mtime may not be reliable on this filesystem): HF falls back to numeric ordering",
        );
        ordering = "numeric";
        sorted = sortNumeric();
      } else sorted = pairs;
    }
  } else sorted = sortNumeric();

  const bestRaw = policy.bestModelCheckpoint ? trimSlash(policy.bestModelCheckpoint) : null;
  let bestPath: string | null = null;
  if (bestRaw !== null) {
    const exact = sorted.find((p) => p.path === bestRaw);
    const byName = exact ?? sorted.find((p) => baseName(p.path) === baseName(bestRaw));
    bestPath = byName ? byName.path : bestRaw;
  }
  const paths = sorted.map((p) => p.path);
  const toDelete = new Set<string>();
  const reasons = new Map<string, string>();
  if (version === 4) {
    if (bestPath !== null && paths.includes(bestPath)) {
      const i = paths.indexOf(bestPath);
      for (let j = i; j < paths.length - 2; j++) {
        const t = paths[j]!;
        paths[j] = paths[j + 1]!;
        paths[j + 1] = t;
      }
    }
    if (paths.length > limit) {
      let effective = limit;
      if (bestPath !== null && limit === 1 && paths[paths.length - 1] !== bestPath) effective = 2;
      for (const p of paths.slice(0, Math.max(0, paths.length - effective))) {
        toDelete.add(p);
        reasons.set(p, `save_total_limit=${limit} (transformers 4.x rotation, ${ordering} order)`);
      }
    }
  } else {
    const protectedSet = new Set<string>();
    if (paths.length) protectedSet.add(paths[paths.length - 1]!);
    if (bestPath !== null) protectedSet.add(bestPath);
    const numToKeep = Math.max(limit, protectedSet.size);
    let remaining = paths.length;
    for (const p of paths) {
      if (remaining <= numToKeep) break;
      if (!protectedSet.has(p)) {
        toDelete.add(p);
        reasons.set(p, `save_total_limit=${limit} (transformers 5.x rotation, ${ordering} order)`);
        remaining--;
      }
    }
  }
  if (policy.endOfTraining && bestPath !== null && limit === 1) {
    for (const p of paths)
      if (p !== bestPath && !toDelete.has(p)) {
        toDelete.add(p);
        reasons.set(p, "end of training with save_total_limit=1: HF deletes every checkpoint but the best");
      }
  }
  const order = new Map(paths.map((p, i) => [p, i]));
  const del = sorted
    .filter((p) => toDelete.has(p.path))
    .sort((a, b) => order.get(a.path)! - order.get(b.path)!);
  const keep = candidates.filter((c) => !toDelete.has(pathOf(c)));
  return {
    policy,
    delete: del.map((p) => decision(p.c, reasons.get(p.path)!)),
    keep: keep.map((c) => {
      const p = pathOf(c);
      const why = !baseName(p).startsWith("checkpoint-")
        ? "not matched by HF's checkpoint-* glob"
        : !sorted.some((s) => s.path === p)
          ? "not matched by HF's numeric regex .*checkpoint-([0-9]+)"
          : p === bestPath
            ? "best_model_checkpoint"
            : p === paths[paths.length - 1]
              ? "most recent"
              : "within save_total_limit";
      return decision(c, why);
    }),
    notes,
  };
}

function planSafe(candidates: RetentionCandidate[], policy: SafeRetentionPolicy): RetentionPlan {
  if (!Number.isInteger(policy.keepLast) || policy.keepLast < 0)
    throw new CheckpointError({
      code: "INVALID_INPUT",
      message: `policy.keepLast: expected a non-negative integer, got ${policy.keepLast}`,
    });
  if (policy.keepEvery !== undefined && (!Number.isInteger(policy.keepEvery) || policy.keepEvery <= 0))
    throw new CheckpointError({
      code: "INVALID_INPUT",
      message: `policy.keepEvery: expected a positive integer, got ${policy.keepEvery}`,
    });
  const notes: string[] = [];
  const asCk = (c: RetentionCandidate) =>
    ({ stepText: c.stepText ?? null, role: c.role ?? "intermediate", name: c.name }) as Checkpoint;
  const ordered = [...candidates].sort((a, b) => compareCheckpoints(asCk(a), asCk(b)));
  const keepReason = new Map<RetentionCandidate, string>();
  const keep = (c: RetentionCandidate | undefined, why: string) => {
    if (c && !keepReason.has(c)) keepReason.set(c, why);
  };
  const newest = (pred: (c: RetentionCandidate) => boolean) => {
    for (let i = ordered.length - 1; i >= 0; i--) if (pred(ordered[i]!)) return ordered[i];
    return undefined;
  };
  for (const c of ordered) if (c.role === "final") keep(c, "final checkpoint");
  for (const c of ordered) if (c.role === "recover") keep(c, "recover slot");
  if (policy.keepBest ?? true)
    for (const c of ordered) if (c.best || c.role === "best") keep(c, "best checkpoint");
  keep(
    newest((c) => c.capabilities?.resume === true),
    "newest resumable checkpoint",
  );
  keep(
    newest((c) => c.complete === true),
    "newest complete checkpoint",
  );
  if (policy.bestMetric) {
    const { name, greaterIsBetter = false } = policy.bestMetric;
    let best: RetentionCandidate | undefined;
    for (const c of ordered) {
      const v = c.metrics?.[name];
      if (typeof v !== "number" || Number.isNaN(v)) continue;
      const bv = best?.metrics?.[name] as number | undefined;
      if (bv === undefined || (greaterIsBetter ? v > bv : v < bv)) best = c;
    }
    if (best) keep(best, `best ${name} (${best.metrics![name]})`);
    else notes.push(`no checkpoint has metric "${name}"`);
  }
  const stepped = ordered.filter((c) => (c.stepText ?? null) !== null);
  for (const c of stepped.slice(Math.max(0, stepped.length - policy.keepLast)))
    keep(c, `among the ${policy.keepLast} newest`);
  if (policy.keepEvery !== undefined) {
    const n = BigInt(policy.keepEvery);
    for (const c of stepped)
      if (BigInt(c.stepText!) % n === 0n) keep(c, `step is a multiple of ${policy.keepEvery}`);
  }
  for (const c of ordered) if ((c.stepText ?? null) === null) keep(c, "has no step (never rotated)");
  const del: RetentionDecision[] = [];
  const kept: RetentionDecision[] = [];
  for (const c of ordered) {
    const why = keepReason.get(c);
    if (why) kept.push(decision(c, why));
    else
      del.push(
        decision(
          c,
          `older than the ${policy.keepLast} newest${c.complete === false ? " and incomplete" : ""}; not the newest resumable, best or only complete checkpoint`,
        ),
      );
  }
  return { policy, keep: kept, delete: del, notes };
}

/**
 * Plans retention as a pure dry run with a reason per deletion. `hf` reproduces
 * `save_total_limit` bit-for-bit; `safe` never deletes the newest resumable, the best, the newest
 * complete, final or recover checkpoints.
 */
export function planRetention(
  checkpoints: readonly RetentionCandidate[],
  policy: RetentionPolicy,
): RetentionPlan {
  const list = [...checkpoints];
  if (policy.kind === "hf") return planHf(list, policy);
  if (policy.kind === "safe") return planSafe(list, policy);
  throw new CheckpointError({
    code: "INVALID_INPUT",
    message: `policy.kind: expected "hf" or "safe", got ${JSON.stringify((policy as { kind?: unknown }).kind)}`,
  });
}

/** Result of {@link applyRetention}. */
export interface RetentionResult {
  deleted: string[];
  skipped: Array<{ location: string; reason: string }>;
}

/**
 * Deletes exactly the plan's `delete` entries, re-checking each first: it must still exist, not be
 * a remote URI, not also be in `keep`, and (when the plan recorded one) have the same mtime.
 */
export async function applyRetention(
  plan: RetentionPlan,
  options: { storage: Storage },
): Promise<RetentionResult> {
  if (!options?.storage)
    throw new CheckpointError({ code: "INVALID_INPUT", message: "options.storage is required" });
  const storage = options.storage;
  const keepLocations = new Set(plan.keep.map((k) => trimSlash(k.location)));
  const result: RetentionResult = { deleted: [], skipped: [] };
  for (const d of plan.delete) {
    const location = trimSlash(d.location);
    if (location.includes("://")) {
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
    if (d.mtimeMs !== undefined && stat.mtimeMs !== undefined && stat.mtimeMs !== d.mtimeMs) {
      result.skipped.push({
        location,
        reason: "modified since the plan was made (a save may be in progress); re-plan",
      });
      continue;
    }
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
