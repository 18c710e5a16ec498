import { CheckpointError } from "./errors.js";

/** Kind of a directory entry. */
export type EntryType = "file" | "dir" | "other";

/** One entry of {@link Storage.list}. `size`/`mtimeMs` are filled when the adapter has them for free. */
export interface DirEntry {
  name: string;
  type: EntryType;
  size?: number;
  mtimeMs?: number;
}

/** Result of {@link Storage.stat}. */
export interface StatInfo {
  type: EntryType;
  size: number;
  mtimeMs?: number;
}

/** An incremental hash: feed bytes with `update`, then read the lowercase hex digest once with `hex`. */
export interface IncrementalHash {
  update(data: Uint8Array): unknown;
  hex(): string;
}

/**
 * The small file-access interface every function goes through. Paths are POSIX-style strings
 * (`/runs/x/checkpoint-5`); adapters map them to their backend. Object storage can implement it
 * without touching the core.
 */
export interface Storage {
  /** Entries of a directory; throws a `NOT_FOUND` {@link CheckpointError} when it does not exist. */
  list(path: string): Promise<DirEntry[]>;
  /** Type/size of a path, or `null` when it does not exist. Symlinks are followed. */
  stat(path: string): Promise<StatInfo | null>;
  /** Bytes of a file, optionally only `[start, end)`. */
  read(path: string, range?: { start: number; end: number }): Promise<Uint8Array>;
  /** A file as UTF-8 text. */
  readText(path: string): Promise<string>;
  /** Removes a directory tree (or a single file). */
  remove(path: string): Promise<void>;
  /** Writes a file (used by manifest writing only; optional for read-only adapters). */
  write?(path: string, data: Uint8Array | string): Promise<void>;
  /**
   * A native SHA-256 for manifests (the Node adapter's uses `node:crypto`, ~20× faster than the
   * pure one used when this is absent).
   */
  createSha256?(): IncrementalHash;
}

/** Joins POSIX path segments (no normalisation of `..`). */
export function joinPath(...parts: string[]): string {
  let out = "";
  for (const part of parts) {
    if (part === "") continue;
    if (out === "" || out.endsWith("/")) out += part.startsWith("/") && out !== "" ? part.slice(1) : part;
    else out += part.startsWith("/") ? part : `/${part}`;
  }
  return out;
}

/** Last segment of a POSIX path. */
export function baseName(path: string): string {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const i = trimmed.lastIndexOf("/");
  return i < 0 ? trimmed : trimmed.slice(i + 1);
}

/** Parent of a POSIX path. */
export function dirName(path: string): string {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  const i = trimmed.lastIndexOf("/");
  if (i < 0) return ".";
  if (i === 0) return "/";
  return trimmed.slice(0, i);
}

/** Removes a trailing slash (except for the root). */
export function trimSlash(path: string): string {
  let p = path;
  while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

/** A file of {@link createMemoryStorage}: its content, or a size-only placeholder. */
export type MemoryFile =
  | string
  | Uint8Array
  | { data?: string | Uint8Array; size?: number; mtimeMs?: number };

interface MemNode {
  data: Uint8Array;
  mtimeMs: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * An in-memory {@link Storage} for tests and browsers. `files` maps paths to contents; directories
 * are implied by the paths (add a key ending in `/` for an empty directory). Paths are normalised
 * to start with `/`.
 */
export function createMemoryStorage(files: Record<string, MemoryFile> = {}): Storage & {
  /** All file paths currently stored. */
  paths(): string[];
} {
  const fileMap = new Map<string, MemNode>();
  const dirs = new Map<string, number>();
  const norm = (p: string) => {
    const t = trimSlash(p.startsWith("/") ? p : `/${p}`);
    return t;
  };
  const addDirs = (path: string, mtimeMs: number) => {
    let d = dirName(path);
    for (;;) {
      if (!dirs.has(d)) dirs.set(d, mtimeMs);
      if (d === "/" || d === ".") break;
      d = dirName(d);
    }
  };
  const put = (path: string, file: MemoryFile) => {
    const mtimeDefault = 0;
    if (path.endsWith("/")) {
      const d = norm(path);
      const m = typeof file === "object" && !(file instanceof Uint8Array) ? (file.mtimeMs ?? 0) : 0;
      dirs.set(d, m);
      addDirs(d, m);
      return;
    }
    const p = norm(path);
    let node: MemNode;
    if (typeof file === "string") node = { data: encoder.encode(file), mtimeMs: mtimeDefault };
    else if (file instanceof Uint8Array) node = { data: file, mtimeMs: mtimeDefault };
    else {
      const data =
        file.data === undefined
          ? new Uint8Array(file.size ?? 0)
          : typeof file.data === "string"
            ? encoder.encode(file.data)
            : file.data;
      node = { data, mtimeMs: file.mtimeMs ?? mtimeDefault };
    }
    fileMap.set(p, node);
    addDirs(p, node.mtimeMs);
  };
  for (const [path, file] of Object.entries(files)) put(path, file);

  const notFound = (path: string): never => {
    throw new CheckpointError({
      code: "NOT_FOUND",
      message: `${path}: no such file or directory`,
      details: { path },
    });
  };
  const getFile = (path: string): MemNode => {
    const node = fileMap.get(norm(path));
    if (!node) return notFound(path);
    return node;
  };

  return {
    async list(path) {
      const d = norm(path);
      if (!dirs.has(d)) notFound(path);
      const prefix = d === "/" ? "/" : `${d}/`;
      const out = new Map<string, DirEntry>();
      for (const [p, node] of fileMap) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length);
        const slash = rest.indexOf("/");
        if (slash < 0)
          out.set(rest, { name: rest, type: "file", size: node.data.length, mtimeMs: node.mtimeMs });
        else {
          const name = rest.slice(0, slash);
          if (!out.has(name))
            out.set(name, { name, type: "dir", mtimeMs: dirs.get(`${prefix}${name}`) ?? 0 });
        }
      }
      for (const [p, mtimeMs] of dirs) {
        if (p === d || !p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length);
        if (rest.includes("/")) continue;
        if (!out.has(rest)) out.set(rest, { name: rest, type: "dir", mtimeMs });
      }
      return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async stat(path) {
      const p = norm(path);
      const node = fileMap.get(p);
      if (node) return { type: "file", size: node.data.length, mtimeMs: node.mtimeMs };
      if (dirs.has(p)) return { type: "dir", size: 0, mtimeMs: dirs.get(p) ?? 0 };
      return null;
    },
    async read(path, range) {
      const node = getFile(path);
      if (!range) return node.data;
      return node.data.subarray(Math.max(0, range.start), Math.min(node.data.length, range.end));
    },
    async readText(path) {
      return decoder.decode(getFile(path).data);
    },
    async remove(path) {
      const p = norm(path);
      if (fileMap.delete(p)) return;
      if (!dirs.has(p)) notFound(path);
      const prefix = `${p}/`;
      for (const key of [...fileMap.keys()]) if (key.startsWith(prefix)) fileMap.delete(key);
      for (const key of [...dirs.keys()]) if (key === p || key.startsWith(prefix)) dirs.delete(key);
    },
    async write(path, data) {
      put(norm(path), typeof data === "string" ? data : data);
    },
    paths() {
      return [...fileMap.keys()].sort();
    },
  };
}

/** Runs `fn` over `items` with at most `limit` promises in flight, preserving order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  };
  const workers: Promise<void>[] = [];
  for (let k = 0; k < Math.min(limit, items.length); k++) workers.push(worker());
  await Promise.all(workers);
  return out;
}
