import { randomBytes } from "node:crypto";
import { lstat, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Marker in the name of the temporary folder `setupRecovery` builds next to the target. */
const TEMP_MARK = ".rlops-recovery-tmp-";
/** Suffix of a temporary folder's lease file (a sibling: it never ends up inside the recovery folder). */
const LEASE_SUFFIX = ".lease";
/** How often a running setup refreshes its lease's mtime. */
export const LEASE_HEARTBEAT_MS = 15_000;
/**
 * A temporary folder whose lease (or, without a lease, the folder itself) was not touched for this
 * long belongs to an interrupted setup and is removed by the next one. Ten minutes: forty missed
 * heartbeats, and more than the clock skew between hosts sharing a volume should ever be.
 */
export const LEASE_STALE_MS = 10 * 60_000;

/** A held lease: the heartbeat runs until {@link Lease.release}. */
export interface Lease {
  /** The lease file. */
  path: string;
  /** Stops the heartbeat and removes the lease file. */
  release(): Promise<void>;
}

/** The name of a new temporary folder for `target` (random: no PID, so it means the same in every namespace). */
export function tempNameFor(target: string): string {
  return `.${basename(target)}${TEMP_MARK}${randomBytes(6).toString("hex")}`;
}

/**
 * Takes the lease of a temporary folder: writes `<temp>.lease` (host-independent: its mtime is the
 * heartbeat, refreshed every `heartbeatMs`) so another setup — in another PID namespace, container or
 * host on the same volume — can tell a running setup from an abandoned one without PIDs.
 */
export async function acquireLease(temp: string, heartbeatMs = LEASE_HEARTBEAT_MS): Promise<Lease> {
  const path = `${temp}${LEASE_SUFFIX}`;
  await writeFile(path, `rlops recovery setup lease; refreshed every ${heartbeatMs} ms\n`, { flag: "wx" });
  const timer = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, heartbeatMs);
  timer.unref();
  return {
    path,
    async release() {
      clearInterval(timer);
      await rm(path, { force: true }).catch(() => undefined);
    },
  };
}

async function mtimeOf(path: string): Promise<number | null> {
  try {
    return (await lstat(path)).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Removes temporary siblings of `target` (and their lease files) left by interrupted setups: those
 * whose lease — or the folder, when it has none — is older than `staleAfterMs`. A live setup refreshes
 * its lease, so it is never removed, whatever its PID namespace or host.
 */
export async function cleanStaleTemps(
  target: string,
  staleAfterMs = LEASE_STALE_MS,
  now = Date.now(),
): Promise<string[]> {
  const parent = dirname(target);
  const prefix = `.${basename(target)}${TEMP_MARK}`;
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  const present = new Set(names);
  const cleaned: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const isLease = name.endsWith(LEASE_SUFFIX);
    if (isLease && present.has(name.slice(0, -LEASE_SUFFIX.length))) continue; // judged with its folder
    const path = join(parent, name);
    const heartbeat = isLease
      ? await mtimeOf(path)
      : ((await mtimeOf(`${path}${LEASE_SUFFIX}`)) ?? (await mtimeOf(path)));
    if (heartbeat === null || now - heartbeat <= staleAfterMs) continue;
    await rm(path, { recursive: true, force: true });
    if (!isLease) await rm(`${path}${LEASE_SUFFIX}`, { force: true });
    cleaned.push(path);
  }
  return cleaned;
}
