import { checkLayout, type ListOptions, listCheckpoints, requireStorage } from "./api.js";
import { CheckpointError } from "./errors.js";
import { attachFaults, faultIsolating } from "./faults.js";
import { type ScanContext, verifyCheckpointHeaders } from "./folder.js";
import { type Pending, PendingQueue } from "./latest-queue.js";
import { detectFromEntries, requireDir, scanRun } from "./layouts.js";
import {
  type Checkpoint,
  type CheckpointListing,
  compareCheckpoints,
  isDigits,
  type Layout,
  normalizeDigits,
} from "./model.js";
import {
  type CheckpointUse,
  type Criteria,
  criteria,
  judgeCheckpoint,
  type RejectedCandidate,
  rejection,
  stepRejection,
  useLocation,
} from "./select.js";
import { type DirEntry, joinPath, mapLimit, type Storage, trimSlash } from "./storage.js";

/** Options of {@link latestCheckpoint}. */
export interface LatestOptions extends Omit<ListOptions, "include"> {
  /** What the checkpoint must be usable for. Default `resume`. */
  require?: CheckpointUse;
}

/** Result of {@link latestCheckpoint}. */
export interface LatestResult {
  layout: Layout;
  root: string;
  /** The newest qualifying checkpoint (with `bytes` filled for local ones), or `null`. */
  checkpoint: Checkpoint | null;
  /** The address to use: for Tinker the `weights/` (resume) or `sampler_weights/` (inference) URI. */
  location: string | null;
  /** Newer candidates that were rejected, newest first, each with its reasons. */
  rejected: RejectedCandidate[];
}

/**
 * How a layout's candidates are ordered from names alone: the folder holding them, the step a
 * name means (exactly what the scanner derives), the name the scanner gives it, and the other
 * entries the scanner reads on every pass. Layouts without a spec are listed in full.
 */
interface LazySpec {
  candidateDir(root: string, rootEntries: DirEntry[]): { dir: string; prefix: string };
  step(entry: DirEntry): string | null;
  context(entry: DirEntry): boolean;
}

const prefixed = (name: string, prefix: string) =>
  name.startsWith(prefix) && isDigits(name.slice(prefix.length)) ? name.slice(prefix.length) : null;

const LAZY: Partial<Record<Layout, LazySpec>> = {
  hf: {
    candidateDir: (root) => ({ dir: root, prefix: "" }),
    step: (e) => (e.type === "dir" ? prefixed(e.name, "checkpoint-") : null),
    context: () => false,
  },
  "step-folders": {
    candidateDir: (root, entries) =>
      entries.some((e) => e.type === "dir" && e.name === "checkpoints")
        ? { dir: joinPath(root, "checkpoints"), prefix: "checkpoints/" }
        : { dir: root, prefix: "" },
    step: (e) => (e.type === "dir" ? (prefixed(e.name, "step_") ?? prefixed(e.name, "step-")) : null),
    context: (e) => e.type === "dir" && e.name === "logs",
  },
  deepspeed: {
    candidateDir: (root) => ({ dir: root, prefix: "" }),
    step: (e) => (e.type === "dir" ? prefixed(e.name, "global_step") : null),
    context: (e) => e.type === "file" && e.name === "latest",
  },
};

/** Sums the sizes of a chosen local checkpoint's files when the listing did not read them. */
async function fillBytes(storage: Storage, c: Checkpoint): Promise<void> {
  if (c.bytes !== null || c.location.includes("://")) return;
  if (c.layout === "lightning" || c.files.length === 0) {
    const s = await storage.stat(c.location);
    if (s?.type === "file") c.bytes = s.size;
    if (s?.type === "file" || c.files.length === 0) return;
  }
  const files = c.files.filter((f) => !f.endsWith("/"));
  const sizes = await mapLimit(
    files,
    16,
    async (f) => (await storage.stat(c.layout === "lightning" ? c.location : joinPath(c.location, f)))?.size,
  );
  if (sizes.every((s) => s !== undefined)) c.bytes = sizes.reduce((a, b) => a! + b!, 0)!;
}

/** Newest first over a full listing: the walk that judges each candidate (used when no lazy path fits). */
async function walkListing(listing: CheckpointListing, k: Criteria, storage: Storage): Promise<LatestResult> {
  const ordered = [...listing.checkpoints].sort(compareCheckpoints).reverse();
  return finish(
    listing.layout,
    listing.root,
    await walk(ordered, new PendingQueue([], [], "", ""), k, storage, listing.root, null),
    storage,
  );
}

/**
 * Walks back from the newest checkpoint to the newest one that really qualifies for `require`,
 * explaining every candidate it rejected. Without an explicit `verify` it reads lazily: candidates
 * are ordered from their names (HF, step folders, DeepSpeed: one listing of the run folder), then
 * opened newest first in small windows, reading safetensors headers / zip end records only of the
 * checkpoint about to be chosen; it stops at the first that qualifies (O(1) folders opened when the
 * newest is complete). Other layouts, or an explicit `verify`, list the run in full first.
 */
export async function latestCheckpoint(dir: string, options: LatestOptions): Promise<LatestResult> {
  const k = criteria(options);
  const storage = requireStorage(options);
  const layoutOpt = checkLayout(options.layout);
  if (options.verify !== undefined) {
    // step bounds are judged by the walk (which reports what they reject), not filtered by the listing
    const listing = await listCheckpoints(dir, { ...unbounded(options), include: "all" });
    return walkListing(listing, k, storage);
  }
  const root = trimSlash(dir);
  await requireDir(storage, root);
  const rootEntries = await storage.list(root);
  const ctx: ScanContext = { storage, sizes: options.sizes ?? false, verify: "presence" };
  const layout = layoutOpt ?? (await detectFromEntries(ctx, root, rootEntries)).layout ?? undefined;
  const spec = layout ? LAZY[layout] : undefined;
  if (!layout || !spec || rootEntries.some((e) => e.type === "dir" && e.name.startsWith("run-"))) {
    // full listing (names and metadata only), headers of the walked candidates
    const listing = await listCheckpoints(root, {
      ...unbounded(options),
      layout: layout ?? undefined,
      verify: "presence",
      sizes: ctx.sizes,
    });
    return walkListing(listing, k, storage);
  }
  const cand = spec.candidateDir(root, rootEntries);
  const candEntries = cand.dir === root ? rootEntries : await storage.list(cand.dir);
  const rest: DirEntry[] = [];
  const context: DirEntry[] = [];
  const candidates: DirEntry[] = [];
  const digits: string[] = [];
  for (const e of candEntries) {
    const d = spec.step(e);
    if (d === null) {
      if (spec.context(e)) context.push(e);
      else rest.push(e);
      continue;
    }
    candidates.push(e);
    digits.push(normalizeDigits(d));
  }
  const pending = new PendingQueue(candidates, digits, cand.dir, cand.prefix);
  let windows = 0;
  const scan = async (entries: DirEntry[]): Promise<Checkpoint[]> => {
    const windowIndex = windows++;
    const iso = faultIsolating(storage, root);
    const view: Storage = {
      ...iso.storage,
      list: (p) => {
        const t = trimSlash(p);
        if (t === cand.dir) return Promise.resolve([...entries, ...context]);
        if (t === root) return Promise.resolve(rootEntries);
        return iso.storage.list(p);
      },
    };
    const r = await scanRun(
      { storage: view, sizes: ctx.sizes, verify: "presence", tinker: options.tinker },
      root,
      layout,
    );
    attachFaults(iso.faults, r.checkpoints, r.ignored);
    // HF marks the best from the newest trainer_state of a pass: only the passes that hold the
    // run's newest checkpoint (the first two) see the newest one
    if (windowIndex > 1) for (const c of r.checkpoints) delete c.best;
    return r.checkpoints;
  };
  // entries whose place in the order is unknown from the name (final_checkpoint, last-checkpoint, …)
  const first = await scan(rest);
  const ordered = first.sort(compareCheckpoints).reverse();
  return finish(layout, root, await walk(ordered, pending, k, storage, root, scan), storage);
}

async function finish(
  layout: Layout,
  root: string,
  r: { checkpoint: Checkpoint | null; rejected: RejectedCandidate[]; need: CheckpointUse },
  storage: Storage,
): Promise<LatestResult> {
  if (!r.checkpoint) return { layout, root, checkpoint: null, location: null, rejected: r.rejected };
  await fillBytes(storage, r.checkpoint).catch((error: unknown) => {
    // sizes are informative: an unreadable stat leaves bytes null, the choice stands
    if (!CheckpointError.isInstance(error)) throw error;
  });
  return {
    layout,
    root,
    checkpoint: r.checkpoint,
    location: useLocation(r.checkpoint, r.need),
    rejected: r.rejected,
  };
}

/**
 * Merges already scanned checkpoints (`pool`, newest first) with name-ordered `pending` folders,
 * scanning pending ones in growing windows only when the walk reaches them.
 */
async function walk(
  pool: Checkpoint[],
  pending: PendingQueue,
  k: Criteria,
  storage: Storage,
  root: string,
  scan: ((entries: DirEntry[]) => Promise<Checkpoint[]>) | null,
): Promise<{ checkpoint: Checkpoint | null; rejected: RejectedCandidate[]; need: CheckpointUse }> {
  const rejected: RejectedCandidate[] = [];
  const seen = new Set(pool.map((c) => c.location));
  let window = 1;
  for (;;) {
    const p = pending.peek();
    const c = pool[0];
    if (!p && !c) return { checkpoint: null, rejected, need: k.need };
    if (p && (!c || compareCheckpoints(p.key, c) > 0)) {
      const why = stepRejection(p.key.stepText, k);
      if (why) {
        pending.shift(); // outside the step bounds: skipped by name, never opened
        continue;
      }
      if (!scan) throw new Error("latestCheckpoint: pending candidates without a scanner");
      const batch: Pending[] = [];
      for (
        let q = pending.peek();
        batch.length < window && q && !stepRejection(q.key.stepText, k);
        q = pending.peek()
      )
        batch.push(pending.shift()!);
      window = Math.min(window * 4, 256);
      const scanned = await scan(batch.map((b) => b.entry));
      // scanned names carry the exact keys: merge keeping newest-first order
      // a pass re-scans the run root's own entries (e.g. final_model/): keep the first copy
      for (const c of scanned) if (!seen.has(c.location)) pool.push(c);
      for (const c of scanned) seen.add(c.location);
      pool.sort((a, b) => compareCheckpoints(b, a));
      continue;
    }
    pool.shift();
    if (stepRejection(c!.stepText, k)) continue;
    let reasons = judgeCheckpoint(c!, k);
    if (!reasons) {
      // header checks of the one about to be chosen; an unreadable file is a problem on it
      const iso = faultIsolating(storage, root);
      await verifyCheckpointHeaders(iso.storage, c!);
      attachFaults(iso.faults, [c!], []);
      reasons = judgeCheckpoint(c!, k);
    }
    if (!reasons) return { checkpoint: c!, rejected, need: k.need };
    rejected.push(rejection(c!, reasons));
  }
}

function unbounded(options: LatestOptions): LatestOptions {
  const { beforeStep: _b, maxStep: _m, ...rest } = options;
  return rest;
}
