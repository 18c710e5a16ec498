import { CheckpointError } from "./errors.js";
import type { Checkpoint, IgnoredEntry } from "./model.js";
import { type Storage, trimSlash } from "./storage.js";

/** A path the storage could not read (permission, I/O error) during a listing. */
export interface StorageFault {
  path: string;
  message: string;
}

const isFault = (error: unknown) => CheckpointError.isInstance(error) && error.code === "STORAGE_ERROR";

/**
 * Wraps a storage so that a read failure (`STORAGE_ERROR`: a `chmod 000` folder or file, an I/O
 * error) below `root` is recorded instead of failing the whole listing: the failing call answers as
 * if the entry were empty (`list` → `[]`, `read` → no bytes, `readText` → `""`, `stat` → `null`),
 * and {@link attachFaults} turns each record into an `UNREADABLE` problem on its checkpoint. A
 * failure on `root` itself still throws (nothing can be listed). `NOT_FOUND` passes through.
 */
export function faultIsolating(storage: Storage, root: string): { storage: Storage; faults: StorageFault[] } {
  const faults: StorageFault[] = [];
  const top = trimSlash(root);
  const guard =
    <A extends unknown[], R>(fn: (path: string, ...rest: A) => Promise<R>, fallback: () => R) =>
    async (path: string, ...rest: A): Promise<R> => {
      try {
        return await fn(path, ...rest);
      } catch (error) {
        if (!isFault(error) || trimSlash(path) === top) throw error;
        faults.push({ path: trimSlash(path), message: (error as Error).message });
        return fallback();
      }
    };
  const wrapped: Storage = {
    list: guard(
      (p) => storage.list(p),
      () => [],
    ),
    stat: guard(
      (p) => storage.stat(p),
      () => null,
    ),
    read: guard(
      (p, range?: { start: number; end: number }) => storage.read(p, range),
      () => new Uint8Array(0),
    ),
    readText: guard(
      (p) => storage.readText(p),
      () => "",
    ),
    remove: (p) => storage.remove(p),
  };
  if (storage.write) wrapped.write = (p, data) => storage.write!(p, data);
  if (storage.createSha256) wrapped.createSha256 = () => storage.createSha256!();
  return { storage: wrapped, faults };
}

/**
 * Attaches each fault to the checkpoint that contains its path as an `UNREADABLE` error problem
 * (the checkpoint becomes incomplete, neither resumable nor usable for inference); a whole
 * unreadable checkpoint folder keeps only that problem. Faults outside every checkpoint are
 * reported in `ignored`.
 */
export function attachFaults(
  faults: StorageFault[],
  checkpoints: Checkpoint[],
  ignored: IgnoredEntry[],
): void {
  const seen = new Set<string>();
  for (const f of faults) {
    if (seen.has(f.path)) continue;
    seen.add(f.path);
    let owner: Checkpoint | undefined;
    for (const c of checkpoints) {
      const loc = trimSlash(c.location);
      if ((f.path === loc || f.path.startsWith(`${loc}/`)) && (!owner || loc.length > owner.location.length))
        owner = c;
    }
    const problem = {
      code: "UNREADABLE" as const,
      message: `${f.path}: cannot be read (${f.message}); fix its permissions or storage`,
      file: f.path,
      severity: "error" as const,
    };
    if (!owner) {
      ignored.push({ path: f.path, reason: `UNREADABLE: ${problem.message}` });
      continue;
    }
    if (f.path === trimSlash(owner.location)) owner.problems = [problem];
    else owner.problems.push(problem);
    owner.complete = false;
    owner.capabilities = { resume: false, inference: false };
  }
}
