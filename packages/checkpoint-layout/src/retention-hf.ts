/**
 * What transformers itself deletes, reproduced from its source (read in transformers 5.18.0,
 * `trainer_utils.sort_checkpoints` / `rotate_checkpoints` and `Trainer._inner_training_loop`):
 *
 * - **Rotation** (after every save, `Trainer._save_checkpoint`): `state.save_to_json` runs first,
 *   then `rotate_checkpoints(run_dir, save_total_limit, best_model_checkpoint=state.best_model_checkpoint,
 *   use_mtime=True)`. It globs `checkpoint-*` directories; with mtime ordering every globbed folder
 *   is sorted by `os.path.getmtime` (numeric fallback when newest − oldest < 1 s), with numeric
 *   ordering only paths matching `re.match(".*checkpoint-([0-9]+)")` count. Nothing happens when
 *   `save_total_limit` is unset/≤ 0 or there are ≤ `save_total_limit` folders. Otherwise
 *   `protected = {newest, str(Path(best))}` (the best always, with or without `load_best_model_at_end`),
 *   `num_to_keep = max(save_total_limit, len(protected))`, and the oldest unprotected folders are
 *   deleted until `num_to_keep` remain. 4.x instead moved the best to position len-2 and raised the
 *   limit to 2 for limit 1 + best.
 * - **Train end** (both 4.x and 5.x): when `state.best_model_checkpoint` is set and
 *   `save_total_limit == 1`, every folder of the *numeric* `sort_checkpoints` (regex-matched, no
 *   mtime) that is not `os.path.samefile` the best is deleted — including the newest one.
 */
import { CheckpointError } from "./errors.js";
import { compareStepText } from "./model.js";
import type { RetentionCandidate } from "./retention.js";
import type { HfRetentionPolicy } from "./retention-schema.js";
import { baseName, trimSlash } from "./storage.js";

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

/** Result of simulating transformers' deletions. */
export interface HfRotation {
  /** Path → why transformers deletes it. */
  deletes: Map<string, string>;
  /** Deleted paths in transformers' order. */
  order: string[];
  byPath: Map<string, RetentionCandidate>;
  /** The best as resolved against the folders (exact path, else folder name), or the raw value. */
  bestPath: string | null;
  notes: string[];
  /** Why a path transformers leaves alone is kept. */
  keepReason(path: string): string;
}

interface Sorted {
  path: string;
  c: RetentionCandidate;
}

/** Simulates one rotation (and optionally the train-end rule) over `candidates`. */
export function hfRotation(candidates: RetentionCandidate[], policy: HfRetentionPolicy): HfRotation {
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
  const byPath = new Map(candidates.map((c) => [pathOf(c), c]));
  const globbed = candidates.filter((c) => baseName(pathOf(c)).startsWith("checkpoint-"));
  const sortNumeric = (): Sorted[] => {
    const pairs: Array<Sorted & { key: string }> = [];
    for (const c of globbed) {
      const key = hfCheckpointNumber(pathOf(c));
      if (key !== null) pairs.push({ key, path: pathOf(c), c });
    }
    pairs.sort((a, b) => compareStepText(a.key, b.key) || cmpStr(a.path, b.path));
    return pairs;
  };
  const numeric = sortNumeric();
  let sorted: Sorted[];
  if (ordering === "mtime") {
    if (globbed.some((c) => c.mtimeMs === undefined)) {
      notes.push("mtime ordering requested but some folders have no mtime: using numeric ordering");
      ordering = "numeric";
      sorted = numeric;
    } else {
      const pairs = globbed.map((c) => ({ key: c.mtimeMs! / 1000, path: pathOf(c), c }));
      pairs.sort((a, b) => a.key - b.key || cmpStr(a.path, b.path));
      if (pairs.length > 1 && pairs[pairs.length - 1]!.key - pairs[0]!.key < 1.0) {
        notes.push(
          "mtimes lie within 1 s (mtime may not be reliable on this filesystem): HF falls back to numeric ordering",
        );
        ordering = "numeric";
        sorted = numeric;
      } else sorted = pairs;
    }
  } else sorted = numeric;

  const bestRaw = policy.bestModelCheckpoint ? trimSlash(policy.bestModelCheckpoint) : null;
  let bestPath: string | null = null;
  if (bestRaw !== null) {
    const exact = globbed.find((c) => pathOf(c) === bestRaw);
    const byName = exact ?? globbed.find((c) => baseName(pathOf(c)) === baseName(bestRaw));
    bestPath = byName ? pathOf(byName) : bestRaw;
  }
  const paths = sorted.map((p) => p.path);
  const deletes = new Map<string, string>();
  const order: string[] = [];
  const del = (p: string, why: string) => {
    if (deletes.has(p)) return;
    deletes.set(p, why);
    order.push(p);
  };
  if (limit > 0 && paths.length > limit) {
    if (version === 4) {
      if (bestPath !== null && paths.includes(bestPath)) {
        const i = paths.indexOf(bestPath);
        for (let j = i; j < paths.length - 2; j++) {
          const t = paths[j]!;
          paths[j] = paths[j + 1]!;
          paths[j + 1] = t;
        }
      }
      let effective = limit;
      if (bestPath !== null && limit === 1 && paths[paths.length - 1] !== bestPath) effective = 2;
      for (const p of paths.slice(0, Math.max(0, paths.length - effective)))
        del(p, `save_total_limit=${limit} (transformers 4.x rotation, ${ordering} order)`);
    } else {
      const protectedSet = new Set<string>([paths[paths.length - 1]!]);
      if (bestPath !== null) protectedSet.add(bestPath);
      const numToKeep = Math.max(limit, protectedSet.size);
      let remaining = paths.length;
      for (const p of paths) {
        if (remaining <= numToKeep) break;
        if (!protectedSet.has(p)) {
          del(p, `save_total_limit=${limit} (transformers 5.x rotation, ${ordering} order)`);
          remaining--;
        }
      }
    }
  }
  if (policy.endOfTraining && bestPath !== null && limit === 1)
    for (const { path } of numeric)
      if (path !== bestPath)
        del(path, "train end with save_total_limit=1: transformers deletes every checkpoint but the best");
  const newest = paths[paths.length - 1];
  return {
    deletes,
    order,
    byPath,
    bestPath,
    notes,
    keepReason(p) {
      if (!baseName(p).startsWith("checkpoint-")) return "not matched by HF's checkpoint-* glob";
      if (!sorted.some((s) => s.path === p)) return "not matched by HF's numeric regex .*checkpoint-([0-9]+)";
      if (p === bestPath) return "best_model_checkpoint";
      if (p === newest) return "most recent";
      return limit <= 0 ? "save_total_limit is unset or ≤ 0: HF never rotates" : "within save_total_limit";
    },
  };
}
